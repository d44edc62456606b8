package dev.kj.api.informers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resource;
import dev.kj.api.client.ApiClient;
import dev.kj.api.objects.ObjectCodec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands out one shared informer per resource and representation (client-go's
 * SharedInformerFactory): every controller in a process that asks for pods gets the same cache
 * and the same watch. {@link #start()} starts those created so far; call it again after creating more.
 */
public final class InformerFactory implements AutoCloseable {
    private final ApiClient client;
    private final InformerOptions options;
    private final Map<Key, SharedInformer<?>> informers = new LinkedHashMap<>();
    private boolean closed;

    private record Key(Resource resource, ObjectCodec<?> codec) {
    }

    public InformerFactory(ApiClient client) {
        this(client, InformerOptions.DEFAULTS);
    }

    public InformerFactory(ApiClient client, InformerOptions options) {
        this.client = client;
        this.options = options;
    }

    @SuppressWarnings("unchecked")
    public synchronized <T> SharedInformer<T> informer(Resource resource, ObjectCodec<T> codec) {
        if (closed) {
            throw new IllegalStateException("the informer factory is closed");
        }
        InformerOptions scoped = resource.namespaced() ? options : options.inNamespace(null);
        return (SharedInformer<T>) informers.computeIfAbsent(new Key(resource, codec),
                key -> new SharedInformer<>(client.resource(resource, codec), scoped));
    }

    public <T extends HasMetadata> SharedInformer<T> typed(Resource resource, Class<T> type) {
        return informer(resource, ObjectCodec.typed(type));
    }

    public SharedInformer<ObjectNode> generic(Resource resource) {
        return informer(resource, ObjectCodec.generic());
    }

    public SharedInformer<PartialObjectMetadata> metadata(Resource resource) {
        return informer(resource, ObjectCodec.metadata());
    }

    public synchronized void start() {
        informers.values().forEach(SharedInformer::start);
    }

    /** Waits until every informer created so far has synced; false on timeout. */
    public boolean waitForSync(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<SharedInformer<?>> all;
        synchronized (this) {
            all = new ArrayList<>(informers.values());
        }
        for (SharedInformer<?> informer : all) {
            if (!informer.waitForSync(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
        informers.values().forEach(SharedInformer::close);
    }
}
