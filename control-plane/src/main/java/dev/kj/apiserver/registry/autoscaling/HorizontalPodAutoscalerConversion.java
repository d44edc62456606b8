package dev.kj.apiserver.registry.autoscaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.StorageVersion;
import java.util.List;

/**
 * autoscaling/v1 HorizontalPodAutoscalers over the autoscaling/v2 storage version, as upstream's
 * pkg/apis/autoscaling/v1 conversion: v1 keeps only a CPU utilization target and current value, so
 * everything else v2 has — other metrics, all current metrics, conditions, behavior — travels in
 * annotations of a v1 object ({@code autoscaling.alpha.kubernetes.io/metrics}, {@code
 * current-metrics}, {@code conditions}, {@code behavior}) and is taken back out of them when a v1
 * object is written. The annotations hold what Go's json.Marshal makes of upstream's types: v1
 * metric types for metrics and conditions, and the internal (untagged, so capitalised) behavior.
 */
public final class HorizontalPodAutoscalerConversion implements StorageVersion.Converter {
    public static final String METRICS = "autoscaling.alpha.kubernetes.io/metrics";
    public static final String CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics";
    public static final String CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
    public static final String BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";
    private static final List<String> ROUND_TRIP = List.of(METRICS, BEHAVIOR, CURRENT_METRICS, CONDITIONS);
    /** autoscaling/v1's implicit target when an HPA names none. */
    private static final int DEFAULT_CPU_UTILIZATION = 80;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final HorizontalPodAutoscalerConversion CONVERSION = new HorizontalPodAutoscalerConversion();

    /** autoscaling/v1 served over autoscaling/v2 storage. */
    public static final StorageVersion V1 = new StorageVersion("autoscaling/v2", CONVERSION, java.util.Map.of("autoscaling/v1", CONVERSION));

    /** autoscaling/v2 is the storage version; objects older servers stored as v1 are read too. */
    public static final StorageVersion V2 = new StorageVersion("autoscaling/v2", StorageVersion.Converter.IDENTITY,
            java.util.Map.of("autoscaling/v1", CONVERSION));

    /** v1 → v2 (Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler). */
    @Override
    public ObjectNode toStorage(ObjectNode v1) {
        ObjectNode v2 = header("autoscaling/v2");
        ObjectNode meta = v1.path("metadata").isObject() ? v1.get("metadata").deepCopy() : NODES.objectNode();
        JsonNode annotations = meta.path("annotations");
        v2.set("metadata", meta);
        copyUnknown(v1, v2);
        JsonNode spec = v1.path("spec");
        ObjectNode outSpec = v2.putObject("spec");
        outSpec.set("scaleTargetRef", reference(spec.path("scaleTargetRef")));
        copy(spec, outSpec, "minReplicas");
        outSpec.put("maxReplicas", spec.path("maxReplicas").asInt());
        ArrayNode metrics = NODES.arrayNode();
        JsonNode other = parse(annotations.path(METRICS));
        if (other.isArray()) {
            other.forEach(metric -> metrics.add(metricToV2(metric)));
        }
        if (spec.path("targetCPUUtilizationPercentage").isNumber()) {
            metrics.add(cpuTarget(spec.path("targetCPUUtilizationPercentage").asInt()));
        }
        if (metrics.isEmpty()) {
            metrics.add(cpuTarget(DEFAULT_CPU_UTILIZATION));
        }
        outSpec.set("metrics", metrics);
        JsonNode behavior = parse(annotations.path(BEHAVIOR));
        ObjectNode v2Behavior = behavior.isObject() ? behaviorToV2(behavior) : null;
        if (v2Behavior != null && !v2Behavior.isEmpty()) {
            outSpec.set("behavior", v2Behavior);
        }
        if (v1.has("status")) {
            JsonNode status = v1.path("status");
            ObjectNode outStatus = v2.putObject("status");
            copy(status, outStatus, "observedGeneration");
            copy(status, outStatus, "lastScaleTime");
            if (status.path("currentReplicas").asInt() != 0) {
                outStatus.put("currentReplicas", status.path("currentReplicas").asInt());
            }
            outStatus.put("desiredReplicas", status.path("desiredReplicas").asInt());
            JsonNode current = parse(annotations.path(CURRENT_METRICS));
            if (current.isArray()) {
                ArrayNode statuses = outStatus.putArray("currentMetrics");
                current.forEach(metric -> statuses.add(metricStatusToV2(metric)));
            } else if (status.path("currentCPUUtilizationPercentage").isNumber()) {
                ObjectNode cpu = outStatus.putArray("currentMetrics").addObject();
                cpu.put("type", "Resource");
                ObjectNode resource = cpu.putObject("resource");
                resource.put("name", "cpu");
                resource.putObject("current").put("averageUtilization", status.path("currentCPUUtilizationPercentage").asInt());
            } else {
                outStatus.putNull("currentMetrics");
            }
            JsonNode conditions = parse(annotations.path(CONDITIONS));
            if (conditions.isArray() && !conditions.isEmpty()) {
                outStatus.set("conditions", conditions);
            }
        }
        dropRoundTrip(meta);
        return v2;
    }

