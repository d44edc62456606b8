package dev.kj.apiserver.validation.apiextensions;

import static dev.kj.apiserver.validation.apiextensions.Schemas.flag;
import static dev.kj.apiserver.validation.apiextensions.Schemas.present;
import static dev.kj.apiserver.validation.apiextensions.Schemas.propertyNames;
import static dev.kj.apiserver.validation.apiextensions.Schemas.type;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.cel.SchemaExpressions;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A CRD's openAPIV3Schema (upstream's validateCustomResourceDefinitionValidation and
 * ValidateCustomResourceDefinitionOpenAPISchema with its OpenAPI v3 standard validator): the
 * status-subresource root rules, the structural-schema rules ({@link StructuralSchema}), defaults
 * ({@link SchemaDefaults}), then the per-node rules for unsupported keywords and the
 * x-kubernetes-* extensions. CEL rules are checked for their static shape (and field paths) only.
 */
final class SchemaRules {
    private static final List<String> TYPES = List.of("array", "boolean", "integer", "number", "object", "string");
    private static final Set<String> META_FIELDS = Set.of("metadata", "kind", "apiVersion");
    private static final List<String> REASONS = List.of("FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid",
            "FieldValueRequired");

    /** JSONSchemaProps' fields in the Go struct's order, with whether the status subresource allows them at the root. */
    private record RootField(String json, String go, boolean allowed) {
    }

    private static final List<RootField> ROOT_FIELDS = List.of(
            new RootField("id", "ID", false), new RootField("$schema", "Schema", false),
            new RootField("$ref", "Ref", false), new RootField("description", "Description", true),
            new RootField("type", "Type", true), new RootField("format", "Format", true),
            new RootField("title", "Title", true), new RootField("default", "Default", false),
            new RootField("maximum", "Maximum", true), new RootField("exclusiveMaximum", "ExclusiveMaximum", true),
            new RootField("minimum", "Minimum", true), new RootField("exclusiveMinimum", "ExclusiveMinimum", true),
            new RootField("maxLength", "MaxLength", true), new RootField("minLength", "MinLength", true),
            new RootField("pattern", "Pattern", true), new RootField("maxItems", "MaxItems", true),
            new RootField("minItems", "MinItems", true), new RootField("uniqueItems", "UniqueItems", true),
            new RootField("multipleOf", "MultipleOf", true), new RootField("enum", "Enum", false),
            new RootField("maxProperties", "MaxProperties", false), new RootField("minProperties", "MinProperties", false),
            new RootField("required", "Required", true), new RootField("items", "Items", true),
            new RootField("allOf", "AllOf", false), new RootField("oneOf", "OneOf", false),
            new RootField("anyOf", "AnyOf", false), new RootField("not", "Not", false),
            new RootField("properties", "Properties", true), new RootField("additionalProperties", "AdditionalProperties", false),
            new RootField("patternProperties", "PatternProperties", false), new RootField("dependencies", "Dependencies", false),
            new RootField("additionalItems", "AdditionalItems", false), new RootField("definitions", "Definitions", false),
            new RootField("externalDocs", "ExternalDocs", true), new RootField("example", "Example", true),
            new RootField("nullable", "Nullable", false),
            new RootField("x-kubernetes-preserve-unknown-fields", "XPreserveUnknownFields", true),
            new RootField("x-kubernetes-embedded-resource", "XEmbeddedResource", false),
            new RootField("x-kubernetes-int-or-string", "XIntOrString", false),
            new RootField("x-kubernetes-list-map-keys", "XListMapKeys", false),
            new RootField("x-kubernetes-list-type", "XListType", false),
            new RootField("x-kubernetes-map-type", "XMapType", false),
            new RootField("x-kubernetes-validations", "XValidations", true));
    private static final String ALLOWED_AT_ROOT = "[" + String.join(" ", ROOT_FIELDS.stream().filter(RootField::allowed)
            .map(RootField::go).toList()) + "]";

    private final CustomResourceDefinitionRules.Options options;

