package dev.kj.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small helpers for defaulting and validating JSON objects as Go's zero values see them. */
public final class Nodes {
    private Nodes() {
    }

    /** The object at {@code field}, created when absent or null. */
    public static ObjectNode object(ObjectNode parent, String field) {
        if (parent.get(field) instanceof ObjectNode existing) {
            return existing;
        }
        return parent.putObject(field);
    }

    /** The string at {@code field}, "" when absent or null (Go's zero value). */
    public static String text(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }

    /** Whether the field is set (present and not null), as a Go pointer is non-nil. */
    public static boolean set(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        return value != null && !value.isNull();
    }

    public static void defaultText(ObjectNode parent, String field, String value) {
        if (text(parent, field).isEmpty()) {
            parent.put(field, value);
        }
    }

    public static void defaultNumber(ObjectNode parent, String field, long value) {
        if (!set(parent, field)) {
            putNumber(parent, field, value);
        }
    }

    /** An int when it fits, as a JSON reader would make it. */
    private static void putNumber(ObjectNode parent, String field, long value) {
        if (value == (int) value) {
            parent.put(field, (int) value);
        } else {
            parent.put(field, value);
        }
    }

    /** For Go ints without a pointer, where 0 means unset. */
    public static void defaultNonZero(ObjectNode parent, String field, long value) {
        if (parent.path(field).asLong(0) == 0) {
            putNumber(parent, field, value);
        }
    }

    public static void defaultBoolean(ObjectNode parent, String field, boolean value) {
        if (!set(parent, field)) {
            parent.put(field, value);
        }
    }
}