    /** v2 → v1 (Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler). */
    @Override
    public ObjectNode fromStorage(ObjectNode v2) {
        ObjectNode v1 = header("autoscaling/v1");
        ObjectNode meta = v2.path("metadata").isObject() ? v2.get("metadata").deepCopy() : NODES.objectNode();
        dropRoundTrip(meta);
        v1.set("metadata", meta);
        copyUnknown(v2, v1);
        JsonNode spec = v2.path("spec");
        ObjectNode outSpec = v1.putObject("spec");
        outSpec.set("scaleTargetRef", reference(spec.path("scaleTargetRef")));
        copy(spec, outSpec, "minReplicas");
        outSpec.put("maxReplicas", spec.path("maxReplicas").asInt());
        ArrayNode otherMetrics = NODES.arrayNode();
        boolean cpuSeen = false;
        for (JsonNode metric : spec.path("metrics")) {
            JsonNode resource = metric.path("resource");
            boolean cpu = metric.path("type").asText().equals("Resource") && resource.isObject()
                    && resource.path("name").asText().equals("cpu");
            if (cpu && !cpuSeen) {
                cpuSeen = true; // only the first CPU metric maps to the v1 field
                if (resource.path("target").path("averageUtilization").isNumber()) {
                    outSpec.put("targetCPUUtilizationPercentage", resource.path("target").path("averageUtilization").asInt());
                }
            }
            if (cpu && resource.path("target").path("averageUtilization").isNumber()) {
                continue;
            }
            otherMetrics.add(metricToV1(metric));
        }
        JsonNode status = v2.path("status");
        if (v2.has("status")) {
            ObjectNode outStatus = v1.putObject("status");
            copy(status, outStatus, "observedGeneration");
            copy(status, outStatus, "lastScaleTime");
            outStatus.put("currentReplicas", status.path("currentReplicas").asInt());
            outStatus.put("desiredReplicas", status.path("desiredReplicas").asInt());
            for (JsonNode metric : status.path("currentMetrics")) {
                JsonNode resource = metric.path("resource");
                if (metric.path("type").asText().equals("Resource") && resource.path("name").asText().equals("cpu")
                        && resource.path("current").path("averageUtilization").isNumber()) {
                    outStatus.put("currentCPUUtilizationPercentage", resource.path("current").path("averageUtilization").asInt());
                }
            }
        }
        ArrayNode currentMetrics = NODES.arrayNode();
        status.path("currentMetrics").forEach(metric -> currentMetrics.add(metricStatusToV1(metric)));
        ArrayNode conditions = NODES.arrayNode();
        for (JsonNode condition : status.path("conditions")) {
            ObjectNode c = conditions.addObject();
            c.set("type", condition.path("type"));
            c.set("status", condition.path("status"));
            c.set("lastTransitionTime", condition.hasNonNull("lastTransitionTime") ? condition.get("lastTransitionTime") : NODES.nullNode());
            putText(c, "reason", condition.path("reason"));
            putText(c, "message", condition.path("message"));
        }
        ObjectNode annotations = null;
        if (!otherMetrics.isEmpty() || !currentMetrics.isEmpty() || !conditions.isEmpty() || spec.path("behavior").isObject()) {
            annotations = meta.with("annotations");
        }
        if (!otherMetrics.isEmpty()) {
            annotations.put(METRICS, goJson(otherMetrics));
        }
        if (!currentMetrics.isEmpty()) {
            annotations.put(CURRENT_METRICS, goJson(currentMetrics));
        }
        if (!conditions.isEmpty()) {
            annotations.put(CONDITIONS, goJson(conditions));
        }
        if (spec.path("behavior").isObject()) {
            annotations.put(BEHAVIOR, goJson(behaviorToInternal(spec.path("behavior"))));
        }
        return v1;
    }

