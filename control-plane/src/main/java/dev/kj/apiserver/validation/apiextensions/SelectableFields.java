package dev.kj.apiserver.validation.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * ValidateCustomResourceSelectableFields: each selectable field is a dot path (array notation is
 * refused, as upstream's ValidFieldPath without array notation refuses it) to a string, boolean or
 * integer field outside metadata; at most {@code max} distinct ones.
 */
final class SelectableFields {
    private SelectableFields() {
    }

    static List<FieldError> validate(JsonNode fields, JsonNode schema, FieldPath path, int max) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> unique = new HashSet<>();
        int i = 0;
        for (JsonNode field : fields) {
            FieldPath at = path.index(i++).child("jsonPath");
            String jsonPath = field.path("jsonPath").asText("");
            if (jsonPath.isEmpty()) {
                errors.add(FieldError.required(at, ""));
                continue;
            }
            Resolved resolved = resolve(jsonPath, schema, false);
            if (resolved.problem() != null) {
                errors.add(FieldError.invalid(at, jsonPath, "is an invalid path: " + resolved.problem()));
                continue;
            }
            List<String> steps = resolved.steps();
            JsonNode found = resolved.schema();
            if (!steps.isEmpty() && steps.getFirst().equals("metadata")) {
                errors.add(FieldError.invalid(at, jsonPath, "must not point to fields in metadata"));
            }
            String type = found == null ? "" : Schemas.type(found);
            if (!Set.of("string", "boolean", "integer").contains(type)) {
                errors.add(FieldError.invalid(at, jsonPath, "must point to a field of type string, boolean or integer."
                        + " Enum string fields and strings with formats are allowed."));
            }
            if (!unique.add(String.join(".", steps))) {
                errors.add(FieldError.duplicate(at, jsonPath));
            }
        }
        if (unique.size() > max) {
            errors.add(FieldError.tooMany(path, unique.size(), max));
        }
        return errors;
    }

    /** Where a JSON path leads in a schema: the steps, the schema there, or why it leads nowhere. */
    record Resolved(List<String> steps, JsonNode schema, String problem) {
    }

    /**
     * cel.ValidFieldPath: {@code .name} and (when allowed) {@code ['name']} steps through properties,
     * or through additionalProperties for maps, with upstream's error texts.
     */
    static Resolved resolve(String jsonPath, JsonNode schema, boolean allowArrayNotation) {
        List<String> steps = new ArrayList<>();
        JsonNode found = schema;
        int position = 0;
        while (position < jsonPath.length()) {
            char c = jsonPath.charAt(position);
            String step;
            if (c == '[') {
                if (!allowArrayNotation) {
                    return new Resolved(steps, null, "array notation is not allowed");
                }
                int close = jsonPath.indexOf("']", position + 2);
                if (position + 1 >= jsonPath.length() || jsonPath.charAt(position + 1) != '\'' || close < 0) {
                    return new Resolved(steps, null, position + 1 >= jsonPath.length() ? "unexpected end of JSON path"
                            : "expected single quoted string but got " + jsonPath.substring(position + 1,
                            next(jsonPath, position + 1)));
                }
                step = jsonPath.substring(position + 2, close).replace("\\'", "'");
                position = close + 2;
            } else if (c == '.') {
                if (position + 1 >= jsonPath.length()) {
                    return new Resolved(steps, null, "unexpected end of JSON path");
                }
                int end = next(jsonPath, position + 1);
                step = jsonPath.substring(position + 1, end);
                position = end;
            } else {
                return new Resolved(steps, null, "expected [ or . but got: " + jsonPath.substring(position,
                        Math.max(position + 1, next(jsonPath, position))));
            }
            if (found != null && Schemas.present(found, "properties")) {
                found = found.get("properties").get(step);
                if (found == null) {
                    return new Resolved(steps, null, "does not refer to a valid field");
                }
            } else if (found != null && found.hasNonNull("additionalProperties")) {
                found = Schemas.schemaOrNull(found.get("additionalProperties"));
            } else {
                return new Resolved(steps, null, "does not refer to a valid field");
            }
            steps.add(step);
        }
        return new Resolved(steps, found, null);
    }

    private static int next(String path, int from) {
        int end = from;
        while (end < path.length() && ".[]".indexOf(path.charAt(end)) < 0) {
            end++;
        }
        return end;
    }
}
