package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import dev.kj.apiserver.validation.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * ResourceQuotas (ValidateResourceQuota: resource names, non-negative and integer quantities in spec
 * and status, scopes and the scope selector; scopes unchangeable) and LimitRanges
 * (SetDefaults_LimitRangeItem, ValidateLimitRange). Maps are walked in sorted key order where Go's
 * are unordered.
 */
public final class QuotaRules {
    private QuotaRules() {
    }

    private static final Set<String> STANDARD = Set.of("cpu", "memory", "ephemeral-storage", "requests.cpu",
            "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
            "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
            "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports", "services.loadbalancers");
    private static final Set<String> STANDARD_QUOTA = Set.of("cpu", "memory", "ephemeral-storage", "requests.cpu",
            "requests.memory", "requests.storage", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
            "limits.ephemeral-storage", "pods", "resourcequotas", "services", "replicationcontrollers", "secrets",
            "persistentvolumeclaims", "configmaps", "services.nodeports", "services.loadbalancers");
    private static final Set<String> INTEGER = Set.of("pods", "resourcequotas", "services", "replicationcontrollers",
            "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers");
    private static final Set<String> POD_COMPUTE = Set.of("cpu", "limits.cpu", "limits.memory", "memory",
            "requests.cpu", "requests.memory");
    private static final List<String> SCOPES = List.of("Terminating", "NotTerminating", "BestEffort",
            "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity");
    private static final List<List<String>> CONFLICTING = List.of(List.of("BestEffort", "NotBestEffort"),
            List.of("Terminating", "NotTerminating"));

    private static boolean hugePages(String name) {
        return name.startsWith("hugepages-") || name.startsWith("requests.hugepages-");
    }

    private static boolean standardQuota(String name) {
        return STANDARD_QUOTA.contains(name) || hugePages(name);
    }

    /** validateResourceName: a qualified name, and a standard one unless it has a prefix. */
    static List<FieldError> validateResourceName(String name, FieldPath path) {
        List<FieldError> errors = Formats.invalid(path, name, Formats.qualifiedName(name));
        if (!errors.isEmpty()) {
            return errors;
        }
        if (!name.contains("/") && !STANDARD.contains(name) && !hugePages(name)) {
            return List.of(FieldError.invalid(path, name, "must be a standard resource type or fully qualified"));
        }
        return List.of();
    }

    private static List<FieldError> validateQuotaResourceName(String name, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(validateResourceName(name, path));
        if (!name.contains("/") && !standardQuota(name)) {
            errors.add(FieldError.invalid(path, name, "must be a standard resource for quota"));
        }
        return errors;
    }

    /** ValidateResourceQuantityValue: not negative; whole for counted and extended resources. */
    private static List<FieldError> validateQuantity(String resource, JsonNode value, FieldPath path) {
        Quantity quantity = Quantity.parse(value.asText());
        if (quantity == null) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        if (quantity.isNegative()) {
            errors.add(FieldError.invalid(path, quantity.toString(), Numbers.NONNEGATIVE));
        }
        boolean integer = INTEGER.contains(resource)
                || !PodSpecs.native_(resource) && !resource.startsWith("requests.");
        java.math.BigInteger milli = quantity.value().scaleByPowerOfTen(3).setScale(0, java.math.RoundingMode.CEILING)
                .toBigInteger();
        if (integer && milli.mod(java.math.BigInteger.valueOf(1000)).signum() != 0) {
            errors.add(FieldError.invalid(path, quantity.toString(), "must be an integer"));
        }
        return errors;
    }

