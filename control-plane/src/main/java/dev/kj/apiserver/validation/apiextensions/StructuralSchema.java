package dev.kj.apiserver.validation.apiextensions;

import static dev.kj.apiserver.validation.apiextensions.Schemas.flag;
import static dev.kj.apiserver.validation.apiextensions.Schemas.present;
import static dev.kj.apiserver.validation.apiextensions.Schemas.propertyNames;
import static dev.kj.apiserver.validation.apiextensions.Schemas.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Structural schemas (upstream's apiserver/schema: NewStructural, ValidateStructural and its
 * completeness check). A structural schema says the type of every field at the structural level
 * (root, properties, items, additionalProperties); allOf/anyOf/oneOf/not may only add value
 * validations on fields the structural level already declares.
 */
final class StructuralSchema {
    private static final ArrayNode INT_OR_STRING_ANY_OF = new ObjectMapper().createArrayNode();

    static {
        INT_OR_STRING_ANY_OF.addObject().put("type", "integer");
        INT_OR_STRING_ANY_OF.addObject().put("type", "string");
    }

    /** The JSONSchemaProps fields of the generic and extension parts of a node, which value validations may not carry. */
    private static final Set<String> METADATA_ALLOWED = Set.of("type", "default", "properties");

    private enum Level { ROOT, ITEM, FIELD }

    private StructuralSchema() {
    }

