package dev.kj.apiserver.validation.apiextensions;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Nodes;
import dev.kj.apiserver.validation.admissionregistration.WebhookConfigurationRules;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions: v1's SetDefaults_CustomResourceDefinition and
 * pkg/apis/apiextensions/validation (1.33), on the internal form upstream validates (see
 * {@link InternalSpec} for why the paths say {@code spec.validation} and {@code spec.version}).
 * Schemas are checked by {@link SchemaRules}. CEL rules (x-kubernetes-validations) are checked for
 * their static shape only: they are not compiled, so neither their syntax nor their cost is judged.
 */
public final class CustomResourceDefinitionRules implements KindRules {
    private static final List<String> SCOPES = List.of("Cluster", "Namespaced");
    private static final List<String> STRATEGIES = List.of("None", "Webhook");
    private static final Set<String> REVIEW_VERSIONS = Set.of("v1", "v1beta1");
    private static final String COLUMN_TYPES = "boolean,date,integer,number,string";
    private static final Set<String> COLUMN_TYPE_SET = Set.of("boolean", "date", "integer", "number", "string");
    private static final String COLUMN_FORMATS = "byte,date,date-time,double,float,int32,int64,password";
    private static final Set<String> COLUMN_FORMAT_SET = Set.of(COLUMN_FORMATS.split(","));
    private static final String APPROVAL = "api-approved.kubernetes.io";
    private static final int MAX_SELECTABLE_FIELDS = 8;

    @Override
    public void setDefaults(ObjectNode crd) {
        ObjectNode spec = Nodes.object(crd, "spec");
        ObjectNode names = Nodes.object(spec, "names");
        String kind = text(names, "kind");
        if (text(names, "singular").isEmpty()) {
            names.put("singular", kind.toLowerCase(Locale.ROOT));
        }
        if (text(names, "listKind").isEmpty() && !kind.isEmpty()) {
            names.put("listKind", kind + "List");
        }
        if (!set(spec, "conversion")) {
            spec.putObject("conversion").put("strategy", "None");
        }
        if (spec.path("conversion").path("webhook").path("clientConfig").get("service") instanceof ObjectNode service
                && !set(service, "port")) {
            service.put("port", 443);
        }
        JsonNode stored = crd.path("status").path("storedVersions");
        if (!stored.isArray() || stored.isEmpty()) {
            for (JsonNode version : spec.path("versions")) {
                if (version.path("storage").asBoolean(false)) {
                    ObjectNode status = Nodes.object(crd, "status");
                    status.putArray("storedVersions").add(version.path("name").asText(""));
                    break;
                }
            }
        }
    }

    /** What the old object relaxes (upstream's validationOptions); a create requires everything. */
    record Options(boolean requireRecognizedConversionReviewVersion, boolean requireImmutableNames,
                   boolean requireOpenAPISchema, boolean requireValidPropertyType, boolean requirePrunedDefaults,
                   boolean requireAtomicSetType, boolean requireMapListKeysMapSetValidation,
                   boolean allowInvalidCABundle) {
        static final Options CREATE = new Options(true, false, true, true, true, true, true, true);

        static Options forUpdate(JsonNode old) {
            InternalSpec spec = InternalSpec.of(old.path("spec"));
            JsonNode reviewVersions = spec.spec().path("conversion").path("webhook").path("conversionReviewVersions");
            boolean recognized = !reviewVersions.isArray() || reviewVersions.isEmpty();
            for (JsonNode v : reviewVersions) {
                recognized |= REVIEW_VERSIONS.contains(v.asText());
            }
            boolean established = established(old);
            return new Options(recognized, established, allVersionsHaveSchemas(spec),
                    spec.schemas().stream().noneMatch(SchemaRules::hasInvalidType),
                    spec.schemas().stream().noneMatch(SchemaDefaults::hasUnprunedDefaults),
                    spec.schemas().stream().noneMatch(SchemaRules::hasNonAtomicSetItems),
                    spec.schemas().stream().noneMatch(SchemaRules::hasInvalidMapListKeysOrSetItems),
                    !established);
        }
    }

    private static boolean established(JsonNode crd) {
        for (JsonNode condition : crd.path("status").path("conditions")) {
            if (text(condition, "type").equals("Established")) {
                return text(condition, "status").equals("True");
            }
        }
        return false;
    }

