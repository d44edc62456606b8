package dev.kj.apiserver.patch.strategic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.schema.Field;
import dev.kj.apiserver.schema.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Directive keys a merge leaves in place (a new list item or a replaced list is taken from the
 * patch as sent). Upstream's decoding into the Go type drops them as unknown fields; kj stores
 * JSON, so they are taken out here, except where the type holds raw JSON (kept as sent, as
 * upstream keeps a RawExtension's bytes) or really has such a field (JSONSchemaProps' $ref).
 */
final class LeftoverDirectives {
    private LeftoverDirectives() {
    }

    static void strip(ObjectNode object, Type type) {
        strip(object, new Field.Struct(type));
    }

    /** {@code shape} is null where the model does not describe the value. */
    private static void strip(JsonNode node, Field.Value shape) {
        if (node.isArray()) {
            Field.Value items = shape instanceof Field.ListOf(Field.Value of) ? of : null;
            node.forEach(item -> strip(item, items));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        Type type = shape instanceof Field.Struct(Type struct) ? struct : null;
        if (type != null && type.jsonForm().isPresent()) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            Field field = type == null ? null : type.field(key).filter(f -> f.name().equals(key)).orElse(null);
            if (field == null && isDirective(key)) {
                object.remove(key);
                continue;
            }
            Field.Value child = field != null ? field.value()
                    : shape instanceof Field.MapOf(Field.Value values) ? values : null;
            strip(object.get(key), child);
        }
    }

    private static boolean isDirective(String key) {
        return key.equals(StrategicMergePatch.DIRECTIVE) || key.equals(StrategicMergePatch.RETAIN_KEYS)
                || key.startsWith(StrategicMergePatch.SET_ELEMENT_ORDER + "/")
                || key.startsWith(StrategicMergePatch.DELETE_FROM_PRIMITIVE_LIST + "/");
    }
}
