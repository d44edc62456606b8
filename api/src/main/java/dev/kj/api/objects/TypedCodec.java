package dev.kj.api.objects;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;

/**
 * fabric8 model objects, read and written with Jackson 3. Trees from list items and watch events
 * are Jackson 2's, so they cross as bytes (a second parse per object; a typed list or event
 * parser would avoid it if it ever shows in a profile).
 */
record TypedCodec<T extends HasMetadata>(Class<T> type) implements ObjectCodec<T> {
    @Override
    public T read(byte[] json) {
        return Json.TYPED.readValue(json, type);
    }

    @Override
    public T fromTree(ObjectNode tree) {
        return read(Json.write(tree));
    }

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