    /** NewStructural's refusal (keywords it cannot represent), or null. */
    static String unsupported(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            return null;
        }
        if (present(schema, "id")) {
            return "OpenAPIV3Schema 'id' is not supported";
        }
        if (present(schema, "$schema")) {
            return "OpenAPIV3Schema 'schema' is not supported";
        }
        if (present(schema, "$ref")) {
            return "OpenAPIV3Schema '$ref' is not supported";
        }
        if (present(schema, "patternProperties")) {
            return "OpenAPIV3Schema 'patternProperties' is not supported";
        }
        if (present(schema, "dependencies")) {
            return "OpenAPIV3Schema 'dependencies' is not supported";
        }
        if (schema.hasNonNull("additionalItems")) {
            return "OpenAPIV3Schema 'additionalItems' is not supported";
        }
        if (present(schema, "definitions")) {
            return "OpenAPIV3Schema 'definitions' is not supported";
        }
        List<JsonNode> below = new ArrayList<>();
        below.add(schema.get("not"));
        for (String list : List.of("allOf", "anyOf", "oneOf")) {
            schema.path(list).forEach(below::add);
        }
        for (JsonNode sub : below) {
            String problem = unsupported(sub);
            if (problem != null) {
                return problem;
            }
        }
        JsonNode preserve = schema.get("x-kubernetes-preserve-unknown-fields");
        if (preserve != null && preserve.isBoolean() && !preserve.asBoolean()) {
            return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
        }
        JsonNode items = schema.get("items");
        if (items != null && items.isArray() && !items.isEmpty()) {
            return "OpenAPIV3Schema 'items' must be a schema, but is an array";
        }
        below.clear();
        below.add(items);
        for (String property : propertyNames(schema, "properties")) {
            below.add(schema.get("properties").get(property));
        }
        below.add(Schemas.schemaOrNull(schema.get("additionalProperties")));
        for (JsonNode sub : below) {
            String problem = unsupported(sub);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** ValidateStructural: the invariants and the completeness check, sorted by message as upstream sorts them. */
    static List<FieldError> validate(FieldPath path, JsonNode schema) {
        List<FieldError> errors = new ArrayList<>(invariants(schema, Level.ROOT, path));
        errors.addAll(completeness(schema, schema, path, path));
        errors.sort(Comparator.comparing(FieldError::toString));
        return errors;
    }

    /** Whether the schema passes {@link #validate} (upstream's test for a non-structural old schema). */
    static boolean structural(JsonNode schema) {
        return unsupported(schema) == null && validate(FieldPath.root(""), schema).isEmpty();
    }

    private static List<FieldError> invariants(JsonNode s, Level level, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (s == null || !s.isObject()) {
            return errors;
        }
        String type = type(s);
        JsonNode items = s.get("items");
        if (type.equals("array") && (items == null || items.isNull())) {
            errors.add(FieldError.required(path.child("items"), "must be specified"));
        }
        errors.addAll(invariants(items, Level.ITEM, path.child("items")));
        for (String property : propertyNames(s, "properties")) {
            errors.addAll(invariants(s.get("properties").get(property), Level.FIELD, path.child("properties").key(property)));
        }
        JsonNode additional = s.get("additionalProperties");
        boolean hasAdditional = additional != null && !additional.isNull();
        if (hasAdditional) {
            if (level == Level.ROOT) {
                errors.add(FieldError.forbidden(path.child("additionalProperties"), "must not be used at the root"));
            }
            errors.addAll(invariants(Schemas.schemaOrNull(additional), Level.FIELD, path.child("additionalProperties")));
        }
        boolean intOrString = flag(s, "x-kubernetes-int-or-string");
        boolean preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
        boolean embedded = flag(s, "x-kubernetes-embedded-resource");
        if (intOrString && preserve) {
            errors.add(FieldError.invalidRendered(path.child("x-kubernetes-preserve-unknown-fields"), "true",
                    "must be false if x-kubernetes-int-or-string is true"));
        }
        if (intOrString && embedded) {
            errors.add(FieldError.invalidRendered(path.child("x-kubernetes-embedded-resource"), "true",
                    "must be false if x-kubernetes-int-or-string is true"));
        }
        boolean skipAnyOf = INT_OR_STRING_ANY_OF.equals(s.get("anyOf"));
        JsonNode allOf = s.get("allOf");
        boolean skipFirstAllOfAnyOf = allOf != null && allOf.isArray() && !allOf.isEmpty()
                && INT_OR_STRING_ANY_OF.equals(allOf.get(0).get("anyOf"));
        errors.addAll(valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path));
        boolean checkMetadata = level == Level.ROOT || embedded;
        if (embedded && !type.equals("object")) {
            errors.add(type.isEmpty()
                    ? FieldError.required(path.child("type"), "must be object if x-kubernetes-embedded-resource is true")
                    : FieldError.invalid(path.child("type"), type, "must be object if x-kubernetes-embedded-resource is true"));
        } else if (type.isEmpty() && !intOrString && !preserve) {
            errors.add(FieldError.required(path.child("type"), switch (level) {
                case ROOT -> "must not be empty at the root";
                case ITEM -> "must not be empty for specified array items";
                case FIELD -> "must not be empty for specified object fields";
            }));
        }
        if (embedded && hasAdditional) {
            errors.add(FieldError.forbidden(path.child("additionalProperties"),
                    "must not be used if x-kubernetes-embedded-resource is set"));
        }
        if (level == Level.ROOT && !type.isEmpty() && !type.equals("object")) {
            errors.add(FieldError.invalid(path.child("type"), type, "must be object at the root"));
        }
        JsonNode properties = s.path("properties");
        for (String meta : List.of("kind", "apiVersion")) {
            JsonNode property = properties.get(meta);
            if (property != null && property.isObject() && checkMetadata && !type(property).equals("string")) {
                errors.add(FieldError.invalid(path.child("properties").key(meta).child("type"), type(property), "must be string"));
            }
        }
        JsonNode metadata = properties.get("metadata");
        if (metadata != null && metadata.isObject()) {
            FieldPath metadataPath = path.child("properties").key("metadata");
            if (checkMetadata && !type(metadata).equals("object")) {
                errors.add(FieldError.invalid(metadataPath.child("type"), type(metadata), "must be object"));
            }
            if (level == Level.ROOT && !onlyNames(metadata)) {
                errors.add(FieldError.forbidden(metadataPath,
                        "must not specify anything other than name and generateName, but metadata is implicitly specified"));
            }
        }
        if (embedded && !preserve && !present(s, "properties")) {
            errors.add(FieldError.required(path.child("properties"),
                    "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
        }
        return errors;
    }

    /** The root's metadata schema may only restrict name and generateName (type and default aside). */
    private static boolean onlyNames(JsonNode metadata) {
        var fields = metadata.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (METADATA_ALLOWED.contains(field.getKey())) {
                continue;
            }
            if (present(metadata, field.getKey())) {
                return false;
            }
        }
        List<String> names = propertyNames(metadata, "properties");
        return names.isEmpty() || Set.of("name", "generateName").containsAll(names);
    }

    /** validateValueValidation of a node's allOf/anyOf/oneOf/not and pattern. */
    private static List<FieldError> valueValidation(JsonNode v, boolean skipAnyOf, boolean skipFirstAllOfAnyOf, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (!skipAnyOf) {
            int i = 0;
            for (JsonNode sub : v.path("anyOf")) {
                errors.addAll(nested(sub, false, path.child("anyOf").index(i++)));
            }
        }
        int i = 0;
        for (JsonNode sub : v.path("allOf")) {
            errors.addAll(nested(sub, skipFirstAllOfAnyOf && i == 0, path.child("allOf").index(i)));
            i++;
        }
        i = 0;
        for (JsonNode sub : v.path("oneOf")) {
            errors.addAll(nested(sub, false, path.child("oneOf").index(i++)));
        }
        errors.addAll(nested(v.get("not"), false, path.child("not")));
        String pattern = v.path("pattern").asText("");
        if (!pattern.isEmpty()) {
            String problem = regexpProblem(pattern);
            if (problem != null) {
                errors.add(FieldError.invalid(path.child("pattern"), pattern,
                        "must be a valid regular expression, but isn't: error parsing regexp: " + problem));
            }
        }
        return errors;
    }

    /**
     * Why Go's regexp (RE2) refuses a pattern, or null. Go's words for the common cases (Perl
     * lookarounds and backreferences RE2 lacks, a repetition with nothing to repeat); otherwise
     * Java's description of what its parser refused.
     */
    static String regexpProblem(String pattern) {
        for (String perl : List.of("(?=", "(?!")) {
            if (pattern.contains(perl)) {
                return "invalid or unsupported Perl syntax: `" + perl + "`";
            }
        }
        java.util.regex.Matcher backreference = Pattern.compile("(?<!\\\\)\\\\[1-9]").matcher(pattern);
        if (backreference.find()) {
            return "invalid escape sequence: `" + backreference.group() + "`";
        }
        try {
            Pattern.compile(pattern);
            return null;
        } catch (PatternSyntaxException e) {
            if (e.getDescription().startsWith("Dangling meta character") && e.getIndex() >= 0
                    && e.getIndex() < pattern.length()) {
                char operator = pattern.charAt(e.getIndex());
                return "missing argument to repetition operator: `" + operator + "`";
            }
            return e.getDescription();
        }
    }

    /** validateNestedValueValidation: inside allOf/anyOf/oneOf/not only value validations may appear. */
    private static List<FieldError> nested(JsonNode v, boolean skipAnyOf, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (v == null || !v.isObject()) {
            return errors;
        }
        errors.addAll(valueValidation(v, skipAnyOf, false, path));
        JsonNode items = v.get("items");
        if (items != null && items.isObject()) {
            errors.addAll(nested(items, false, path.child("items")));
        }
        for (String property : propertyNames(v, "properties")) {
            errors.addAll(nested(v.get("properties").get(property), false, path.child("properties").key(property)));
        }
        if (present(v, "type")) {
            errors.add(FieldError.forbidden(path.child("type"), "must be empty to be structural"));
        }
        JsonNode additional = v.get("additionalProperties");
        if (additional != null && (additional.isObject() || additional.asBoolean(false))) {
            errors.add(FieldError.forbidden(path.child("additionalProperties"), "must be undefined to be structural"));
        }
        if (v.hasNonNull("default")) {
            errors.add(FieldError.forbidden(path.child("default"), "must be undefined to be structural"));
        }
        for (String generic : List.of("title", "description")) {
            if (present(v, generic)) {
                errors.add(FieldError.forbidden(path.child(generic), "must be empty to be structural"));
            }
        }
        if (flag(v, "nullable")) {
            errors.add(FieldError.forbidden(path.child("nullable"), "must be false to be structural"));
        }
        for (String extension : List.of("x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
                "x-kubernetes-int-or-string")) {
            if (flag(v, extension)) {
                errors.add(FieldError.forbidden(path.child(extension), "must be false to be structural"));
            }
        }
        if (present(v, "x-kubernetes-list-map-keys")) {
            errors.add(FieldError.forbidden(path.child("x-kubernetes-list-map-keys"), "must be empty to be structural"));
        }
        for (String extension : List.of("x-kubernetes-list-type", "x-kubernetes-map-type")) {
            if (v.hasNonNull(extension)) {
                errors.add(FieldError.forbidden(path.child(extension), "must be undefined to be structural"));
            }
        }
        if (present(v, "x-kubernetes-validations")) {
            errors.add(FieldError.forbidden(path.child("x-kubernetes-validations"), "must be empty to be structural"));
        }
        if (v.path("properties").has("metadata")) {
            errors.add(FieldError.forbidden(path.child("properties").key("metadata"), "must not be specified in a nested context"));
        }
        return errors;
    }

    /** validateStructuralCompleteness: value validations may only name fields the structural level declares. */
    private static List<FieldError> completeness(JsonNode v, JsonNode s, FieldPath sPath, FieldPath vPath) {
        List<FieldError> errors = new ArrayList<>();
        if (v == null || !v.isObject()) {
            return errors;
        }
        errors.addAll(nestedCompleteness(v.get("not"), s, sPath, vPath.child("not")));
        for (String list : List.of("allOf", "anyOf", "oneOf")) {
            int i = 0;
            for (JsonNode sub : v.path(list)) {
                errors.addAll(nestedCompleteness(sub, s, sPath, vPath.child(list).index(i++)));
            }
        }
        return errors;
    }

    private static List<FieldError> nestedCompleteness(JsonNode v, JsonNode s, FieldPath sPath, FieldPath vPath) {
        List<FieldError> errors = new ArrayList<>();
        if (v == null || !v.isObject()) {
            return errors;
        }
        if (s == null || !s.isObject()) {
            return List.of(FieldError.required(sPath, "because it is defined in " + vPath));
        }
        errors.addAll(completeness(v, s, sPath, vPath));
        JsonNode items = v.get("items");
        if (items != null && items.isObject()) {
            errors.addAll(nestedCompleteness(items, Schemas.schemaOrNull(s.get("items")), sPath.child("items"),
                    vPath.child("items")));
        }
        for (String property : propertyNames(v, "properties")) {
            JsonNode declared = s.path("properties").get(property);
            FieldPath propertyPath = sPath.child("properties").key(property);
            if (declared == null) {
                errors.add(FieldError.required(propertyPath, "because it is defined in "
                        + vPath.child("properties").key(property)));
            } else {
                errors.addAll(nestedCompleteness(v.get("properties").get(property), declared, propertyPath,
                        vPath.child("properties").key(property)));
            }
        }
        return errors;
    }
}
