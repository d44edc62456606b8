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
            List<String> steps = new ArrayList<>();
            String problem = null;
            JsonNode found = schema;
            int position = 0;
            while (position < jsonPath.length() && problem == null) {
                char c = jsonPath.charAt(position);
                if (c == '[') {
                    problem = "array notation is not allowed";
                } else if (c != '.') {
                    int end = next(jsonPath, position);
                    problem = "expected [ or . but got: " + jsonPath.substring(position, end);
                } else if (position + 1 >= jsonPath.length()) {
                    problem = "unexpected end of JSON path";
                } else {
                    int end = next(jsonPath, position + 1);
                    String step = jsonPath.substring(position + 1, end);
                    if (found.hasNonNull("properties")) {
                        found = found.get("properties").get(step);
                        if (found == null) {
                            problem = "does not refer to a valid field";
                        }
                    } else if (found.hasNonNull("additionalProperties")) {
                        found = Schemas.schemaOrNull(found.get("additionalProperties"));
                        if (found == null) {
                            found = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                        }
                    } else {
                        problem = "does not refer to a valid field";
                    }
                    steps.add(step);
                    position = end;
                }
            }
            if (problem != null) {
                errors.add(FieldError.invalid(at, jsonPath, "is an invalid path: " + problem));
                continue;
            }
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

    private static int next(String path, int from) {
        int end = from;
        while (end < path.length() && ".[]".indexOf(path.charAt(end)) < 0) {
            end++;
        }
        return end;
    }
}
