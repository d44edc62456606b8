package dev.kj.apiserver.decoding;

import dev.kj.apiserver.errors.StatusException;
import java.util.List;
import java.util.Map;

/**
 * The {@code fieldValidation} query parameter of create, update and patch: what to do with
 * unknown and duplicate fields in a body. Absent means Warn, as upstream since 1.27.
 */
public enum FieldValidation {
    /** Refuse the request, naming every unknown and duplicate field. */
    STRICT("Strict"),
    /** Store the object without the unknown fields and tell the client in Warning headers. */
    WARN("Warn"),
    /** Drop unknown fields silently. */
    IGNORE("Ignore");

    private final String value;

    FieldValidation(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    /** Whether strict decoding errors are collected at all (upstream decodes strictly for Strict and Warn). */
    public boolean collects() {
        return this != IGNORE;
    }

    /**
     * The directive a request's query names. Any other value is refused as upstream's options
     * validation does: 422 on {@code optionsKind} (CreateOptions, UpdateOptions, PatchOptions).
     */
    public static FieldValidation of(Map<String, List<String>> query, String optionsKind) {
        List<String> values = query.getOrDefault("fieldValidation", List.of());
        String value = values.isEmpty() ? "" : values.getFirst();
        if (value.isEmpty()) {
            return WARN;
        }
        for (FieldValidation directive : values()) {
            if (directive.value.equals(value)) {
                return directive;
            }
        }
        throw StatusException.invalid(optionsKind, "meta.k8s.io", "", List.of(new StatusException.Cause(
                "FieldValueNotSupported", "fieldValidation: Unsupported value: \"" + value
                + "\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"", "fieldValidation")));
    }
}
