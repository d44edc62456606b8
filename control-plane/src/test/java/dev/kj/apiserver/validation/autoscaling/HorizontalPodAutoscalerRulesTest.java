package dev.kj.apiserver.validation.autoscaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** autoscaling/v2 HPAs: defaults and upstream's field paths and texts (pkg/apis/autoscaling/validation). */
class HorizontalPodAutoscalerRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HorizontalPodAutoscalerRules RULES = new HorizontalPodAutoscalerRules();
    private static final String TARGET = "\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"}";

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    record Case(String name, String spec, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("valid", "{" + TARGET + ",\"minReplicas\":1,\"maxReplicas\":3}", List.of()),
                new Case("replica bounds", "{" + TARGET + ",\"minReplicas\":5,\"maxReplicas\":2}",
                        List.of("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`")),
                new Case("zero replicas", "{" + TARGET + ",\"minReplicas\":0,\"maxReplicas\":0}",
                        List.of("spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                                "spec.maxReplicas: Invalid value: 0: must be greater than 0",
                                "spec.metrics: Forbidden: must specify at least one Object or External metric to support"
                                        + " scaling to zero replicas")),
                new Case("target reference", "{\"scaleTargetRef\":{\"kind\":\"..\"},\"maxReplicas\":1}",
                        List.of("spec.scaleTargetRef.kind: Invalid value: \"..\": may not be '..'",
                                "spec.scaleTargetRef.name: Required value")),
                new Case("metric types", "{" + TARGET + ",\"maxReplicas\":1,\"metrics\":[{\"type\":\"Pods\"},"
                        + "{\"type\":\"Gpu\"},{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":"
                        + "{\"type\":\"Utilization\",\"averageUtilization\":0}},\"pods\":{}}]}",
                        List.of("spec.metrics[0].pods: Required value: must populate information for the given metric source",
                                "spec.metrics[1].type: Unsupported value: \"Gpu\": supported values: \"ContainerResource\","
                                        + " \"External\", \"Object\", \"Pods\", \"Resource\"",
                                // upstream says it twice too; the 422 drops the repeat
                                "spec.metrics[1].type: Unsupported value: \"Gpu\": supported values: \"ContainerResource\","
                                        + " \"External\", \"Object\", \"Pods\", \"Resource\"",
                                "spec.metrics[2].pods.metric.name: Required value: must specify a metric name",
                                "spec.metrics[2].pods.target.type: Required value: must specify a metric target type",
                                "spec.metrics[2].pods.target.type: Invalid value: \"\": must be either Utilization, Value,"
                                        + " or AverageValue",
                                "spec.metrics[2].pods.target.averageValue: Required value: must specify a positive target"
                                        + " averageValue",
                                "spec.metrics[2].pods: Forbidden: must populate the given metric source only")),
                new Case("resource targets", "{" + TARGET + ",\"maxReplicas\":1,\"metrics\":[{\"type\":\"Resource\","
                        + "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":0}}},"
                        + "{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"gpu\",\"container\":\"App\","
                        + "\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"1\",\"averageUtilization\":50}}}]}",
                        List.of("spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0",
                                "spec.metrics[1].containerResource.name: Invalid value: \"gpu\": must be a standard"
                                        + " resource for containers",
                                "spec.metrics[1].containerResource.container: Invalid value: \"App\": a lowercase RFC 1123"
                                        + " label must consist of lower case alphanumeric characters or '-', and must start"
                                        + " and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex"
                                        + " used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                                "spec.metrics[1].containerResource.target.averageValue: Forbidden: may not set both a target"
                                        + " raw value and a target utilization")),
                new Case("external and object", "{" + TARGET + ",\"maxReplicas\":1,\"metrics\":[{\"type\":\"External\","
                        + "\"external\":{\"metric\":{\"name\":\"q/len\"},\"target\":{\"type\":\"Value\",\"value\":\"1\","
                        + "\"averageValue\":\"2\"}}},{\"type\":\"Object\",\"object\":{\"describedObject\":{\"kind\":\"Service\","
                        + "\"name\":\"s\"},\"metric\":{\"name\":\"rps\"},\"target\":{\"type\":\"Value\"}}}]}",
                        List.of("spec.metrics[0].external.metric.name: Invalid value: \"q/len\": may not contain '/'",
                                "spec.metrics[0].external.target.value: Forbidden: may not set both a target value for"
                                        + " metric and a per-pod target",
                                "spec.metrics[1].object.target.averageValue: Required value: must set either a target value"
                                        + " or averageValue")),
                new Case("behavior", "{" + TARGET + ",\"maxReplicas\":1,\"behavior\":{\"scaleUp\":{"
                        + "\"stabilizationWindowSeconds\":4000,\"selectPolicy\":\"Fastest\",\"policies\":[{\"type\":\"Nodes\","
                        + "\"value\":0,\"periodSeconds\":2000}]},\"scaleDown\":{\"stabilizationWindowSeconds\":-1,"
                        + "\"policies\":[]}}}",
                        List.of("spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than"
                                        + " or equal to 3600",
                                "spec.behavior.scaleUp.selectPolicy: Unsupported value: \"Fastest\": supported values:"
                                        + " \"Disabled\", \"Max\", \"Min\"",
                                "spec.behavior.scaleUp.policies[0].type: Unsupported value: \"Nodes\": supported values:"
                                        + " \"Percent\", \"Pods\"",
                                "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
                                "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or"
                                        + " equal to 1800",
                                "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater"
                                        + " than or equal to zero",
                                "spec.behavior.scaleDown.policies: Required value: must specify at least one Policy")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesAsUpstream(Case c) {
        ObjectNode hpa = object("{\"spec\":" + c.spec() + "}");
        RULES.setDefaults(hpa);
        assertEquals(c.expected(), RULES.validate(hpa).stream().map(FieldError::toString).toList());
    }

    @Test
    void defaultsAsAutoscalingV2() {
        ObjectNode hpa = object("{\"spec\":{" + TARGET + ",\"maxReplicas\":3,\"behavior\":{\"scaleDown\":"
                + "{\"stabilizationWindowSeconds\":60}}}}");
        RULES.setDefaults(hpa);
        assertEquals(object("{" + TARGET + ",\"maxReplicas\":3,\"minReplicas\":1,\"metrics\":[{\"type\":\"Resource\","
                + "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":80}}}],"
                + "\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":60,\"selectPolicy\":\"Max\",\"policies\":"
                + "[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]},\"scaleUp\":{\"stabilizationWindowSeconds\":0,"
                + "\"selectPolicy\":\"Max\",\"policies\":[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},"
                + "{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]}}}"), hpa.get("spec"));
    }
}
