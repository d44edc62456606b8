package dev.kj.api.objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;

/** What fabric8 model objects share: their metadata, and writing with Jackson 3. */
abstract class ModelCodec<T extends HasMetadata> implements ObjectCodec<T> {
    @Override
    public byte[] write(T object) {
        return Json.TYPED.writeValueAsBytes(object);
    }

    @Override
    public String namespace(T object) {
        return meta(object).getNamespace();
    }

    @Override
    public String name(T object) {
        return meta(object).getName();
    }

    @Override
    public String uid(T object) {
        return meta(object).getUid();
    }

    @Override
    public String resourceVersion(T object) {
        return meta(object).getResourceVersion();
    }

    @Override
    public Map<String, String> labels(T object) {
        Map<String, String> labels = meta(object).getLabels();
        return labels == null ? Map.of() : labels;
    }

    private static ObjectMeta meta(HasMetadata object) {
        ObjectMeta meta = object.getMetadata();
        return meta == null ? new ObjectMeta() : meta;
    }
}
