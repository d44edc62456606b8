package dev.kj.api.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resource;
import dev.kj.api.objects.ObjectCodec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A client of one API server through one transport (and so one identity): hands out a
 * {@link ResourceClient} per resource and representation. Thread-safe; share one per component.
 */
public final class ApiClient implements AutoCloseable {
    private final Transport transport;

    public ApiClient(Transport transport) {
        this.transport = transport;
    }

    /** Over HTTPS, as the kubeconfig file's current context says. */
    public static ApiClient fromKubeconfig(Path file) throws IOException {
        return new ApiClient(HttpsTransport.create(Kubeconfig.load(file).current()));
    }

    public <T> ResourceClient<T> resource(Resource resource, ObjectCodec<T> codec) {
        return new ResourceClient<>(transport, resource, codec);
    }

    /** fabric8 model objects, e.g. {@code typed(Resources.PODS, Pod.class)}. */
    public <T extends HasMetadata> ResourceClient<T> typed(Resource resource, Class<T> type) {
        return resource(resource, ObjectCodec.typed(type));
    }

    /** Jackson trees, for any resource. */
    public ResourceClient<ObjectNode> generic(Resource resource) {
        return resource(resource, ObjectCodec.generic());
    }

    /** Metadata only (PartialObjectMetadata). */
    public ResourceClient<PartialObjectMetadata> metadata(Resource resource) {
        return resource(resource, ObjectCodec.metadata());
    }

    /** What the server serves (discovery). */
    public DiscoveryClient discovery() {
        return new DiscoveryClient(transport);
    }

    public Transport transport() {
        return transport;
    }

    @Override
    public void close() {
        transport.close();
    }
}
