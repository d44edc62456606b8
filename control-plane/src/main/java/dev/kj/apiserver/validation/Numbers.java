package dev.kj.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Upstream's numeric field checks (ValidateNonnegativeField and friends). */
public final class Numbers {
    private Numbers() {
    }

    public static final String NONNEGATIVE = "must be greater than or equal to 0";

    /** ValidateNonnegativeField when the field is set. */
    public static List<FieldError> nonNegative(JsonNode parent, String field, FieldPath path) {
        JsonNode value = parent.get(field);
        if (value != null && value.isNumber() && value.asLong() < 0) {
            return List.of(FieldError.invalid(path, value.asLong(), NONNEGATIVE));
        }
        return List.of();
    }

    /** ValidateImmutableField for a value printed plainly (numbers) or quoted (strings). */
    public static List<FieldError> immutable(JsonNode value, JsonNode old, FieldPath path) {
        JsonNode now = value == null || value.isNull() ? null : value;
        JsonNode before = old == null || old.isNull() ? null : old;
        if (now == null ? before == null : now.equals(before)) {
            return List.of();
        }
        String rendered = now == null ? "null" : now.isTextual() ? GoValues.quote(now.asText()) : now.toString();
        return List.of(FieldError.invalidRendered(path, rendered, FIELD_IMMUTABLE));
    }

    /** apimachinery's FieldImmutableErrorMsg. */
    public static final String FIELD_IMMUTABLE = "field is immutable";
}
