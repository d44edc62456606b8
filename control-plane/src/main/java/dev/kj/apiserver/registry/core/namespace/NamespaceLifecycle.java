package dev.kj.apiserver.registry.core.namespace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.IdentityMemo;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.storage.cacher.Cachers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a namespace takes new content (upstream's NamespaceLifecycle admission). As upstream,
 * the namespace is looked up in the watch cache (upstream: its informer) and read from storage
 * only when the cache does not hold it (just created) or when this server was asked to delete it
 * lately ({@link #FORCE_LIVE_LOOKUP}), so a create right after a delete answered here sees it
 * Terminating; another API server on the same store may, as upstream's, learn of it a watch
 * delay later.
 */
public final class NamespaceLifecycle implements GenericStore.NamespaceLookup {
    /** Upstream's forceLiveLookupTTL. */
    static final Duration FORCE_LIVE_LOOKUP = Duration.ofSeconds(30);

    private final EtcdStorage storage;
    private final Cachers cache;
    private final ResourceDescription namespaces;
    private final ObjectMapper json;
    /** Namespaces a delete was asked for through this server, until when they are read from storage. */
    private final Map<String, Long> liveUntil = new ConcurrentHashMap<>();
    private final IdentityMemo<StoredValue, GenericStore.NamespaceState> states = new IdentityMemo<>(16);

    /** @param cache the watch caches to consult first (null: storage alone) */
    public NamespaceLifecycle(EtcdStorage storage, Cachers cache, ResourceDescription namespaces, ObjectMapper json) {
        this.storage = storage;
        this.cache = cache;
        this.namespaces = namespaces;
        this.json = json;
    }

    @Override
    public GenericStore.NamespaceState state(String namespace) {
        String key = namespaces.key(null, namespace);
        if (cache != null && !forcedLive(namespace)) {
            Optional<StoredValue> cached = cache.cached(key);
            if (cached.isPresent()) {
                return states.get(cached.get(), this::stateOf);
            }
        }
        return storage.get(key).map(this::stateOf).orElse(GenericStore.NamespaceState.ABSENT);
    }

    private boolean forcedLive(String namespace) {
        Long until = liveUntil.get(namespace);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until < 0) {
            return true;
        }
        liveUntil.remove(namespace, until);
        return false;
    }

    private GenericStore.NamespaceState stateOf(StoredValue stored) {
        try {
            JsonNode phase = json.readTree(stored.value()).path("status").path("phase");
            return phase.asText().equals(NamespaceStrategy.TERMINATING) ? GenericStore.NamespaceState.TERMINATING
                    : GenericStore.NamespaceState.ACTIVE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code stage} (the namespaces' delete stage) with each delete asked for noted first, as upstream's admission does. */
    public GenericStore.DeleteStage noticingDeletes(GenericStore.DeleteStage stage) {
        return (store, namespace, name, options) -> {
            liveUntil.put(name, System.nanoTime() + FORCE_LIVE_LOOKUP.toNanos());
            return stage.delete(store, namespace, name, options);
        };
    }
}