    private static List<FieldError> validateResourceList(JsonNode list, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : sorted(list).entrySet()) {
            FieldPath at = path.key(entry.getKey());
            errors.addAll(validateQuotaResourceName(entry.getKey(), at));
            errors.addAll(validateQuantity(entry.getKey(), entry.getValue(), at));
        }
        return errors;
    }

    private static Map<String, JsonNode> sorted(JsonNode map) {
        Map<String, JsonNode> sorted = new TreeMap<>();
        map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static boolean scopeFitsResource(String scope, String resource) {
        return switch (scope) {
            case "Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity" ->
                    resource.equals("pods") || POD_COMPUTE.contains(resource);
            case "BestEffort" -> resource.equals("pods");
            default -> true;
        };
    }

    /** %#v of the scopes, a []core.ResourceQuotaScope. */
    private static String renderScopes(JsonNode scopes) {
        if (scopes == null || !scopes.isArray()) {
            return "[]core.ResourceQuotaScope(nil)";
        }
        List<String> quoted = new ArrayList<>();
        scopes.forEach(s -> quoted.add(GoValues.quote(s.asText())));
        return "[]core.ResourceQuotaScope{" + String.join(", ", quoted) + "}";
    }

    public static final KindRules RESOURCE_QUOTA = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode quota) {
            JsonNode spec = quota.path("spec");
            FieldPath specPath = FieldPath.root("spec");
            List<FieldError> errors = new ArrayList<>(validateResourceList(spec.path("hard"), specPath.child("hard")));
            Set<String> hard = new TreeSet<>(sorted(spec.path("hard")).keySet());
            JsonNode scopes = spec.path("scopes");
            FieldPath scopesPath = specPath.child("scopes");
            Set<String> scopeSet = new LinkedHashSet<>();
            for (JsonNode scope : scopes) {
                String name = scope.asText();
                if (!SCOPES.contains(name)) {
                    errors.add(FieldError.invalidRendered(scopesPath, renderScopes(scopes), "unsupported scope"));
                }
                for (String resource : hard) {
                    if (standardQuota(resource) && !scopeFitsResource(name, resource)) {
                        errors.add(FieldError.invalidRendered(scopesPath, renderScopes(scopes),
                                "unsupported scope applied to resource"));
                    }
                }
                scopeSet.add(name);
            }
            for (List<String> pair : CONFLICTING) {
                if (scopeSet.containsAll(pair)) {
                    errors.add(FieldError.invalidRendered(scopesPath, renderScopes(scopes), "conflicting scopes"));
                }
            }
            FieldPath expressionsPath = specPath.child("scopeSelector", "matchExpressions");
            for (JsonNode requirement : spec.path("scopeSelector").path("matchExpressions")) {
                String scope = text(requirement, "scopeName");
                String operator = text(requirement, "operator");
                if (!SCOPES.contains(scope)) {
                    errors.add(FieldError.invalid(expressionsPath.child("scopeName"), scope, "unsupported scope"));
                }
                if (List.of("BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity")
                        .contains(scope) && !operator.equals("Exists")) {
                    errors.add(FieldError.invalid(expressionsPath.child("operator"), operator,
                            "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating,"
                                    + " ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort,"
                                    + " ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
                }
                switch (operator) {
                    case "In", "NotIn" -> {
                        if (requirement.path("values").isEmpty()) {
                            errors.add(FieldError.required(expressionsPath.child("values"),
                                    "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
                        }
                    }
                    case "Exists", "DoesNotExist" -> {
                        if (!requirement.path("values").isEmpty()) {
                            errors.add(FieldError.invalidRendered(expressionsPath.child("values"),
                                    NodeRules.stringSlice(requirement.path("values")),
                                    "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
                        }
                    }
                    default -> errors.add(FieldError.invalid(expressionsPath.child("operator"), operator,
                            "not a valid selector operator"));
                }
            }
            JsonNode status = quota.path("status");
            errors.addAll(validateResourceList(status.path("hard"), FieldPath.of("status", "hard")));
            errors.addAll(validateResourceList(status.path("used"), FieldPath.of("status", "used")));
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode quota, ObjectNode old) {
            Set<String> now = new TreeSet<>();
            quota.path("spec").path("scopes").forEach(s -> now.add(s.asText()));
            Set<String> before = new TreeSet<>();
            old.path("spec").path("scopes").forEach(s -> before.add(s.asText()));
            if (!now.equals(before)) {
                return List.of(FieldError.invalidRendered(FieldPath.of("spec", "scopes"),
                        renderScopes(quota.path("spec").get("scopes")), Numbers.FIELD_IMMUTABLE));
            }
            return List.of();
        }
    };

    private static final List<String> LIMIT_TYPES = List.of("Pod", "Container", "PersistentVolumeClaim");

    public static final KindRules LIMIT_RANGE = new KindRules() {
        /** SetDefaults_LimitRangeItem: a container's default limit from max, its default request from the default limit or min. */
        @Override
        public void setDefaults(ObjectNode limitRange) {
            for (JsonNode item : limitRange.path("spec").path("limits")) {
                if (!(item instanceof ObjectNode limit) || !text(limit, "type").equals("Container")) {
                    continue;
                }
                ObjectNode defaults = limit.get("default") instanceof ObjectNode d ? d : limit.objectNode();
                ObjectNode requests = limit.get("defaultRequest") instanceof ObjectNode r ? r : limit.objectNode();
                limit.path("max").properties().forEach(e -> {
                    if (!defaults.has(e.getKey())) {
                        defaults.set(e.getKey(), e.getValue().deepCopy());
                    }
                });
                defaults.properties().forEach(e -> {
                    if (!requests.has(e.getKey())) {
                        requests.set(e.getKey(), e.getValue().deepCopy());
                    }
                });
                limit.path("min").properties().forEach(e -> {
                    if (!requests.has(e.getKey())) {
                        requests.set(e.getKey(), e.getValue().deepCopy());
                    }
                });
                if (!defaults.isEmpty()) {
                    limit.set("default", defaults);
                }
                if (!requests.isEmpty()) {
                    limit.set("defaultRequest", requests);
                }
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode limitRange) {
            List<FieldError> errors = new ArrayList<>();
            JsonNode limits = limitRange.path("spec").path("limits");
            Set<String> types = new java.util.HashSet<>();
            for (int i = 0; i < limits.size(); i++) {
                JsonNode limit = limits.get(i);
                FieldPath at = FieldPath.of("spec", "limits").index(i);
                String type = text(limit, "type");
                List<FieldError> typeErrors = Formats.invalid(at.child("type"), type, Formats.qualifiedName(type));
                errors.addAll(typeErrors);
                if (typeErrors.isEmpty() && !type.contains("/") && !LIMIT_TYPES.contains(type)) {
                    errors.add(FieldError.invalid(at.child("type"), type, "must be a standard limit type or fully qualified"));
                }
                if (!types.add(type)) {
                    errors.add(FieldError.duplicate(at.child("type"), type));
                }
                boolean podOrContainer = type.equals("Pod") || type.equals("Container");
                Map<String, Map<String, Quantity>> byField = new TreeMap<>();
                Set<String> keys = new TreeSet<>();
                List<String> fields = new ArrayList<>(List.of("max", "min"));
                if (type.equals("Pod")) {
                    if (!limit.path("default").isEmpty()) {
                        errors.add(FieldError.forbidden(at.child("default"), "may not be specified when `type` is 'Pod'"));
                    }
                    if (!limit.path("defaultRequest").isEmpty()) {
                        errors.add(FieldError.forbidden(at.child("defaultRequest"),
                                "may not be specified when `type` is 'Pod'"));
                    }
                } else {
                    fields.addAll(List.of("default", "defaultRequest"));
                }
                if (type.equals("PersistentVolumeClaim") && !limit.path("min").has("storage")
                        && !limit.path("max").has("storage")) {
                    errors.add(FieldError.required(at.child("limits"),
                            "either minimum or maximum storage value is required, but neither was provided"));
                }
                fields.add("maxLimitRequestRatio");
                for (String field : fields) {
                    Map<String, Quantity> values = new TreeMap<>();
                    for (Map.Entry<String, JsonNode> entry : sorted(limit.path(field)).entrySet()) {
                        FieldPath key = at.child(field).key(entry.getKey());
                        errors.addAll(podOrContainer ? PodSpecs.validateResourceName(entry.getKey(), key)
                                : validateResourceName(entry.getKey(), key));
                        keys.add(entry.getKey());
                        Quantity quantity = Quantity.parse(entry.getValue().asText());
                        if (quantity != null) {
                            values.put(entry.getKey(), quantity);
                        }
                    }
                    byField.put(field, values);
                }
                for (String key : keys) {
                    errors.addAll(compare(key, at, byField));
                }
            }
            return errors;
        }
    };

    /** The relations ValidateLimitRange requires between one resource's min, max, defaults and ratio. */
    private static List<FieldError> compare(String key, FieldPath at, Map<String, Map<String, Quantity>> byField) {
        Quantity min = byField.get("min").get(key);
        Quantity max = byField.get("max").get(key);
        Quantity limit = byField.getOrDefault("default", Map.of()).get(key);
        Quantity request = byField.getOrDefault("defaultRequest", Map.of()).get(key);
        Quantity ratio = byField.get("maxLimitRequestRatio").get(key);
        List<FieldError> errors = new ArrayList<>();
        if (min != null && max != null && min.compareTo(max) > 0) {
            errors.add(invalidQuantity(at.child("min").key(key), min, "min value " + min + " is greater than max value " + max));
        }
        if (request != null && min != null && min.compareTo(request) > 0) {
            errors.add(invalidQuantity(at.child("defaultRequest").key(key), request,
                    "min value " + min + " is greater than default request value " + request));
        }
        if (request != null && max != null && request.compareTo(max) > 0) {
            errors.add(invalidQuantity(at.child("defaultRequest").key(key), request,
                    "default request value " + request + " is greater than max value " + max));
        }
        if (request != null && limit != null && request.compareTo(limit) > 0) {
            errors.add(invalidQuantity(at.child("defaultRequest").key(key), request,
                    "default request value " + request + " is greater than default limit value " + limit));
        }
        if (limit != null && min != null && min.compareTo(limit) > 0) {
            errors.add(invalidQuantity(at.child("default").key(key), min,
                    "min value " + min + " is greater than default value " + limit));
        }
        if (limit != null && max != null && limit.compareTo(max) > 0) {
            errors.add(invalidQuantity(at.child("default").key(key), max,
                    "default value " + limit + " is greater than max value " + max));
        }
        if (ratio != null && ratio.value().compareTo(java.math.BigDecimal.ONE) < 0) {
            errors.add(invalidQuantity(at.child("maxLimitRequestRatio").key(key), ratio, "ratio " + ratio + " is less than 1"));
        }
        if (ratio != null && min != null && max != null && min.value().signum() != 0) {
            double allowed = max.value().doubleValue() / min.value().doubleValue();
            if (ratio.value().doubleValue() > allowed) {
                errors.add(invalidQuantity(at.child("maxLimitRequestRatio").key(key), ratio,
                        "ratio " + ratio + " is greater than max/min = " + String.format(java.util.Locale.ROOT, "%f", allowed)));
            }
        }
        if (!PodSpecs.overcommitAllowed(key) && limit != null && request != null && limit.compareTo(request) != 0) {
            errors.add(invalidQuantity(at.child("defaultRequest").key(key), request,
                    "default value " + limit + " must equal to defaultRequest value " + request + " in " + key));
        }
        return errors;
    }

    /** Upstream passes the Quantity itself, which its error prints as a Go struct; we print its string. */
    private static FieldError invalidQuantity(FieldPath path, Quantity value, String detail) {
        return FieldError.invalid(path, value.toString(), detail);
    }
}
