package dev.kj.api.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** Objects as Jackson trees; fields the client does not know survive untouched. */
final class GenericCodec implements ObjectCodec<ObjectNode> {
    static final GenericCodec INSTANCE = new GenericCodec();

    private GenericCodec() {
    }

    @Override
    public ObjectNode read(byte[] json) {
        return Json.readObject(json);
    }

    @Override
    public ObjectNode fromTree(ObjectNode tree) {
        return tree;
    }

    @Override
    public byte[] write(ObjectNode object) {
        return Json.write(object);
    }

    @Override
    public String namespace(ObjectNode object) {
        return text(object.path("metadata").path("namespace"));
    }

    @Override
    public String name(ObjectNode object) {
        return text(object.path("metadata").path("name"));
    }

    @Override
    public String uid(ObjectNode object) {
        return text(object.path("metadata").path("uid"));
    }

    @Override
    public String resourceVersion(ObjectNode object) {
        return text(object.path("metadata").path("resourceVersion"));
    }

    @Override
    public Map<String, String> labels(ObjectNode object) {
        JsonNode labels = object.path("metadata").path("labels");
        if (!labels.isObject() || labels.isEmpty()) {
            return Map.of();
        }
        Map<String, String> map = new LinkedHashMap<>();
        labels.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }
}
