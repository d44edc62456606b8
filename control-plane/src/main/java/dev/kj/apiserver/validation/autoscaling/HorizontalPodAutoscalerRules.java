package dev.kj.apiserver.validation.autoscaling;

import static dev.kj.apiserver.validation.Nodes.defaultNumber;
import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.core.PodSpecs;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * HorizontalPodAutoscalers in their autoscaling/v2 storage form (v1 writes reach it converted):
 * autoscaling/v2's SetDefaults_HorizontalPodAutoscaler and pkg/apis/autoscaling/validation. The
 * paths are v2's, as upstream reports them for v1 writes too (it validates the internal type).
 */
public final class HorizontalPodAutoscalerRules implements KindRules {
    static final int MAX_PERIOD_SECONDS = 1800;
    static final int MAX_STABILIZATION_WINDOW_SECONDS = 3600;
    private static final List<String> METRIC_SOURCE_TYPES = List.of("ContainerResource", "External", "Object", "Pods",
            "Resource");
    private static final List<String> SELECT_POLICIES = List.of("Disabled", "Max", "Min");
    private static final List<String> POLICY_TYPES = List.of("Percent", "Pods");

    @Override
    public void setDefaults(ObjectNode hpa) {
        ObjectNode spec = object(hpa, "spec");
        defaultNumber(spec, "minReplicas", 1);
        if (spec.path("metrics").isEmpty()) {
            ObjectNode metric = spec.putArray("metrics").addObject();
            metric.put("type", "Resource");
            ObjectNode resource = metric.putObject("resource");
            resource.put("name", "cpu");
            resource.putObject("target").put("type", "Utilization").put("averageUtilization", 80);
        }
        if (spec.get("behavior") instanceof ObjectNode behavior) {
            // every unset part of a rule takes the default rule's; scale-down keeps no default window
            ObjectNode up = object(behavior, "scaleUp");
            defaultNumber(up, "stabilizationWindowSeconds", 0);
            defaultRule(up, policy("Pods", 4), policy("Percent", 100));
            defaultRule(object(behavior, "scaleDown"), policy("Percent", 100));
        }
    }

    private static ObjectNode policy(String type, int value) {
        ObjectNode policy = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        return policy.put("type", type).put("value", value).put("periodSeconds", 15);
    }

    private static void defaultRule(ObjectNode rule, ObjectNode... policies) {
        if (!set(rule, "selectPolicy")) {
            rule.put("selectPolicy", "Max");
        }
        if (!set(rule, "policies")) {
            ArrayNode list = rule.putArray("policies");
            for (ObjectNode policy : policies) {
                list.add(policy);
            }
        }
    }

    /**
     * ValidateHorizontalPodAutoscaler with HPAScaleToZero off (its default): minReplicas at least 1.
     * Upstream lets an update keep a minReplicas of 0 an HPA already has; here no HPA can have it.
     */
    @Override
    public List<FieldError> validate(ObjectNode hpa) {
        return validateSpec(hpa.path("spec"), FieldPath.root("spec"), 1);
    }

    static List<FieldError> validateSpec(JsonNode spec, FieldPath path, int minReplicasLowerBound) {
        List<FieldError> errors = new ArrayList<>();
        boolean hasMin = set(spec, "minReplicas");
        long min = spec.path("minReplicas").asLong(0);
        long max = spec.path("maxReplicas").asLong(0);
        if (hasMin && min < minReplicasLowerBound) {
            errors.add(FieldError.invalid(path.child("minReplicas"), min,
                    "must be greater than or equal to " + minReplicasLowerBound));
        }
        if (max < 1) {
            errors.add(FieldError.invalid(path.child("maxReplicas"), max, "must be greater than 0"));
        }
        if (hasMin && max < min) {
            errors.add(FieldError.invalid(path.child("maxReplicas"), max, "must be greater than or equal to `minReplicas`"));
        }
        errors.addAll(crossVersionReference(spec.path("scaleTargetRef"), path.child("scaleTargetRef")));
        errors.addAll(validateMetrics(spec.path("metrics"), path.child("metrics"), hasMin && min == 0));
        if (set(spec, "behavior")) {
            errors.addAll(scalingRules(spec.path("behavior").get("scaleUp"), path.child("behavior", "scaleUp")));
            errors.addAll(scalingRules(spec.path("behavior").get("scaleDown"), path.child("behavior", "scaleDown")));
        }
        return errors;
    }