    private static boolean allVersionsHaveSchemas(InternalSpec spec) {
        if (spec.validation() != null && spec.validation().hasNonNull("openAPIV3Schema")) {
            return true;
        }
        for (JsonNode version : spec.versions()) {
            JsonNode schema = spec.versionSchema(version);
            if (schema == null || !schema.hasNonNull("openAPIV3Schema")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<FieldError> validate(ObjectNode crd) {
        return validate(crd, null, Options.CREATE);
    }

    /** ValidateCustomResourceDefinitionUpdate: the spec rules, relaxed where the old object broke them already, and immutable fields. */
    @Override
    public Optional<List<FieldError>> validateAsUpdate(ObjectNode crd, ObjectNode old) {
        return Optional.of(validate(crd, old, Options.forUpdate(old)));
    }

    /** ValidateUpdateCustomResourceDefinitionStatus: a status write is checked for its accepted names only. */
    @Override
    public Optional<List<FieldError>> validateStatusUpdate(ObjectNode crd, ObjectNode old) {
        return Optional.of(names(crd.path("status").path("acceptedNames"), FieldPath.of("status", "acceptedNames")));
    }

    private List<FieldError> validate(ObjectNode crd, ObjectNode old, Options options) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode specNode = crd.path("spec");
        InternalSpec spec = InternalSpec.of(specNode);
        String name = crd.path("metadata").path("name").asText("");
        if (old == null && !name.equals(text(specNode.path("names"), "plural") + "." + text(specNode, "group"))) {
            errors.add(FieldError.invalid(FieldPath.of("metadata", "name"), name, "must be spec.names.plural+\".\"+spec.group"));
        }
        FieldPath path = FieldPath.root("spec");
        errors.addAll(spec(spec, options, path));
        if (old != null) {
            JsonNode oldSpec = old.path("spec");
            if (options.requireImmutableNames()) {
                immutable(errors, text(specNode, "scope"), text(oldSpec, "scope"), path.child("scope"));
                immutable(errors, text(specNode.path("names"), "kind"), text(oldSpec.path("names"), "kind"),
                        path.child("names", "kind"));
            }
            immutable(errors, text(specNode, "group"), text(oldSpec, "group"), path.child("group"));
            immutable(errors, text(specNode.path("names"), "plural"), text(oldSpec.path("names"), "plural"),
                    path.child("names", "plural"));
        }
        errors.addAll(names(crd.path("status").path("acceptedNames"), FieldPath.of("status", "acceptedNames")));
        errors.addAll(storedVersions(crd.path("status").get("storedVersions"), spec.versions()));
        errors.addAll(apiApproval(crd, old));
        boolean oldPreserves = old != null && old.path("spec").path("preserveUnknownFields").asBoolean(false);
        if (!oldPreserves && spec.preserveUnknownFields()) {
            errors.add(FieldError.invalidRendered(path.child("preserveUnknownFields"), "true",
                    "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"));
        }
        return errors;
    }

    private static void immutable(List<FieldError> errors, String value, String old, FieldPath path) {
        if (!value.equals(old)) {
            errors.add(FieldError.invalid(path, value, "field is immutable"));
        }
    }

    private List<FieldError> spec(InternalSpec spec, Options options, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode node = spec.spec();
        String group = text(node, "group");
        if (group.isEmpty()) {
            errors.add(FieldError.required(path.child("group"), ""));
        } else if (!Formats.dns1123Subdomain(group).isEmpty()) {
            errors.add(FieldError.invalid(path.child("group"), group, String.join(",", Formats.dns1123Subdomain(group))));
        } else if (!group.contains(".")) {
            errors.add(FieldError.invalid(path.child("group"), group, "should be a domain with at least one dot"));
        }
        String scope = text(node, "scope");
        if (scope.isEmpty()) {
            errors.add(FieldError.required(path.child("scope"), ""));
        } else if (!SCOPES.contains(scope)) {
            errors.add(FieldError.notSupported(path.child("scope"), scope, SCOPES));
        }
        boolean topLevelSchema = spec.validation() != null && spec.validation().hasNonNull("openAPIV3Schema");
        if (options.requireOpenAPISchema()) {
            if (!topLevelSchema) {
                for (int i = 0; i < spec.versions().size(); i++) {
                    JsonNode schema = spec.versionSchema(spec.versions().get(i));
                    if (schema == null || !schema.hasNonNull("openAPIV3Schema")) {
                        errors.add(FieldError.required(path.child("versions").index(i).child("schema", "openAPIV3Schema"),
                                "schemas are required"));
                    }
                }
            }
        } else if (!spec.preserveUnknownFields() && !topLevelSchema) {
            for (int i = 0; i < spec.versions().size(); i++) {
                JsonNode version = spec.versions().get(i);
                JsonNode schema = spec.versionSchema(version);
                if (version.path("served").asBoolean(false) && (schema == null || !schema.hasNonNull("openAPIV3Schema"))) {
                    errors.add(FieldError.required(path.child("versions").index(i).child("schema", "openAPIV3Schema"),
                            "because otherwise all fields are pruned"));
                }
            }
        }
        if (spec.schemas().stream().anyMatch(SchemaRules::hasDefaults) && spec.preserveUnknownFields()) {
            errors.add(FieldError.invalidRendered(path.child("preserveUnknownFields"), "true",
                    "must be false in order to use defaults in the schema"));
        }
        SchemaRules schemas = new SchemaRules(options);
        int storageVersions = 0;
        Set<String> versionNames = new HashSet<>();
        boolean unique = true;
        for (int i = 0; i < spec.versions().size(); i++) {
            JsonNode version = spec.versions().get(i);
            FieldPath versionPath = path.child("versions").index(i);
            if (version.path("storage").asBoolean(false)) {
                storageVersions++;
            }
            String versionName = text(version, "name");
            unique &= versionNames.add(versionName);
            List<String> problems = Formats.dns1035Label(versionName);
            if (!problems.isEmpty()) {
                errors.add(FieldError.invalid(versionPath.child("name"), versionName, String.join(",", problems)));
            }
            errors.addAll(version(spec, version, versionPath, schemas));
        }
        if (!unique) {
            errors.add(FieldError.invalidRendered(path.child("versions"), GoForms.versions(spec),
                    "must contain unique version names"));
        }
        if (storageVersions != 1) {
            errors.add(FieldError.invalidRendered(path.child("versions"), GoForms.versions(spec),
                    "must have exactly one version marked as storage version"));
        }
        String firstVersion = spec.version();
        if (!firstVersion.isEmpty() && !Formats.dns1035Label(firstVersion).isEmpty()) {
            errors.add(FieldError.invalid(path.child("version"), firstVersion,
                    String.join(",", Formats.dns1035Label(firstVersion))));
        }
        JsonNode names = node.path("names");
        for (String required : List.of("plural", "singular", "kind", "listKind")) {
            if (text(names, required).isEmpty()) {
                errors.add(FieldError.required(path.child("names", required), ""));
            }
        }
        errors.addAll(names(names, path.child("names")));
        errors.addAll(schemas.validation(spec.validation(), spec.anyStatusEnabled(), path.child("validation")));
        errors.addAll(subresources(spec.subresources(), path.child("subresources")));
        errors.addAll(columns(spec.columns(), path.child("additionalPrinterColumns")));
        if (spec.selectableFields() != null) {
            if (spec.validation() == null) {
                errors.add(FieldError.invalid(path.child("selectableFields"), "",
                        "selectableFields may only be set when validations.schema is included"));
            } else {
                errors.addAll(SelectableFields.validate(spec.selectableFields(), spec.validation().get("openAPIV3Schema"),
                        path.child("selectableFields"), MAX_SELECTABLE_FIELDS));
            }
        }
        JsonNode conversion = node.get("conversion");
        String strategy = conversion == null ? "" : text(conversion, "strategy");
        if (conversion != null && !conversion.isNull() && !strategy.equals("None") && spec.preserveUnknownFields()) {
            errors.add(FieldError.invalid(path.child("conversion", "strategy"), strategy,
                    "must be None if spec.preserveUnknownFields is true"));
        }
        errors.addAll(conversion(conversion, options, path.child("conversion")));
        return errors;
    }

    private List<FieldError> version(InternalSpec spec, JsonNode version, FieldPath path, SchemaRules schemas) {
        List<FieldError> errors = new ArrayList<>();
        boolean deprecated = version.path("deprecated").asBoolean(false);
        if (set(version, "deprecationWarning")) {
            String warning = text(version, "deprecationWarning");
            for (String problem : deprecationWarning(deprecated, warning)) {
                errors.add(FieldError.invalid(path.child("deprecationWarning"), warning, problem));
            }
        }
        JsonNode schema = spec.versionSchema(version);
        errors.addAll(schemas.validation(schema, InternalSpec.statusEnabled(spec.subresourcesFor(version)),
                path.child("schema")));
        errors.addAll(subresources(spec.versionSubresources(version), path.child("subresources")));
        errors.addAll(columns(spec.versionColumns(version), path.child("additionalPrinterColumns")));
        JsonNode selectable = spec.versionSelectableFields(version);
        if (selectable != null) {
            if (schema == null || !schema.hasNonNull("openAPIV3Schema")) {
                errors.add(FieldError.invalid(path.child("selectableFields"), "",
                        "selectableFields may only be set when version.schema.openAPIV3Schema is not included"));
            } else {
                errors.addAll(SelectableFields.validate(selectable, schema.get("openAPIV3Schema"),
                        path.child("selectableFields"), MAX_SELECTABLE_FIELDS));
            }
        }
        return errors;
    }

    private static List<String> deprecationWarning(boolean deprecated, String warning) {
        if (!deprecated) {
            return List.of("can only be set for deprecated versions");
        }
        List<String> problems = new ArrayList<>();
        if (warning.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256) {
            problems.add("must be <= 256 characters long");
        }
        if (warning.isEmpty()) {
            problems.add("must not be an empty string");
        }
        int index = 0;
        for (int i = 0; i < warning.length(); ) {
            int c = warning.codePointAt(i);
            if (Character.isISOControl(c)) {
                problems.add("must only contain printable UTF-8 characters; control character found at index " + index);
                break;
            }
            if (!GoValues.quote(new String(Character.toChars(c))).equals("\"" + new String(Character.toChars(c)) + "\"")
                    && c != '"' && c != '\\') {
                problems.add("must only contain printable UTF-8 characters; non-printable character found at index " + index);
                break;
            }
            index += new String(Character.toChars(c)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            i += Character.charCount(c);
        }
        return problems;
    }

    /** ValidateCustomResourceDefinitionNames (spec.names and status.acceptedNames). */
    static List<FieldError> names(JsonNode names, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        for (String field : List.of("plural", "singular")) {
            String value = text(names, field);
            if (!value.isEmpty() && !Formats.dns1035Label(value).isEmpty()) {
                errors.add(FieldError.invalid(path.child(field), value, String.join(",", Formats.dns1035Label(value))));
            }
        }
        for (String field : List.of("kind", "listKind")) {
            String value = text(names, field);
            List<String> problems = Formats.dns1035Label(value.toLowerCase(Locale.ROOT));
            if (!value.isEmpty() && !problems.isEmpty()) {
                errors.add(FieldError.invalid(path.child(field), value,
                        "may have mixed case, but should otherwise match: " + String.join(",", problems)));
            }
        }
        int i = 0;
        for (JsonNode shortName : names.path("shortNames")) {
            List<String> problems = Formats.dns1035Label(shortName.asText(""));
            if (!problems.isEmpty()) {
                errors.add(FieldError.invalid(path.child("shortNames").index(i), shortName.asText(""), String.join(",", problems)));
            }
            i++;
        }
        String kind = text(names, "kind");
        if (!kind.isEmpty() && kind.equals(text(names, "listKind"))) {
            errors.add(FieldError.invalid(path.child("listKind"), kind, "kind and listKind may not be the same"));
        }
        i = 0;
        for (JsonNode category : names.path("categories")) {
            List<String> problems = Formats.dns1035Label(category.asText(""));
            if (!problems.isEmpty()) {
                errors.add(FieldError.invalid(path.child("categories").index(i), category.asText(""), String.join(",", problems)));
            }
            i++;
        }
        return errors;
    }

    /** ValidateCustomResourceDefinitionStoredVersions. */
    private static List<FieldError> storedVersions(JsonNode stored, List<JsonNode> versions) {
        FieldPath path = FieldPath.of("status", "storedVersions");
        if (stored == null || !stored.isArray() || stored.isEmpty()) {
            String rendered = stored != null && stored.isArray() ? "[]string{}" : "[]string(nil)";
            return List.of(FieldError.invalidRendered(path, rendered, "must have at least one stored version"));
        }
        List<FieldError> errors = new ArrayList<>();
        Map<String, Integer> remaining = new LinkedHashMap<>();
        for (int i = 0; i < stored.size(); i++) {
            remaining.put(stored.get(i).asText(""), i);
        }
        for (JsonNode version : versions) {
            String name = text(version, "name");
            boolean present = remaining.containsKey(name);
            if (version.path("storage").asBoolean(false) && !present) {
                errors.add(FieldError.invalidRendered(path, GoValues.stringSlice(stored), "must have the storage version " + name));
            }
            remaining.remove(name);
        }
        remaining.forEach((name, i) -> errors.add(FieldError.invalid(path.index(i), name, "missing from spec.versions; "
                + name + " was previously a storage version, and must remain in spec.versions until a storage migration"
                + " ensures no data remains persisted in " + name + " and removes " + name + " from status.storedVersions")));
        return errors;
    }

    /** validateAPIApproval: groups under k8s.io and kubernetes.io need the approval annotation. */
    private static List<FieldError> apiApproval(JsonNode crd, JsonNode old) {
        String group = text(crd.path("spec"), "group");
        boolean protectedGroup = group.equals("k8s.io") || group.endsWith(".k8s.io") || group.equals("kubernetes.io")
                || group.endsWith(".kubernetes.io");
        if (!protectedGroup) {
            return List.of();
        }
        String annotation = text(crd.path("metadata").path("annotations"), APPROVAL);
        String state = approvalState(annotation);
        if (old != null && approvalState(text(old.path("metadata").path("annotations"), APPROVAL)).equals(state)) {
            return List.of();
        }
        FieldPath path = FieldPath.of("metadata", "annotations").key(APPROVAL);
        return switch (state) {
            case "missing" -> List.of(FieldError.required(path, "protected groups must have approval annotation \""
                    + APPROVAL + "\", see https://github.com/kubernetes/enhancements/pull/1111"));
            case "invalid" -> List.of(FieldError.invalid(path, annotation, "protected groups must have approval annotation"
                    + " \"" + APPROVAL + "\" with either a URL or a reason starting with \"unapproved\", see"
                    + " https://github.com/kubernetes/enhancements/pull/1111"));
            default -> List.of();
        };
    }

    private static String approvalState(String annotation) {
        if (annotation.isEmpty()) {
            return "missing";
        }
        if (annotation.startsWith("unapproved")) {
            return "bypassed";
        }
        try {
            URI uri = new URI(annotation);
            if (uri.getScheme() != null && uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty()) {
                return "approved";
            }
        } catch (java.net.URISyntaxException e) {
            // not a URL: invalid
        }
        return "invalid";
    }

    /** ValidateCustomResourceDefinitionSubresources: the scale subresource's JSON paths. */
    private static List<FieldError> subresources(JsonNode subresources, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (subresources == null || !subresources.hasNonNull("scale")) {
            return errors;
        }
        JsonNode scale = subresources.get("scale");
        scalePath(errors, text(scale, "specReplicasPath"), path.child("scale.specReplicasPath"), ".spec.",
                "should be a json path under .spec");
        scalePath(errors, text(scale, "statusReplicasPath"), path.child("scale.statusReplicasPath"), ".status.",
                "should be a json path under .status");
        String selector = text(scale, "labelSelectorPath");
        if (!selector.isEmpty()) {
            List<FieldError> simple = simpleJsonPath(selector, path.child("scale.labelSelectorPath"));
            if (!simple.isEmpty()) {
                errors.addAll(simple);
            } else if (!selector.startsWith(".spec.") && !selector.startsWith(".status.")) {
                errors.add(FieldError.invalid(path.child("scale.labelSelectorPath"), selector,
                        "should be a json path under either .spec or .status"));
            }
        }
        return errors;
    }

    private static void scalePath(List<FieldError> errors, String value, FieldPath path, String prefix, String detail) {
        if (value.isEmpty()) {
            errors.add(FieldError.required(path, ""));
            return;
        }
        List<FieldError> simple = simpleJsonPath(value, path);
        if (!simple.isEmpty()) {
            errors.addAll(simple);
        } else if (!value.startsWith(prefix)) {
            errors.add(FieldError.invalid(path, value, detail));
        }
    }

    private static List<FieldError> simpleJsonPath(String value, FieldPath path) {
        if (value.isEmpty()) {
            return List.of(FieldError.invalid(path, value, "must not be empty"));
        }
        if (value.charAt(0) != '.') {
            return List.of(FieldError.invalid(path, value, "must be a simple json path starting with ."));
        }
        return List.of();
    }

    /** ValidateCustomResourceColumnDefinition for each column. */
    private static List<FieldError> columns(JsonNode columns, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (columns == null) {
            return errors;
        }
        int i = 0;
        for (JsonNode column : columns) {
            FieldPath at = path.index(i++);
            if (text(column, "name").isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            }
            String type = text(column, "type");
            if (type.isEmpty()) {
                errors.add(FieldError.required(at.child("type"), "must be one of " + COLUMN_TYPES));
            } else if (!COLUMN_TYPE_SET.contains(type)) {
                errors.add(FieldError.invalid(at.child("type"), type, "must be one of " + COLUMN_TYPES));
            }
            String format = text(column, "format");
            if (!format.isEmpty() && !COLUMN_FORMAT_SET.contains(format)) {
                errors.add(FieldError.invalid(at.child("format"), format, "must be one of " + COLUMN_FORMATS));
            }
            String jsonPath = text(column, "jsonPath");
            if (jsonPath.isEmpty()) {
                errors.add(FieldError.required(at.child("JSONPath"), ""));
            } else {
                errors.addAll(simpleJsonPath(jsonPath, at.child("JSONPath")));
            }
        }
        return errors;
    }

    /**
     * validateCustomResourceConversion on the internal form: v1's conversion.webhook.clientConfig and
     * .conversionReviewVersions are the internal conversion.webhookClientConfig and
     * .conversionReviewVersions, and those are the paths upstream reports.
     */
    private static List<FieldError> conversion(JsonNode conversion, Options options, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (conversion == null || conversion.isNull()) {
            return errors;
        }
        String strategy = text(conversion, "strategy");
        if (strategy.isEmpty()) {
            errors.add(FieldError.required(path.child("strategy"), ""));
        } else if (!STRATEGIES.contains(strategy)) {
            errors.add(FieldError.notSupported(path.child("strategy"), strategy, STRATEGIES));
        }
        JsonNode webhook = conversion.path("webhook");
        JsonNode clientConfig = webhook.get("clientConfig");
        boolean hasClientConfig = clientConfig != null && !clientConfig.isNull();
        JsonNode reviewVersions = webhook.get("conversionReviewVersions");
        if (strategy.equals("Webhook")) {
            FieldPath config = path.child("webhookClientConfig");
            if (!hasClientConfig) {
                errors.add(FieldError.required(config, "required when strategy is set to Webhook"));
            } else {
                boolean url = set(clientConfig, "url");
                boolean service = set(clientConfig, "service");
                if (url == service) {
                    errors.add(FieldError.required(config, "exactly one of url or service is required"));
                } else if (url) {
                    errors.addAll(WebhookConfigurationRules.webhookUrl(text(clientConfig, "url"), config.child("url")));
                } else {
                    errors.addAll(WebhookConfigurationRules.webhookService(clientConfig.get("service"), config.child("service")));
                }
                // CA bundles are only checked on CRDs already established, which kj never marks (no CR serving yet)
            }
            errors.addAll(reviewVersions(reviewVersions, options.requireRecognizedConversionReviewVersion(),
                    path.child("conversionReviewVersions")));
        } else {
            if (hasClientConfig) {
                errors.add(FieldError.forbidden(path.child("webhookClientConfig"),
                        "should not be set when strategy is not set to Webhook"));
            }
            if (reviewVersions != null && reviewVersions.isArray() && !reviewVersions.isEmpty()) {
                errors.add(FieldError.forbidden(path.child("conversionReviewVersions"),
                        "should not be set when strategy is not set to Webhook"));
            }
        }
        return errors;
    }

    private static List<FieldError> reviewVersions(JsonNode versions, boolean requireRecognized, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (versions == null || !versions.isArray() || versions.isEmpty()) {
            errors.add(FieldError.required(path, ""));
            return errors;
        }
        Set<String> seen = new HashSet<>();
        boolean recognized = false;
        for (int i = 0; i < versions.size(); i++) {
            String version = versions.get(i).asText("");
            if (!seen.add(version)) {
                errors.add(FieldError.invalid(path.index(i), version, "duplicate version"));
                continue;
            }
            for (String problem : Formats.dns1035Label(version)) {
                errors.add(FieldError.invalid(path.index(i), version, problem));
            }
            recognized |= REVIEW_VERSIONS.contains(version);
        }
        if (requireRecognized && !recognized) {
            errors.add(FieldError.invalidRendered(path, GoValues.stringSlice(versions), "must include at least one of v1, v1beta1"));
        }
        return errors;
    }

    /** Records the storage version in status.storedVersions, as upstream's strategy does on create and update. */
    public static void recordStorageVersion(ObjectNode crd) {
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (version.path("storage").asBoolean(false)) {
                ObjectNode status = Nodes.object(crd, "status");
                ArrayNode stored = status.get("storedVersions") instanceof ArrayNode existing
                        ? existing : status.putArray("storedVersions");
                String name = version.path("name").asText("");
                for (JsonNode existing : stored) {
                    if (existing.asText().equals(name)) {
                        return;
                    }
                }
                stored.add(name);
                return;
            }
        }
    }
}