    // ---- metrics ----

    private static ObjectNode metricToV1(JsonNode metric) {
        ObjectNode out = NODES.objectNode();
        String type = metric.path("type").asText();
        out.put("type", type);
        JsonNode object = metric.path("object");
        if (object.isObject()) {
            ObjectNode o = out.putObject("object");
            o.set("target", reference(object.path("describedObject")));
            o.put("metricName", object.path("metric").path("name").asText());
            o.set("targetValue", quantity(object.path("target").path("value")));
            copy(object.path("metric"), o, "selector");
            copy(object.path("target"), o, "averageValue", "averageValue");
        }
        JsonNode pods = metric.path("pods");
        if (pods.isObject()) {
            ObjectNode o = out.putObject("pods");
            o.put("metricName", pods.path("metric").path("name").asText());
            o.set("targetAverageValue", quantity(pods.path("target").path("averageValue")));
            copy(pods.path("metric"), o, "selector");
        }
        for (String kind : List.of("resource", "containerResource")) {
            JsonNode resource = metric.path(kind);
            if (resource.isObject()) {
                ObjectNode o = out.putObject(kind);
                o.put("name", resource.path("name").asText());
                copy(resource.path("target"), o, "averageUtilization", "targetAverageUtilization");
                copy(resource.path("target"), o, "averageValue", "targetAverageValue");
                if (kind.equals("containerResource")) {
                    o.put("container", resource.path("container").asText());
                }
            }
        }
        JsonNode external = metric.path("external");
        if (external.isObject()) {
            ObjectNode o = out.putObject("external");
            o.put("metricName", external.path("metric").path("name").asText());
            copy(external.path("metric"), o, "selector", "metricSelector");
            copy(external.path("target"), o, "value", "targetValue");
            copy(external.path("target"), o, "averageValue", "targetAverageValue");
        }
        return out;
    }

    private static ObjectNode metricToV2(JsonNode metric) {
        ObjectNode out = NODES.objectNode();
        out.put("type", metric.path("type").asText());
        JsonNode object = metric.path("object");
        if (object.isObject()) {
            ObjectNode o = out.putObject("object");
            o.set("describedObject", reference(object.path("target")));
            ObjectNode target = o.putObject("target");
            target.put("type", object.has("averageValue") && !object.get("averageValue").isNull() ? "AverageValue" : "Value");
            target.set("value", quantity(object.path("targetValue")));
            copy(object, target, "averageValue");
            o.set("metric", identifier(object.path("metricName"), object.path("selector")));
        }
        JsonNode pods = metric.path("pods");
        if (pods.isObject()) {
            ObjectNode o = out.putObject("pods");
            o.set("metric", identifier(pods.path("metricName"), pods.path("selector")));
            ObjectNode target = o.putObject("target");
            target.put("type", "AverageValue");
            target.set("averageValue", quantity(pods.path("targetAverageValue")));
        }
        for (String kind : List.of("resource", "containerResource")) {
            JsonNode resource = metric.path(kind);
            if (resource.isObject()) {
                ObjectNode o = out.putObject(kind);
                o.put("name", resource.path("name").asText());
                ObjectNode target = o.putObject("target");
                boolean utilization = resource.path("targetAverageUtilization").isNumber();
                target.put("type", utilization ? "Utilization" : "AverageValue");
                copy(resource, target, "targetAverageValue", "averageValue");
                copy(resource, target, "targetAverageUtilization", "averageUtilization");
                if (kind.equals("containerResource")) {
                    o.put("container", resource.path("container").asText());
                }
            }
        }
        JsonNode external = metric.path("external");
        if (external.isObject()) {
            ObjectNode o = out.putObject("external");
            o.set("metric", identifier(external.path("metricName"), external.path("metricSelector")));
            ObjectNode target = o.putObject("target");
            target.put("type", external.hasNonNull("targetValue") ? "Value" : "AverageValue");
            copy(external, target, "targetValue", "value");
            copy(external, target, "targetAverageValue", "averageValue");
        }
        return out;
    }