    /** ValidateCrossVersionObjectReference: kind and name required and usable as path segments. */
    static List<FieldError> crossVersionReference(JsonNode ref, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        for (String field : List.of("kind", "name")) {
            String value = text(ref, field);
            if (value.isEmpty()) {
                errors.add(FieldError.required(path.child(field), ""));
            } else {
                errors.addAll(Formats.invalid(path.child(field), value, Formats.pathSegmentName(value)));
            }
        }
        return errors;
    }

    private static List<FieldError> validateMetrics(JsonNode metrics, FieldPath path, boolean minIsZero) {
        List<FieldError> errors = new ArrayList<>();
        boolean objectOrExternal = false;
        int i = 0;
        for (JsonNode metric : metrics) {
            errors.addAll(metricSpec(metric, path.index(i++)));
            objectOrExternal |= List.of("Object", "External").contains(text(metric, "type"));
        }
        if (minIsZero && !objectOrExternal) {
            errors.add(FieldError.forbidden(path,
                    "must specify at least one Object or External metric to support scaling to zero replicas"));
        }
        return errors;
    }

    private static List<FieldError> metricSpec(JsonNode metric, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String type = text(metric, "type");
        if (type.isEmpty()) {
            errors.add(FieldError.required(path.child("type"), "must specify a metric source type"));
        }
        if (!METRIC_SOURCE_TYPES.contains(type)) {
            errors.add(FieldError.notSupported(path.child("type"), type, METRIC_SOURCE_TYPES));
        }
        // the sources present, in upstream's order; only the first one is looked into
        Set<String> present = new LinkedHashSet<>();
        for (String source : List.of("object", "external", "pods", "resource", "containerResource")) {
            if (!set(metric, source)) {
                continue;
            }
            present.add(source);
            if (present.size() == 1) {
                JsonNode s = metric.get(source);
                FieldPath at = path.child(source);
                errors.addAll(switch (source) {
                    case "object" -> objectSource(s, at);
                    case "external" -> externalSource(s, at);
                    case "pods" -> podsSource(s, at);
                    case "resource" -> resourceSource(s, at, false);
                    default -> resourceSource(s, at, true);
                });
            }
        }
        String expected = switch (type) {
            case "Object" -> "object";
            case "Pods" -> "pods";
            case "Resource" -> "resource";
            case "External" -> "external";
            case "ContainerResource" -> "containerResource";
            default -> null;
        };
        if (expected == null) {
            errors.add(FieldError.notSupported(path.child("type"), type, METRIC_SOURCE_TYPES));
        } else if (!present.contains(expected)) {
            errors.add(FieldError.required(path.child(expected), "must populate information for the given metric source"));
        }
        if (present.size() != 1) {
            present.remove(expected);
            // upstream ranges over a Go map here: its order is not fixed, ours is the source order
            for (String other : present) {
                errors.add(FieldError.forbidden(path.child(other), "must populate the given metric source only"));
            }
        }
        return errors;
    }

    private static List<FieldError> objectSource(JsonNode source, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(crossVersionReference(source.path("describedObject"),
                path.child("describedObject")));
        errors.addAll(metricIdentifier(source.path("metric"), path.child("metric")));
        JsonNode target = source.path("target");
        errors.addAll(metricTarget(target, path.child("target")));
        if (!set(target, "value") && !set(target, "averageValue")) {
            errors.add(FieldError.required(path.child("target", "averageValue"), "must set either a target value or averageValue"));
        }
        return errors;
    }

    private static List<FieldError> externalSource(JsonNode source, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(metricIdentifier(source.path("metric"), path.child("metric")));
        JsonNode target = source.path("target");
        errors.addAll(metricTarget(target, path.child("target")));
        if (!set(target, "value") && !set(target, "averageValue")) {
            errors.add(FieldError.required(path.child("target", "averageValue"),
                    "must set either a target value for metric or a per-pod target"));
        }
        if (set(target, "value") && set(target, "averageValue")) {
            errors.add(FieldError.forbidden(path.child("target", "value"),
                    "may not set both a target value for metric and a per-pod target"));
        }
        return errors;
    }

    private static List<FieldError> podsSource(JsonNode source, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(metricIdentifier(source.path("metric"), path.child("metric")));
        JsonNode target = source.path("target");
        errors.addAll(metricTarget(target, path.child("target")));
        if (!set(target, "averageValue")) {
            errors.add(FieldError.required(path.child("target", "averageValue"), "must specify a positive target averageValue"));
        }
        return errors;
    }