    SchemaRules(CustomResourceDefinitionRules.Options options) {
        this.options = options;
    }

    /** specStandardValidatorV3's state: whether defaults are allowed (and why not), and whether inside resource metadata. */
    private record Context(boolean allowDefaults, String disallowReason, boolean insideResourceMeta) {
        Context forbidDefaults(String reason) {
            return new Context(false, reason, insideResourceMeta);
        }

        Context insideMeta() {
            return new Context(allowDefaults, disallowReason, true);
        }
    }

    /** validateCustomResourceDefinitionValidation for a CustomResourceValidation (null when absent). */
    List<FieldError> validation(JsonNode validation, boolean statusEnabled, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode schema = validation == null ? null : validation.get("openAPIV3Schema");
        if (schema == null || !schema.isObject()) {
            return errors;
        }
        if (statusEnabled) {
            for (RootField field : ROOT_FIELDS) {
                if (!present(schema, field.json())) {
                    continue;
                }
                if (field.go().equals("Type")) {
                    if (!type(schema).equals("object")) {
                        errors.add(FieldError.invalid(path.child("openAPIV3Schema.type"), type(schema),
                                "only \"object\" is allowed as the type at the root of the schema if the status subresource"
                                        + " is enabled"));
                        break;
                    }
                    continue;
                }
                if (!field.allowed()) {
                    // upstream prints the whole Go struct (with heap addresses); kj prints the schema's JSON
                    errors.add(FieldError.invalidRendered(path.child("openAPIV3Schema"), schema.toString(),
                            "only " + ALLOWED_AT_ROOT + " fields are allowed at the root of the schema if the status"
                                    + " subresource is enabled"));
                    break;
                }
            }
        }
        if (flag(schema, "nullable")) {
            errors.add(FieldError.forbidden(path.child("openAPIV3Schema.nullable"), "nullable cannot be true at the root"));
        }
        FieldPath schemaPath = path.child("openAPIV3Schema");
        String unsupported = StructuralSchema.unsupported(schema);
        if (unsupported == null) {
            List<FieldError> structural = StructuralSchema.validate(schemaPath, schema);
            if (!structural.isEmpty()) {
                errors.addAll(structural);
            } else {
                errors.addAll(SchemaDefaults.validate(schemaPath, schema, options.requirePrunedDefaults()));
            }
        }
        boolean structural = unsupported == null && errors.isEmpty();
        errors.addAll(openAPISchema(schema, schemaPath, new Context(true, "", false), true));
        if (errors.isEmpty() && unsupported != null) {
            errors.add(FieldError.invalid(schemaPath, "", unsupported));
        }
        if (structural) {
            // upstream compiles the rules of structural schemas only, and lists their errors last
            errors.addAll(compiledRules(schema, schemaPath, true));
        }
        return errors;
    }

    /** Each x-kubernetes-validations rule compiled against its node's type: upstream's compile errors. */
    private static List<FieldError> compiledRules(JsonNode schema, FieldPath path, boolean root) {
        List<FieldError> errors = new ArrayList<>();
        if (schema == null || !schema.isObject()) {
            return errors;
        }
        List<SchemaExpressions.Compiled> compiled = SchemaExpressions.compile(schema, root);
        for (int i = 0; i < compiled.size(); i++) {
            SchemaExpressions.Compiled rule = compiled.get(i);
            FieldPath at = path.child("x-kubernetes-validations").index(i);
            rule.ruleProblem().ifPresent(problem -> errors.add(FieldError.invalidRendered(at.child("rule"),
                    GoForms.validationRule(rule.rule()), problem)));
            rule.messageProblem().ifPresent(problem -> errors.add(FieldError.invalidRendered(
                    at.child("messageExpression"), GoForms.validationRule(rule.rule()), problem)));
        }
        for (String property : propertyNames(schema, "properties")) {
            errors.addAll(compiledRules(schema.get("properties").get(property), path.child("properties").key(property),
                    false));
        }
        if (schema.path("items").isObject()) {
            errors.addAll(compiledRules(schema.get("items"), path.child("items"), false));
        }
        if (schema.path("additionalProperties").isObject()) {
            errors.addAll(compiledRules(schema.get("additionalProperties"), path.child("additionalProperties"), false));
        }
        return errors;
    }