    private static ObjectNode metricStatusToV1(JsonNode metric) {
        ObjectNode out = NODES.objectNode();
        out.put("type", metric.path("type").asText());
        JsonNode object = metric.path("object");
        if (object.isObject()) {
            ObjectNode o = out.putObject("object");
            o.set("target", reference(object.path("describedObject")));
            o.put("metricName", object.path("metric").path("name").asText());
            o.set("currentValue", quantity(object.path("current").path("value")));
            copy(object.path("metric"), o, "selector");
            copy(object.path("current"), o, "averageValue");
        }
        JsonNode pods = metric.path("pods");
        if (pods.isObject()) {
            ObjectNode o = out.putObject("pods");
            o.put("metricName", pods.path("metric").path("name").asText());
            o.set("currentAverageValue", quantity(pods.path("current").path("averageValue")));
            copy(pods.path("metric"), o, "selector");
        }
        for (String kind : List.of("resource", "containerResource")) {
            JsonNode resource = metric.path(kind);
            if (resource.isObject()) {
                ObjectNode o = out.putObject(kind);
                o.put("name", resource.path("name").asText());
                copy(resource.path("current"), o, "averageUtilization", "currentAverageUtilization");
                o.set("currentAverageValue", quantity(resource.path("current").path("averageValue")));
                if (kind.equals("containerResource")) {
                    o.put("container", resource.path("container").asText());
                }
            }
        }
        JsonNode external = metric.path("external");
        if (external.isObject()) {
            ObjectNode o = out.putObject("external");
            o.put("metricName", external.path("metric").path("name").asText());
            copy(external.path("metric"), o, "selector", "metricSelector");
            o.set("currentValue", quantity(external.path("current").path("value")));
            copy(external.path("current"), o, "averageValue", "currentAverageValue");
        }
        return out;
    }

    private static ObjectNode metricStatusToV2(JsonNode metric) {
        ObjectNode out = NODES.objectNode();
        out.put("type", metric.path("type").asText());
        JsonNode object = metric.path("object");
        if (object.isObject()) {
            ObjectNode o = out.putObject("object");
            o.set("metric", identifier(object.path("metricName"), object.path("selector")));
            ObjectNode current = o.putObject("current");
            current.set("value", quantity(object.path("currentValue")));
            copy(object, current, "averageValue");
            o.set("describedObject", reference(object.path("target")));
        }
        JsonNode pods = metric.path("pods");
        if (pods.isObject()) {
            ObjectNode o = out.putObject("pods");
            o.set("metric", identifier(pods.path("metricName"), pods.path("selector")));
            o.putObject("current").set("averageValue", quantity(pods.path("currentAverageValue")));
        }
        for (String kind : List.of("resource", "containerResource")) {
            JsonNode resource = metric.path(kind);
            if (resource.isObject()) {
                ObjectNode o = out.putObject(kind);
                o.put("name", resource.path("name").asText());
                ObjectNode current = o.putObject("current");
                current.set("averageValue", quantity(resource.path("currentAverageValue")));
                copy(resource, current, "currentAverageUtilization", "averageUtilization");
                if (kind.equals("containerResource")) {
                    o.put("container", resource.path("container").asText());
                }
            }
        }
        JsonNode external = metric.path("external");
        if (external.isObject()) {
            ObjectNode o = out.putObject("external");
            o.set("metric", identifier(external.path("metricName"), external.path("metricSelector")));
            ObjectNode current = o.putObject("current");
            current.set("value", quantity(external.path("currentValue")));
            copy(external, current, "currentAverageValue", "averageValue");
        }
        return out;
    }

    private static ObjectNode cpuTarget(int utilization) {
        ObjectNode metric = NODES.objectNode();
        metric.put("type", "Resource");
        ObjectNode resource = metric.putObject("resource");
        resource.put("name", "cpu");
        ObjectNode target = resource.putObject("target");
        target.put("type", "Utilization");
        target.put("averageUtilization", utilization);
        return metric;
    }

    // ---- behavior: the annotation holds upstream's internal type, whose fields have no JSON tags ----

    private static ObjectNode behaviorToInternal(JsonNode behavior) {
        ObjectNode out = NODES.objectNode();
        out.set("ScaleUp", rulesToInternal(behavior.path("scaleUp")));
        out.set("ScaleDown", rulesToInternal(behavior.path("scaleDown")));
        return out;
    }

