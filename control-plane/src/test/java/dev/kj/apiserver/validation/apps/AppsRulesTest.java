package dev.kj.apiserver.validation.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.KindRules;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** apps/v1 workloads defaulted and validated as upstream's apps/v1 defaults and apps validation. */
class AppsRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMPLATE = "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":"
            + "{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\"}]}}";

    static ObjectNode object(String spec) {
        try {
            return (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"d\"},\"spec\":" + spec + "}");
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<String> problems(KindRules rules, String spec) {
        ObjectNode object = object(spec);
        rules.setDefaults(object);
        return rules.validate(object).stream().map(FieldError::toString).toList();
    }

    @Test
    void deploymentDefaults() throws Exception {
        ObjectNode deployment = object("{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}," + TEMPLATE + "}");
        AppsRules.DEPLOYMENT.setDefaults(deployment);
        assertEquals(JSON.readTree("{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
                + "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\","
                + "\"imagePullPolicy\":\"IfNotPresent\",\"terminationMessagePath\":\"/dev/termination-log\","
                + "\"terminationMessagePolicy\":\"File\"}],\"dnsPolicy\":\"ClusterFirst\",\"restartPolicy\":\"Always\","
                + "\"securityContext\":{},\"terminationGracePeriodSeconds\":30,\"schedulerName\":\"default-scheduler\"}},"
                + "\"replicas\":1,\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\","
                + "\"maxSurge\":\"25%\"}},\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600}"), deployment.get("spec"));
        assertEquals(List.of(), AppsRules.DEPLOYMENT.validate(deployment));
    }

    @Test
    void otherWorkloadDefaults() throws Exception {
        ObjectNode daemonSet = object("{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}," + TEMPLATE + "}");
        AppsRules.DAEMON_SET.setDefaults(daemonSet);
        assertEquals(JSON.readTree("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,\"maxSurge\":0}}"),
                daemonSet.path("spec").get("updateStrategy"));
        assertEquals(10, daemonSet.path("spec").path("revisionHistoryLimit").asInt());
        assertEquals(List.of(), AppsRules.DAEMON_SET.validate(daemonSet));

        ObjectNode statefulSet = object("{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"serviceName\":\"web\","
                + TEMPLATE + ",\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{}}]}");
        AppsRules.STATEFUL_SET.setDefaults(statefulSet);
        assertEquals(JSON.readTree("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}"),
                statefulSet.path("spec").get("updateStrategy"));
        assertEquals("OrderedReady", statefulSet.path("spec").path("podManagementPolicy").asText());
        assertEquals(JSON.readTree("{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}"),
                statefulSet.path("spec").get("persistentVolumeClaimRetentionPolicy"));
        assertEquals(JSON.readTree("{\"metadata\":{\"name\":\"data\"},\"spec\":{\"volumeMode\":\"Filesystem\"},"
                + "\"status\":{\"phase\":\"Pending\"}}"), statefulSet.path("spec").path("volumeClaimTemplates").get(0));
        assertEquals(List.of(), AppsRules.STATEFUL_SET.validate(statefulSet));

        ObjectNode replicaSet = object("{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}," + TEMPLATE + "}");
        AppsRules.REPLICA_SET.setDefaults(replicaSet);
        assertEquals(1, replicaSet.path("spec").path("replicas").asInt());
    }

    record Case(String name, KindRules rules, String spec, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a deployment needs a selector and containers", AppsRules.DEPLOYMENT, "{}",
                        List.of("spec.selector: Required value", "spec.template.spec.containers: Required value")),
                new Case("the selector must match the template's labels", AppsRules.DEPLOYMENT,
                        "{\"selector\":{\"matchLabels\":{\"app\":\"api\"}}," + TEMPLATE + "}",
                        List.of("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}:"
                                + " `selector` does not match template `labels`")),
                new Case("a deployment's container without a name", AppsRules.DEPLOYMENT,
                        "{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":"
                                + "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"image\":\"nginx\"}]}}}",
                        List.of("spec.template.spec.containers[0].name: Required value")),
                new Case("an empty selector", AppsRules.DEPLOYMENT, "{\"selector\":{}," + TEMPLATE + "}",
                        List.of("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil),"
                                + " MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for"
                                + " deployment")),
                new Case("pods of a deployment always restart", AppsRules.DEPLOYMENT,
                        "{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":"
                                + "{\"app\":\"web\"}},\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
                                + "\"image\":\"x\"}]}}}",
                        List.of("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values:"
                                + " \"Always\"")),
                new Case("rolling update bounds", AppsRules.DEPLOYMENT, "{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
                        + TEMPLATE + ",\"replicas\":-1,\"strategy\":{\"rollingUpdate\":{\"maxUnavailable\":0,\"maxSurge\":"
                        + "\"x\"}},\"progressDeadlineSeconds\":0}",
                        List.of("spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                                "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0,"
                                        + " StrVal:\"x\"}: a valid percent string must be a numeric string followed by an"
                                        + " ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                                "spec.progressDeadlineSeconds: Invalid value: 0: must be greater than minReadySeconds")),
                new Case("recreate with rolling parameters", AppsRules.DEPLOYMENT, "{\"selector\":{\"matchLabels\":"
                        + "{\"app\":\"web\"}}," + TEMPLATE + ",\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":{}}}",
                        List.of("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is"
                                + " 'Recreate'")),
                new Case("selector expressions", AppsRules.REPLICA_SET, "{\"selector\":{\"matchExpressions\":[{\"key\":"
                        + "\"app\",\"operator\":\"In\"},{\"key\":\"tier\",\"operator\":\"Near\"}]}," + TEMPLATE + "}",
                        List.of("spec.selector.matchExpressions[0].values: Required value: must be specified when"
                                        + " `operator` is 'In' or 'NotIn'",
                                "spec.selector.matchExpressions[1].operator: Invalid value: \"Near\": not a valid selector"
                                        + " operator",
                                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}:"
                                        + " `selector` does not match template `labels`")),
                new Case("a daemon set without a selector matches nothing", AppsRules.DAEMON_SET, "{" + TEMPLATE + "}",
                        List.of("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}:"
                                + " `selector` does not match template `labels`")),
                new Case("a stateful set's policies", AppsRules.STATEFUL_SET, "{\"selector\":{\"matchLabels\":"
                        + "{\"app\":\"web\"}}," + TEMPLATE + ",\"podManagementPolicy\":\"Random\"}",
                        List.of("spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or"
                                + " 'Parallel'")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validation(Case c) {
        assertEquals(c.expected(), problems(c.rules(), c.spec()));
    }

    @Test
    void selectorsCannotChange() {
        ObjectNode old = object("{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}," + TEMPLATE + "}");
        ObjectNode changed = object("{\"selector\":{\"matchLabels\":{\"app\":\"web\",\"v\":\"2\"}}," + TEMPLATE + "}");
        for (KindRules rules : List.of(AppsRules.DEPLOYMENT, AppsRules.REPLICA_SET, AppsRules.DAEMON_SET)) {
            assertEquals(List.of("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":"
                    + "\"web\", \"v\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"),
                    rules.validateUpdate(changed, old).stream().map(FieldError::toString).toList());
            assertEquals(List.of(), rules.validateUpdate(old.deepCopy(), old));
        }
        ObjectNode renamedService = old.deepCopy();
        ((ObjectNode) renamedService.path("spec")).put("serviceName", "other");
        assertEquals(List.of("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals',"
                + " 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are"
                + " forbidden"), AppsRules.STATEFUL_SET.validateUpdate(renamedService, old).stream()
                .map(FieldError::toString).toList());
    }
}