    /** Resource and ContainerResource sources: a resource name, for the latter a container, and one target kind. */
    private static List<FieldError> resourceSource(JsonNode source, FieldPath path, boolean container) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(source, "name");
        if (name.isEmpty()) {
            errors.add(FieldError.required(path.child("name"), "must specify a resource name"));
        } else if (container) {
            errors.addAll(PodSpecs.validateResourceName(name, path.child("name")));
        }
        if (container) {
            String containerName = text(source, "container");
            if (containerName.isEmpty()) {
                errors.add(FieldError.required(path.child("container"), "must specify a container"));
            } else {
                errors.addAll(Formats.invalid(path.child("container"), containerName, Formats.dns1123Label(containerName)));
            }
        }
        JsonNode target = source.path("target");
        errors.addAll(metricTarget(target, path.child("target")));
        if (!set(target, "averageUtilization") && !set(target, "averageValue")) {
            errors.add(FieldError.required(path.child("target", "averageUtilization"),
                    "must set either a target raw value or a target utilization"));
        }
        if (set(target, "averageUtilization") && set(target, "averageValue")) {
            errors.add(FieldError.forbidden(path.child("target", "averageValue"),
                    "may not set both a target raw value and a target utilization"));
        }
        return errors;
    }

    /**
     * validateMetricTarget. Upstream also refuses a value or averageValue that is not positive, printing
     * the Go struct of the quantity; that check is not made here (see docs/architecture.md).
     */
    private static List<FieldError> metricTarget(JsonNode target, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String type = text(target, "type");
        if (type.isEmpty()) {
            errors.add(FieldError.required(path.child("type"), "must specify a metric target type"));
        }
        if (!List.of("Utilization", "Value", "AverageValue").contains(type)) {
            errors.add(FieldError.invalid(path.child("type"), type, "must be either Utilization, Value, or AverageValue"));
        }
        if (set(target, "averageUtilization") && target.get("averageUtilization").asLong() < 1) {
            errors.add(FieldError.invalid(path.child("averageUtilization"), target.get("averageUtilization").asLong(),
                    "must be greater than 0"));
        }
        return errors;
    }

    private static List<FieldError> metricIdentifier(JsonNode id, FieldPath path) {
        String name = text(id, "name");
        if (name.isEmpty()) {
            return List.of(FieldError.required(path.child("name"), "must specify a metric name"));
        }
        return Formats.invalid(path.child("name"), name, Formats.pathSegmentName(name));
    }

    private static List<FieldError> scalingRules(JsonNode rules, FieldPath path) {
        if (rules == null || rules.isNull()) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        if (set(rules, "stabilizationWindowSeconds")) {
            long window = rules.get("stabilizationWindowSeconds").asLong();
            if (window < 0) {
                errors.add(FieldError.invalid(path.child("stabilizationWindowSeconds"), window,
                        "must be greater than or equal to zero"));
            }
            if (window > MAX_STABILIZATION_WINDOW_SECONDS) {
                errors.add(FieldError.invalid(path.child("stabilizationWindowSeconds"), window,
                        "must be less than or equal to " + MAX_STABILIZATION_WINDOW_SECONDS));
            }
        }
        if (set(rules, "selectPolicy") && !SELECT_POLICIES.contains(text(rules, "selectPolicy"))) {
            errors.add(FieldError.notSupported(path.child("selectPolicy"), text(rules, "selectPolicy"), SELECT_POLICIES));
        }
        FieldPath policiesPath = path.child("policies");
        if (rules.path("policies").isEmpty()) {
            errors.add(FieldError.required(policiesPath, "must specify at least one Policy"));
        }
        int i = 0;
        for (JsonNode policy : rules.path("policies")) {
            FieldPath at = policiesPath.index(i++);
            String type = text(policy, "type");
            if (!POLICY_TYPES.contains(type)) {
                errors.add(FieldError.notSupported(at.child("type"), type, POLICY_TYPES));
            }
            long value = policy.path("value").asLong(0);
            if (value <= 0) {
                errors.add(FieldError.invalid(at.child("value"), value, "must be greater than zero"));
            }
            long period = policy.path("periodSeconds").asLong(0);
            if (period <= 0) {
                errors.add(FieldError.invalid(at.child("periodSeconds"), period, "must be greater than zero"));
            }
            if (period > MAX_PERIOD_SECONDS) {
                errors.add(FieldError.invalid(at.child("periodSeconds"), period,
                        "must be less than or equal to " + MAX_PERIOD_SECONDS));
            }
        }
        return errors;
    }
}
