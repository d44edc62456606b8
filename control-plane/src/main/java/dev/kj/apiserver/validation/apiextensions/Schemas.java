package dev.kj.apiserver.validation.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Walking JSONSchemaProps trees as JSON (upstream's SchemaHas and the Go zero-value tests). */
final class Schemas {
    private Schemas() {
    }

    /** Whether the field holds something other than Go's zero value (null, false, "", empty lists and maps). */
    static boolean present(JsonNode schema, String field) {
        JsonNode value = schema.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isTextual()) {
            return !value.asText().isEmpty();
        }
        if (value.isContainerNode()) {
            return !value.isEmpty();
        }
        return true;
    }

    static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        return type == null || type.isNull() ? "" : type.asText("");
    }

    static boolean flag(JsonNode schema, String field) {
        return schema.path(field).asBoolean(false);
    }

    /** The properties' names, sorted (upstream walks a Go map, in no fixed order). */
    static List<String> propertyNames(JsonNode schema, String field) {
        List<String> names = new ArrayList<>();
        JsonNode properties = schema.get(field);
        if (properties != null && properties.isObject()) {
            properties.fieldNames().forEachRemaining(names::add);
        }
        names.sort(null);
        return names;
    }

    /** A schema in a JSONSchemaPropsOrBool (additionalProperties, additionalItems), or null for a boolean. */
    static JsonNode schemaOrNull(JsonNode node) {
        return node != null && node.isObject() ? node : null;
    }

    /** SchemaHas: whether the schema or any schema below it matches. */
    static boolean has(JsonNode schema, Predicate<JsonNode> predicate) {
        if (schema == null || !schema.isObject()) {
            return false;
        }
        if (predicate.test(schema)) {
            return true;
        }
        JsonNode items = schema.get("items");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                if (has(item, predicate)) {
                    return true;
                }
            }
        } else if (has(items, predicate)) {
            return true;
        }
        for (String list : List.of("allOf", "anyOf", "oneOf")) {
            for (JsonNode sub : schema.path(list)) {
                if (has(sub, predicate)) {
                    return true;
                }
            }
        }
        if (has(schema.get("not"), predicate)) {
            return true;
        }
        for (String map : List.of("properties", "patternProperties", "definitions", "dependencies")) {
            for (JsonNode sub : schema.path(map)) {
                if (has(sub, predicate)) {
                    return true;
                }
            }
        }
        return has(schemaOrNull(schema.get("additionalProperties")), predicate)
                || has(schemaOrNull(schema.get("additionalItems")), predicate);
    }
}