    /** ValidateCustomResourceDefinitionOpenAPISchema. */
    private List<FieldError> openAPISchema(JsonNode schema, FieldPath path, Context context, boolean root) {
        List<FieldError> errors = new ArrayList<>();
        if (schema == null || !schema.isObject()) {
            return errors;
        }
        errors.addAll(standard(schema, path, context));
        if (flag(schema, "uniqueItems")) {
            errors.add(FieldError.forbidden(path.child("uniqueItems"),
                    "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
        }
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isNull()) {
            if (present(schema, "properties") && (additional.isObject() || !additional.asBoolean(true))) {
                errors.add(FieldError.forbidden(path.child("additionalProperties"),
                        "additionalProperties and properties are mutual exclusive"));
            }
            Context sub = context.insideResourceMeta()
                    ? context.forbidDefaults("inside additionalProperties applying to object metadata") : context;
            errors.addAll(openAPISchema(Schemas.schemaOrNull(additional), path.child("additionalProperties"), sub, false));
        }
        boolean embedded = flag(schema, "x-kubernetes-embedded-resource");
        for (String property : propertyNames(schema, "properties")) {
            Context sub = context;
            if ((root || embedded) && META_FIELDS.contains(property)) {
                sub = sub.insideMeta();
                if (root) {
                    sub = sub.forbidDefaults("in top-level " + property);
                }
            }
            errors.addAll(openAPISchema(schema.get("properties").get(property), path.child("properties").key(property), sub,
                    false));
        }
        errors.addAll(openAPISchema(schema.get("not"), path.child("not"), context, false));
        for (String list : List.of("allOf", "oneOf", "anyOf")) {
            int i = 0;
            for (JsonNode sub : schema.path(list)) {
                errors.addAll(openAPISchema(sub, path.child(list).index(i++), context, false));
            }
        }
        for (String definition : propertyNames(schema, "definitions")) {
            errors.addAll(openAPISchema(schema.get("definitions").get(definition), path.child("definitions").key(definition),
                    context, false));
        }
        JsonNode items = schema.get("items");
        if (items != null && items.isObject()) {
            errors.addAll(openAPISchema(items, path.child("items"), context, false));
        } else if (items != null && items.isArray()) {
            int i = 0;
            for (JsonNode item : items) {
                errors.addAll(openAPISchema(item, path.child("items").index(i++), context, false));
            }
        }
        for (String dependency : propertyNames(schema, "dependencies")) {
            errors.addAll(openAPISchema(Schemas.schemaOrNull(schema.get("dependencies").get(dependency)),
                    path.child("dependencies").key(dependency), context, false));
        }
        JsonNode preserve = schema.get("x-kubernetes-preserve-unknown-fields");
        if (preserve != null && preserve.isBoolean() && !preserve.asBoolean()) {
            errors.add(FieldError.invalidRendered(path.child("x-kubernetes-preserve-unknown-fields"), "false",
                    "must be true or undefined"));
        }
        errors.addAll(extensions(schema, path));
        errors.addAll(validationRules(schema, path));
        return errors;
    }

    /** specStandardValidatorV3.validate. */
    private List<FieldError> standard(JsonNode schema, FieldPath path, Context context) {
        List<FieldError> errors = new ArrayList<>();
        String type = type(schema);
        if (options.requireValidPropertyType() && !type.isEmpty() && !TYPES.contains(type)) {
            errors.add(FieldError.notSupported(path.child("type"), type, TYPES));
        }
        if (schema.hasNonNull("default") && !context.allowDefaults()) {
            errors.add(FieldError.forbidden(path.child("default"), "must not be set"
                    + (context.disallowReason().isEmpty() ? "" : " " + context.disallowReason())));
        }
        if (present(schema, "id")) {
            errors.add(FieldError.forbidden(path.child("id"), "id is not supported"));
        }
        if (schema.hasNonNull("additionalItems")) {
            errors.add(FieldError.forbidden(path.child("additionalItems"), "additionalItems is not supported"));
        }
        if (present(schema, "patternProperties")) {
            errors.add(FieldError.forbidden(path.child("patternProperties"), "patternProperties is not supported"));
        }
        if (present(schema, "definitions")) {
            errors.add(FieldError.forbidden(path.child("definitions"), "definitions is not supported"));
        }
        if (schema.hasNonNull("dependencies")) {
            errors.add(FieldError.forbidden(path.child("dependencies"), "dependencies is not supported"));
        }
        if (schema.hasNonNull("$ref")) {
            errors.add(FieldError.forbidden(path.child("$ref"), "$ref is not supported"));
        }
        if (type.equals("null")) {
            errors.add(FieldError.forbidden(path.child("type"), "type cannot be set to null, use nullable as an alternative"));
        }
        if (schema.path("items").isArray() && !schema.get("items").isEmpty()) {
            errors.add(FieldError.forbidden(path.child("items"), "items must be a schema object and not an array"));
        }
        if (context.insideResourceMeta() && flag(schema, "x-kubernetes-embedded-resource")) {
            errors.add(FieldError.forbidden(path.child("x-kubernetes-embedded-resource"),
                    "must not be used inside of resource meta"));
        }
        return errors;
    }

    /** The x-kubernetes-map-type, -list-type and -list-map-keys rules. */
    private List<FieldError> extensions(JsonNode schema, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String type = type(schema);
        JsonNode mapType = schema.get("x-kubernetes-map-type");
        if (mapType != null && !mapType.isNull()) {
            if (!type.equals("object")) {
                errors.add(type.isEmpty()
                        ? FieldError.required(path.child("type"), "must be object if x-kubernetes-map-type is specified")
                        : FieldError.invalid(path.child("type"), type, "must be object if x-kubernetes-map-type is specified"));
            }
            if (!mapType.asText().equals("atomic") && !mapType.asText().equals("granular")) {
                errors.add(FieldError.notSupported(path.child("x-kubernetes-map-type"), mapType.asText(),
                        List.of("atomic", "granular")));
            }
        }
        JsonNode listTypeNode = schema.get("x-kubernetes-list-type");
        String listType = listTypeNode == null || listTypeNode.isNull() ? null : listTypeNode.asText();
        JsonNode items = schema.get("items");
        JsonNode itemSchema = items != null && items.isObject() ? items : null;
        if (listType != null && !type.equals("array")) {
            errors.add(type.isEmpty()
                    ? FieldError.required(path.child("type"), "must be array if x-kubernetes-list-type is specified")
                    : FieldError.invalid(path.child("type"), type, "must be array if x-kubernetes-list-type is specified"));
        } else if (options.requireAtomicSetType() && "set".equals(listType) && itemSchema != null) {
            errors.addAll(atomicSetItems(itemSchema, path));
        }
        if (listType != null && !List.of("atomic", "set", "map").contains(listType)) {
            errors.add(FieldError.notSupported(path.child("x-kubernetes-list-type"), listType, List.of("atomic", "set", "map")));
        }
        JsonNode keys = schema.get("x-kubernetes-list-map-keys");
        boolean hasKeys = keys != null && keys.isArray() && !keys.isEmpty();
        if (hasKeys) {
            if (listType == null) {
                errors.add(FieldError.required(path.child("x-kubernetes-list-type"),
                        "must be map if x-kubernetes-list-map-keys is non-empty"));
            } else if (!listType.equals("map")) {
                errors.add(FieldError.invalid(path.child("x-kubernetes-list-type"), listType,
                        "must be map if x-kubernetes-list-map-keys is non-empty"));
            }
        }
        if ("map".equals(listType)) {
            if (!hasKeys) {
                errors.add(FieldError.required(path.child("x-kubernetes-list-map-keys"),
                        "must not be empty if x-kubernetes-list-type is map"));
            }
            if (items == null || items.isNull()) {
                errors.add(FieldError.required(path.child("items"), "must have a schema if x-kubernetes-list-type is map"));
            }
            if (items != null && items.isArray()) {
                errors.add(FieldError.invalidRendered(path.child("items"), items.toString(),
                        "must only have a single schema if x-kubernetes-list-type is map"));
            }
            if (itemSchema != null && !type(itemSchema).equals("object")) {
                errors.add(FieldError.invalid(path.child("items").child("type"), type(itemSchema),
                        "must be object if parent array's x-kubernetes-list-type is map"));
            }
            if (itemSchema != null && type(itemSchema).equals("object") && hasKeys) {
                Set<String> seen = new HashSet<>();
                for (JsonNode keyNode : keys) {
                    String key = keyNode.asText();
                    JsonNode property = itemSchema.path("properties").get(key);
                    if (property != null) {
                        String propertyType = type(property);
                        if (propertyType.equals("array") || propertyType.equals("object")) {
                            // upstream prints the item's type here, not the key property's
                            errors.add(FieldError.invalid(path.child("items").child("properties").key(key).child("type"),
                                    type(itemSchema), "must be a scalar type if parent array's x-kubernetes-list-type is map"));
                        }
                    } else {
                        errors.add(FieldError.invalidRendered(path.child("x-kubernetes-list-map-keys"),
                                GoValues.stringSlice(keys), "entries must all be names of item properties"));
                    }
                    if (!seen.add(key)) {
                        errors.add(FieldError.invalidRendered(path.child("x-kubernetes-list-map-keys"),
                                GoValues.stringSlice(keys), "must not contain duplicate entries"));
                    }
                }
            }
        }
        if (options.requireMapListKeysMapSetValidation()) {
            errors.addAll(mapListKeysMapSet(schema, path));
        }
        return errors;
    }

    private static List<FieldError> atomicSetItems(JsonNode itemSchema, FieldPath path) {
        String itemType = type(itemSchema);
        JsonNode itemListType = itemSchema.get("x-kubernetes-list-type");
        JsonNode itemMapType = itemSchema.get("x-kubernetes-map-type");
        if (itemType.equals("array") && itemListType != null && !itemListType.isNull()
                && !itemListType.asText().equals("atomic")) {
            return List.of(FieldError.invalid(path.child("items").child("x-kubernetes-list-type"), itemListType.asText(),
                    "must be atomic as item of a list with x-kubernetes-list-type=set"));
        }
        if (itemType.equals("object") && (itemMapType == null || itemMapType.isNull() || !itemMapType.asText().equals("atomic"))) {
            // upstream reports the item's list type as the value (null when unset)
            String value = itemListType == null || itemListType.isNull() ? "\"null\"" : GoValues.quote(itemListType.asText());
            return List.of(FieldError.invalidRendered(path.child("items").child("x-kubernetes-map-type"), value,
                    "must be atomic as item of a list with x-kubernetes-list-type=set"));
        }
        return List.of();
    }

    /** validateMapListKeysMapSet: list items and map keys may not be nullable; map keys need a default or required. */
    private static List<FieldError> mapListKeysMapSet(JsonNode schema, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode items = schema.get("items");
        JsonNode listType = schema.get("x-kubernetes-list-type");
        if (items == null || !items.isObject() || listType == null || listType.isNull()) {
            return errors;
        }
        String kind = listType.asText();
        if (!kind.equals("set") && !kind.equals("map")) {
            return errors;
        }
        if (flag(items, "nullable")) {
            errors.add(FieldError.forbidden(path.child("items").child("nullable"),
                    "cannot be nullable when x-kubernetes-list-type is " + kind));
        }
        if (kind.equals("map")) {
            Set<String> required = new HashSet<>();
            items.path("required").forEach(r -> required.add(r.asText()));
            for (JsonNode keyNode : schema.path("x-kubernetes-list-map-keys")) {
                String key = keyNode.asText();
                JsonNode property = items.path("properties").get(key);
                if (property == null) {
                    continue;
                }
                FieldPath propertyPath = path.child("items").child("properties").key(key);
                if (!required.contains(key) && !property.hasNonNull("default")) {
                    errors.add(FieldError.required(propertyPath.child("default"),
                            "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"));
                }
                if (flag(property, "nullable")) {
                    errors.add(FieldError.forbidden(propertyPath.child("nullable"),
                            "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"));
                }
            }
        }
        return errors;
    }

    /** The static checks of x-kubernetes-validations (their compilation: {@link #compiledRules}). */
    private static List<FieldError> validationRules(JsonNode schema, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            FieldPath at = path.child("x-kubernetes-validations").index(i++);
            String ruleText = rule.path("rule").asText("");
            String message = rule.path("message").asText("");
            String trimmedRule = ruleText.strip();
            String trimmedMessage = message.strip();
            if (trimmedRule.isEmpty()) {
                errors.add(FieldError.required(at.child("rule"), "rule is not specified"));
            } else if (!message.isEmpty() && trimmedMessage.isEmpty()) {
                errors.add(FieldError.invalid(at.child("message"), message, "message must be non-empty if specified"));
            } else if (hasNewlines(trimmedMessage)) {
                errors.add(FieldError.invalid(at.child("message"), message, "message must not contain line breaks"));
            } else if (hasNewlines(trimmedRule) && trimmedMessage.isEmpty()) {
                errors.add(FieldError.required(at.child("message"), "message must be specified if rule contains line breaks"));
            }
            String messageExpression = rule.path("messageExpression").asText("");
            if (!messageExpression.isEmpty() && messageExpression.strip().isEmpty()) {
                errors.add(FieldError.required(at.child("messageExpression"), "messageExpression must be non-empty if specified"));
            }
            if (rule.hasNonNull("reason") && !REASONS.contains(rule.get("reason").asText())) {
                errors.add(FieldError.notSupported(at.child("reason"), rule.get("reason").asText(), REASONS));
            }
            String fieldPath = rule.path("fieldPath").asText("");
            if (!fieldPath.isEmpty() && fieldPath.strip().isEmpty()) {
                errors.add(FieldError.invalid(at.child("fieldPath"), fieldPath, "fieldPath must be non-empty if specified"));
            }
            if (hasNewlines(fieldPath)) {
                errors.add(FieldError.invalid(at.child("fieldPath"), fieldPath, "fieldPath must not contain line breaks"));
            }
            if (!fieldPath.isEmpty() && StructuralSchema.unsupported(schema) == null
                    && SelectableFields.resolve(fieldPath, schema, true).problem() != null) {
                errors.add(FieldError.invalid(at.child("fieldPath"), fieldPath, "fieldPath must be a valid path"));
            }
        }
        return errors;
    }

    private static boolean hasNewlines(String s) {
        return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
    }

    // ---- what the old object had, for update relaxations and the spec-wide checks ----

    static boolean hasDefaults(JsonNode schema) {
        return Schemas.has(schema, s -> s.hasNonNull("default"));
    }

    static boolean hasInvalidType(JsonNode schema) {
        return Schemas.has(schema, s -> !type(s).isEmpty() && !TYPES.contains(type(s)));
    }

    static boolean hasNonAtomicSetItems(JsonNode schema) {
        return Schemas.has(schema, s -> "set".equals(s.path("x-kubernetes-list-type").asText(null))
                && s.path("items").isObject() && !atomicSetItems(s.get("items"), FieldPath.root("")).isEmpty());
    }

    static boolean hasInvalidMapListKeysOrSetItems(JsonNode schema) {
        return Schemas.has(schema, s -> !mapListKeysMapSet(s, FieldPath.root("")).isEmpty());
    }
}
