package dev.kj.api.objects;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;

/** metav1.PartialObjectMetadata, asked for with Accept and read from any object's metadata. */
final class MetadataCodec extends ModelCodec<PartialObjectMetadata> {
    static final MetadataCodec INSTANCE = new MetadataCodec();
    private static final String OBJECT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
    private static final String LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

    private MetadataCodec() {
    }

    @Override
    public PartialObjectMetadata read(byte[] json) {
        return fromTree(Json.readObject(json));
    }

    @Override
    public PartialObjectMetadata fromTree(ObjectNode tree) {
        // only metadata is kept, whatever the server sent: a full object reads as its metadata
        PartialObjectMetadata partial = new PartialObjectMetadata();
        partial.setApiVersion("meta.k8s.io/v1");
        partial.setKind("PartialObjectMetadata");
        partial.setMetadata(tree.path("metadata").isObject()
                ? Json.TYPED.readValue(Json.write(tree.path("metadata")), ObjectMeta.class) : new ObjectMeta());
        return partial;
    }

    @Override
    public String accept(boolean list) {
        return list ? LIST : OBJECT;
    }
}