    private static JsonNode rulesToInternal(JsonNode rules) {
        if (!rules.isObject()) {
            return NODES.nullNode();
        }
        ObjectNode out = NODES.objectNode();
        out.set("StabilizationWindowSeconds", rules.path("stabilizationWindowSeconds").isNumber()
                ? rules.get("stabilizationWindowSeconds") : NODES.nullNode());
        out.set("SelectPolicy", rules.path("selectPolicy").isTextual() ? rules.get("selectPolicy") : NODES.nullNode());
        if (rules.path("policies").isArray()) {
            ArrayNode policies = out.putArray("Policies");
            for (JsonNode policy : rules.path("policies")) {
                ObjectNode p = policies.addObject();
                p.put("Type", policy.path("type").asText());
                p.put("Value", policy.path("value").asInt());
                p.put("PeriodSeconds", policy.path("periodSeconds").asInt());
            }
        } else {
            out.putNull("Policies");
        }
        out.set("Tolerance", rules.hasNonNull("tolerance") ? rules.get("tolerance") : NODES.nullNode());
        return out;
    }

    /** The annotation back into a v2 behavior; null unless it is well formed (upstream ignores it then). */
    private static ObjectNode behaviorToV2(JsonNode internal) {
        ObjectNode out = NODES.objectNode();
        for (String[] names : new String[][] {{"ScaleUp", "scaleUp"}, {"ScaleDown", "scaleDown"}}) {
            JsonNode rules = internal.path(names[0]);
            if (rules.isNull() || rules.isMissingNode()) {
                continue;
            }
            if (!rules.isObject()) {
                return null;
            }
            ObjectNode r = out.putObject(names[1]);
            copy(rules, r, "StabilizationWindowSeconds", "stabilizationWindowSeconds");
            copy(rules, r, "SelectPolicy", "selectPolicy");
            if (rules.path("Policies").isArray()) {
                ArrayNode policies = r.putArray("policies");
                for (JsonNode policy : rules.path("Policies")) {
                    ObjectNode p = policies.addObject();
                    p.put("type", policy.path("Type").asText());
                    p.put("value", policy.path("Value").asInt());
                    p.put("periodSeconds", policy.path("PeriodSeconds").asInt());
                }
            }
            copy(rules, r, "Tolerance", "tolerance");
        }
        return out;
    }

    // ---- helpers ----

    private static ObjectNode header(String apiVersion) {
        ObjectNode out = NODES.objectNode();
        out.put("apiVersion", apiVersion);
        out.put("kind", "HorizontalPodAutoscaler");
        return out;
    }

    /** Fields beyond spec and status the object carries (unknown ones are kept as sent, as everywhere in kj). */
    private static void copyUnknown(JsonNode from, ObjectNode to) {
        from.properties().forEach(e -> {
            if (!List.of("apiVersion", "kind", "metadata", "spec", "status").contains(e.getKey())) {
                to.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    private static void dropRoundTrip(ObjectNode meta) {
        if (meta.path("annotations").isObject()) {
            ObjectNode annotations = (ObjectNode) meta.get("annotations");
            annotations.remove(ROUND_TRIP);
            if (annotations.isEmpty()) {
                meta.remove("annotations");
            }
        }
    }

    private static ObjectNode reference(JsonNode ref) {
        ObjectNode out = NODES.objectNode();
        out.put("kind", ref.path("kind").asText());
        out.put("name", ref.path("name").asText());
        putText(out, "apiVersion", ref.path("apiVersion"));
        return out;
    }

    private static ObjectNode identifier(JsonNode name, JsonNode selector) {
        ObjectNode out = NODES.objectNode();
        out.put("name", name.asText());
        if (selector.isObject()) {
            out.set("selector", selector.deepCopy());
        }
        return out;
    }

    /** A non-pointer resource.Quantity: a missing one marshals as "0". */
    private static JsonNode quantity(JsonNode value) {
        return value.isValueNode() && !value.isNull() ? value.deepCopy() : NODES.textNode("0");
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        copy(from, to, field, field);
    }

    private static void copy(JsonNode from, ObjectNode to, String field, String as) {
        if (from.hasNonNull(field)) {
            to.set(as, from.get(field).deepCopy());
        }
    }

    private static void putText(ObjectNode to, String field, JsonNode value) {
        if (value.isTextual() && !value.asText().isEmpty()) {
            to.set(field, value);
        }
    }

    private static JsonNode parse(JsonNode annotation) {
        if (!annotation.isTextual()) {
            return NODES.missingNode();
        }
        try {
            return JSON.readTree(annotation.asText());
        } catch (JsonProcessingException e) {
            return NODES.missingNode(); // malformed round-trip data is ignored
        }
    }

    /** Go's json.Marshal text: compact, with &lt;, &gt; and &amp; escaped as it does. */
    static String goJson(JsonNode node) {
        try {
            return JSON.writeValueAsString(node).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                    .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
