package dev.kj.apiserver.validation.apiextensions;

import static dev.kj.apiserver.validation.apiextensions.Schemas.flag;
import static dev.kj.apiserver.validation.apiextensions.Schemas.propertyNames;
import static dev.kj.apiserver.validation.apiextensions.Schemas.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Defaults in a structural schema (upstream's schema/defaulting ValidateDefaults): each default
 * must survive pruning unchanged ("must not have unknown fields") and validate against the schema
 * it sits in, with kube-openapi's messages ({@code  in body must be of type integer: "string"}; the
 * default itself is the validator's unnamed root, hence the leading space upstream prints too).
 * String formats are checked as upstream's supported set ({@link StringFormats}).
 * Not checked: metadata defaults inside embedded resources (ObjectMeta coercion),
 * allOf/anyOf/oneOf/not on default values, and CEL rules.
 */
final class SchemaDefaults {
    private static final Set<String> RESOURCE_META = Set.of("metadata", "apiVersion", "kind");

    private SchemaDefaults() {
    }

    static List<FieldError> validate(FieldPath path, JsonNode root, boolean requirePruned) {
        List<FieldError> errors = new ArrayList<>();
        walk(path, root, true, false, requirePruned, errors);
        return errors;
    }

    /** schemaHasUnprunedDefaults: a default that pruning would change (an old object's, which updates then tolerate). */
    static boolean hasUnprunedDefaults(JsonNode schema) {
        if (!SchemaRules.hasDefaults(schema) || !StructuralSchema.structural(schema)) {
            return false;
        }
        List<FieldError> errors = new ArrayList<>();
        walk(FieldPath.root(""), schema, true, false, true, errors);
        return errors.stream().anyMatch(e -> e.detail().equals("must not have unknown fields"));
    }

    private static void walk(FieldPath path, JsonNode s, boolean resourceRoot, boolean insideMeta, boolean requirePruned,
                             List<FieldError> errors) {
        if (s == null || !s.isObject()) {
            return;
        }
        boolean embedded = resourceRoot || flag(s, "x-kubernetes-embedded-resource");
        if (embedded) {
            insideMeta = false;
        }
        JsonNode value = s.get("default");
        if (value != null && !value.isNull()) {
            FieldPath at = path.child("default");
            if (!insideMeta && requirePruned) {
                JsonNode pruned = value.deepCopy();
                prune(pruned, s, embedded);
                if (!pruned.equals(value)) {
                    errors.add(FieldError.invalidRendered(at, GoForms.value(value), "must not have unknown fields"));
                }
            }
            errors.addAll(new ValueValidator(at).validate(value, s));
        }
        walk(path.child("items"), Schemas.schemaOrNull(s.get("items")), false, insideMeta, requirePruned, errors);
        for (String property : propertyNames(s, "properties")) {
            boolean meta = insideMeta || embedded && RESOURCE_META.contains(property);
            walk(path.child("properties").key(property), s.get("properties").get(property), false, meta, requirePruned, errors);
        }
    }

    /** pruning.Prune: drops the fields the schema does not know, keeping apiVersion, kind and metadata of resources. */
    static void prune(JsonNode value, JsonNode s, boolean resourceRoot) {
        if (s == null || value == null) {
            return;
        }
        if (value instanceof ObjectNode object) {
            boolean preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
            JsonNode additional = s.get("additionalProperties");
            for (String field : new ArrayList<>(iterable(object))) {
                if (resourceRoot && RESOURCE_META.contains(field)) {
                    continue;
                }
                JsonNode property = s.path("properties").get(field);
                if (property != null && property.isObject()) {
                    prune(object.get(field), property, flag(property, "x-kubernetes-embedded-resource"));
                } else if (additional != null && additional.isObject()) {
                    prune(object.get(field), additional, flag(additional, "x-kubernetes-embedded-resource"));
                } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                    object.remove(field);
                }
            }
        } else if (value instanceof ArrayNode array) {
            JsonNode items = Schemas.schemaOrNull(s.get("items"));
            if (items != null) {
                for (JsonNode item : array) {
                    prune(item, items, flag(items, "x-kubernetes-embedded-resource"));
                }
            }
        }
    }

    private static List<String> iterable(ObjectNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * kube-openapi's SchemaValidator on a default value, with upstream's mapping of its results to
     * field errors (kubeOpenAPIResultToFieldErrors): type, string, number, array and object
     * constraints, enum, required properties.
     */
    private static final class ValueValidator {
        private final FieldPath base;
        private final List<FieldError> errors = new ArrayList<>();

        ValueValidator(FieldPath base) {
            this.base = base;
        }

        List<FieldError> validate(JsonNode value, JsonNode s) {
            check(value, s, "");
            return errors;
        }

        private FieldPath at(String name) {
            String trimmed = name.startsWith(".") ? name.substring(1) : name;
            return trimmed.isEmpty() ? base : base.child(trimmed);
        }

        private static String types(JsonNode s) {
            return flag(s, "x-kubernetes-int-or-string") ? "integer,string" : type(s);
        }

        private void check(JsonNode value, JsonNode s, String name) {
            String types = types(s);
            if (value == null || value.isNull()) {
                if (!types.isEmpty() && !flag(s, "nullable")) {
                    typeError(name, types, "null");
                }
                enumeration(value, s, name);
                return;
            }
            String actual = inferred(value);
            if (!types.isEmpty()) {
                List<String> allowed = List.of(types.split(","));
                boolean ok = allowed.contains(actual) || actual.equals("integer") && allowed.contains("number");
                if (!ok) {
                    typeError(name, types, actual);
                }
            }
            if (value.isTextual()) {
                string(value.asText(), s, name);
            }
            if (value.isNumber()) {
                number(value, s, name);
            }
            if (value.isArray()) {
                array(value, s, name);
            }
            enumeration(value, s, name);
            if (value.isObject()) {
                object(value, s, name);
            }
        }

        private void typeError(String name, String types, String actual) {
            errors.add(FieldError.invalid(at(name), actual, name + " in body must be of type " + types + ": \"" + actual + "\""));
        }

        private static String inferred(JsonNode value) {
            if (value.isTextual()) {
                return "string";
            }
            if (value.isBoolean()) {
                return "boolean";
            }
            if (value.isNumber()) {
                return GoForms.integral(value) ? "integer" : "number";
            }
            return value.isArray() ? "array" : "object";
        }

        private void string(String value, JsonNode s, String name) {
            int length = value.codePointCount(0, value.length());
            if (s.hasNonNull("maxLength") && length > s.get("maxLength").asLong()) {
                errors.add(new FieldError(FieldError.Type.TOO_LONG, at(name).toString(), null,
                        "may not be more than " + s.get("maxLength").asLong() + " bytes"));
            }
            if (s.hasNonNull("minLength") && length < s.get("minLength").asLong()) {
                errors.add(FieldError.invalid(at(name), value, name + " in body should be at least "
                        + s.get("minLength").asLong() + " chars long"));
            }
            String pattern = s.path("pattern").asText("");
            if (!pattern.isEmpty()) {
                try {
                    if (!Pattern.compile(pattern).matcher(value).find()) {
                        errors.add(FieldError.invalid(at(name), value, name + " in body should match '" + pattern + "'"));
                    }
                } catch (PatternSyntaxException e) {
                    // reported on the schema's pattern already
                }
            }
            String format = s.path("format").asText("");
            if (!format.isEmpty() && (type(s).isEmpty() || type(s).equals("string")) && !StringFormats.valid(format, value)) {
                errors.add(FieldError.invalid(at(name), value, name + " in body must be of type " + format + ": "
                        + GoValues.quote(value)));
            }
        }

        private void number(JsonNode value, JsonNode s, String name) {
            double d = value.asDouble();
            String shown = GoForms.number(value);
            if (s.hasNonNull("multipleOf")) {
                double factor = s.get("multipleOf").asDouble();
                if (factor > 0 && Math.abs(d / factor - Math.rint(d / factor)) > 1e-9) {
                    errors.add(FieldError.invalidRendered(at(name), shown, name + " in body should be a multiple of "
                            + GoForms.float64(factor)));
                }
            }
            if (s.hasNonNull("maximum")) {
                double max = s.get("maximum").asDouble();
                boolean exclusive = flag(s, "exclusiveMaximum");
                if (exclusive ? d >= max : d > max) {
                    errors.add(FieldError.invalidRendered(at(name), shown, name + " in body should be less than "
                            + (exclusive ? "" : "or equal to ") + GoForms.float64(max)));
                }
            }
            if (s.hasNonNull("minimum")) {
                double min = s.get("minimum").asDouble();
                boolean exclusive = flag(s, "exclusiveMinimum");
                if (exclusive ? d <= min : d < min) {
                    errors.add(FieldError.invalidRendered(at(name), shown, name + " in body should be greater than "
                            + (exclusive ? "" : "or equal to ") + GoForms.float64(min)));
                }
            }
        }

        private void array(JsonNode value, JsonNode s, String name) {
            int size = value.size();
            if (s.hasNonNull("maxItems") && size > s.get("maxItems").asLong()) {
                errors.add(FieldError.tooMany(at(name), size, s.get("maxItems").asInt()));
            }
            if (s.hasNonNull("minItems") && size < s.get("minItems").asLong()) {
                errors.add(FieldError.invalid(at(name), size, name + " in body should have at least "
                        + s.get("minItems").asLong() + " items"));
            }
            JsonNode items = Schemas.schemaOrNull(s.get("items"));
            if (items != null) {
                for (int i = 0; i < size; i++) {
                    check(value.get(i), items, name + "." + i);
                }
            }
        }

        private void enumeration(JsonNode value, JsonNode s, String name) {
            JsonNode allowed = s.get("enum");
            if (allowed == null || !allowed.isArray() || allowed.isEmpty()) {
                return;
            }
            for (JsonNode candidate : allowed) {
                if (candidate.equals(value) || candidate.isNumber() && value != null && value.isNumber()
                        && candidate.asDouble() == value.asDouble()) {
                    return;
                }
            }
            List<String> values = new ArrayList<>();
            allowed.forEach(v -> values.add(v.isTextual() ? v.asText() : v.toString()));
            errors.add(FieldError.notSupportedRendered(at(name), GoForms.value(value), values));
        }

        private void object(JsonNode value, JsonNode s, String name) {
            int size = value.size();
            if (s.hasNonNull("minProperties") && size < s.get("minProperties").asLong()) {
                errors.add(FieldError.invalid(at(name), size, name + " in body should have at least "
                        + s.get("minProperties").asLong() + " properties"));
            }
            if (s.hasNonNull("maxProperties") && size > s.get("maxProperties").asLong()) {
                errors.add(FieldError.tooMany(at(name), size, s.get("maxProperties").asInt()));
            }
            JsonNode properties = s.path("properties");
            JsonNode additional = Schemas.schemaOrNull(s.get("additionalProperties"));
            for (String field : iterable((ObjectNode) value)) {
                String child = name.isEmpty() ? field : name + "." + field;
                JsonNode property = properties.get(field);
                if (property != null && property.isObject()) {
                    check(value.get(field), property, child);
                } else if (additional != null) {
                    check(value.get(field), additional, child);
                }
            }
            for (JsonNode required : s.path("required")) {
                if (!value.has(required.asText())) {
                    errors.add(FieldError.required(at(name + "." + required.asText()), ""));
                }
            }
        }
    }
}
