package dev.kj.api.objects;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.util.Map;

/**
 * One representation of API objects — generic trees, fabric8 model classes, or metadata only —
 * and what the client and informers need of it: reading, writing, and the few metadata fields
 * that identify and version an object. The client and informers are written once against this.
 */
public interface ObjectCodec<T> {
    /** One object from a whole response body. */
    T read(byte[] json);

    /** One object from a generic tree: a list item or a watch event's object. */
    T fromTree(ObjectNode tree);

    /** The JSON body of a create, update or status update. */
    byte[] write(T object);

    /** {@code null} for cluster-scoped objects. */
    String namespace(T object);

    String name(T object);

    String uid(T object);

    String resourceVersion(T object);

    /** Never null. */
    Map<String, String> labels(T object);

    /**
     * The Accept header of requests whose answer is objects of this representation.
     *
     * @param list true for list requests (a watch's events carry single objects)
     */
    default String accept(boolean list) {
        return "application/json";
    }

    /** {@code namespace/name}, or {@code name} for cluster-scoped objects: the informer and work queue key. */
    default String key(T object) {
        return Keys.of(namespace(object), name(object));
    }

    /** Jackson trees, as the API server handles them. */
    static ObjectCodec<ObjectNode> generic() {
        return GenericCodec.INSTANCE;
    }

    /** fabric8 kubernetes-model objects of one class. */
    static <T extends HasMetadata> ObjectCodec<T> typed(Class<T> type) {
        return new TypedCodec<>(type);
    }

    /**
     * metav1.PartialObjectMetadata: the server is asked for metadata only (what the garbage
     * collector and quota watch), and a server that answers full objects is read for their
     * metadata, as client-go's metadata client does.
     */
    static ObjectCodec<PartialObjectMetadata> metadata() {
        return MetadataCodec.INSTANCE;
    }
}
