package dev.kj.apiserver.validation.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pods defaulted and validated as upstream's v1 defaults and ValidatePod, with its texts. */
class PodRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PodRules RULES = new PodRules();

    static ObjectNode pod(String spec) {
        try {
            return (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"p\"},\"spec\":" + spec + "}");
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The problems of a pod after defaulting, as their messages. */
    static List<String> problems(ObjectNode pod) {
        RULES.setDefaults(pod);
        return RULES.validate(pod).stream().map(FieldError::toString).toList();
    }

    @Test
    void defaultsAsUpstreamsV1() throws Exception {
        ObjectNode pod = pod("{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],"
                + "\"resources\":{\"limits\":{\"cpu\":\"1\"}},\"livenessProbe\":{\"httpGet\":{\"port\":80}},"
                + "\"env\":[{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}}]},"
                + "{\"name\":\"pinned\",\"image\":\"nginx:1.27\"},{\"name\":\"digest\",\"image\":\"nginx@sha256:abc\"},"
                + "{\"name\":\"registry\",\"image\":\"localhost:5000/app\"}],"
                + "\"volumes\":[{\"name\":\"scratch\"},{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}}]}");
        RULES.setDefaults(pod);
        assertEquals(JSON.readTree("{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80,"
                + "\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"1\"},\"requests\":{\"cpu\":\"1\"}},"
                + "\"livenessProbe\":{\"httpGet\":{\"port\":80,\"path\":\"/\",\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,"
                + "\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3},\"env\":[{\"name\":\"NODE\","
                + "\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\",\"apiVersion\":\"v1\"}}}],"
                + "\"imagePullPolicy\":\"Always\",\"terminationMessagePath\":\"/dev/termination-log\","
                + "\"terminationMessagePolicy\":\"File\"},"
                + "{\"name\":\"pinned\",\"image\":\"nginx:1.27\",\"imagePullPolicy\":\"IfNotPresent\","
                + "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\"},"
                + "{\"name\":\"digest\",\"image\":\"nginx@sha256:abc\",\"imagePullPolicy\":\"IfNotPresent\","
                + "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\"},"
                + "{\"name\":\"registry\",\"image\":\"localhost:5000/app\",\"imagePullPolicy\":\"Always\","
                + "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\"}],"
                + "\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{}},{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\","
                + "\"defaultMode\":420}}],\"enableServiceLinks\":true,\"dnsPolicy\":\"ClusterFirst\","
                + "\"restartPolicy\":\"Always\",\"securityContext\":{},\"terminationGracePeriodSeconds\":30,"
                + "\"schedulerName\":\"default-scheduler\"}"), pod.get("spec"));
        assertEquals(List.of(), RULES.validate(pod));
    }

    @Test
    void imageTags() {
        assertEquals("latest", PodSpecs.imageTag("nginx"));
        assertEquals("latest", PodSpecs.imageTag("nginx:latest"));
        assertEquals("1.27", PodSpecs.imageTag("docker.io/library/nginx:1.27"));
        assertEquals("", PodSpecs.imageTag("nginx@sha256:abc"));
        assertEquals("", PodSpecs.imageTag("Nginx"));
        assertEquals("latest", PodSpecs.imageTag("registry.example.com:5000/team/app"));
    }

    record Case(String name, String spec, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("no containers", "{\"containers\":[]}", List.of("spec.containers: Required value")),
                new Case("a container without name or image", "{\"containers\":[{}]}",
                        List.of("spec.containers[0].name: Required value", "spec.containers[0].image: Required value")),
                new Case("container names are DNS labels", "{\"containers\":[{\"name\":\"Web\",\"image\":\"x\"}]}",
                        List.of("spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist"
                                + " of lower case alphanumeric characters or '-', and must start and end with an"
                                + " alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is"
                                + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")),
                new Case("duplicate container names", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"a\","
                        + "\"image\":\"y\"}]}", List.of("spec.containers[1].name: Duplicate value: \"a\"")),
                new Case("an init container named like a container", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}],"
                        + "\"initContainers\":[{\"name\":\"a\",\"image\":\"y\"}]}",
                        List.of("spec.initContainers[0].name: Duplicate value: \"a\"")),
                new Case("ports", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"ports\":[{\"containerPort\":0},"
                        + "{\"containerPort\":70000,\"name\":\"8080\",\"protocol\":\"ICMP\"}]}]}",
                        List.of("spec.containers[0].ports[0].containerPort: Required value",
                                "spec.containers[0].ports[1].name: Invalid value: \"8080\": must contain at least one letter (a-z)",
                                "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and"
                                        + " 65535, inclusive",
                                "spec.containers[0].ports[1].protocol: Unsupported value: \"ICMP\": supported values:"
                                        + " \"SCTP\", \"TCP\", \"UDP\"")),
                new Case("env names", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"env\":[{\"value\":\"v\"},"
                        + "{\"name\":\"A=B\"}]}]}",
                        List.of("spec.containers[0].env[0].name: Required value",
                                "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable"
                                        + " name must consist only of printable ASCII characters other than '='")),
                new Case("a mount of a volume that does not exist", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\","
                        + "\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":\"/d\"},{\"name\":\"cache\",\"mountPath\":\"/d\"}]}],"
                        + "\"volumes\":[{\"name\":\"cache\"}]}",
                        List.of("spec.containers[0].volumeMounts[0].name: Not found: \"data\"",
                                "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/d\": must be unique")),
                new Case("requests above limits", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"resources\":"
                        + "{\"limits\":{\"cpu\":\"500m\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":\"1\",\"memory\":\"1024Mi\"}}}]}",
                        List.of("spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal"
                                + " to cpu limit of 500m")),
                new Case("resource names", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"resources\":"
                        + "{\"limits\":{\"gpu\":\"1\"}}}]}",
                        List.of("spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard"
                                + " resource for containers",
                                "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard"
                                        + " resource for containers")),
                new Case("policies", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Sometimes\","
                        + "\"terminationMessagePolicy\":\"Log\"}],\"restartPolicy\":\"Maybe\",\"dnsPolicy\":\"Google\"}",
                        List.of("spec.containers[0].terminationMessagePolicy: Unsupported value: \"Log\": supported"
                                        + " values: \"File\", \"FallbackToLogsOnError\"",
                                "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values:"
                                        + " \"Always\", \"IfNotPresent\", \"Never\"",
                                "spec.restartPolicy: Unsupported value: \"Maybe\": supported values: \"Always\","
                                        + " \"OnFailure\", \"Never\"",
                                "spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\","
                                        + " \"ClusterFirst\", \"Default\", \"None\"")),
                new Case("a pod's image may not have surrounding space", "{\"containers\":[{\"name\":\"a\",\"image\":\" x\"}]}",
                        List.of("spec.containers[0].image: Invalid value: \" x\": must not have leading or trailing whitespace")),
                new Case("volumes", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}],\"volumes\":[{\"name\":\"v\","
                        + "\"emptyDir\":{},\"hostPath\":{\"path\":\"/x\"}},{\"name\":\"s\",\"secret\":{}}]}",
                        List.of("spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
                                "spec.volumes[1].secret.secretName: Required value")),
                new Case("tolerations", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}],\"tolerations\":[{\"operator\":"
                        + "\"Equal\",\"value\":\"v\"},{\"key\":\"k\",\"operator\":\"Exists\",\"value\":\"v\"}]}",
                        List.of("spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when"
                                        + " `key` is empty, which means \"match all values and all keys\"",
                                "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator`"
                                        + " is 'Exists'")),
                new Case("host names and deadlines", "{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}],\"hostname\":"
                        + "\"a.b\",\"activeDeadlineSeconds\":0}",
                        List.of("spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
                                "spec.hostname: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower"
                                        + " case alphanumeric characters or '-', and must start and end with an"
                                        + " alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for"
                                        + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")),
                new Case("host ports used twice", "{\"hostNetwork\":true,\"containers\":[{\"name\":\"a\",\"image\":\"x\","
                        + "\"ports\":[{\"containerPort\":80},{\"containerPort\":80,\"hostPort\":80}]}]}",
                        List.of("spec.containers[0].ports[1].hostPort: Duplicate value: \"80/TCP\"")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validation(Case c) {
        assertEquals(c.expected(), problems(pod(c.spec())));
    }

    @Test
    void updatesMayChangeImagesButNotTheRest() {
        ObjectNode old = pod("{\"containers\":[{\"name\":\"a\",\"image\":\"x:1\"}]}");
        RULES.setDefaults(old);
        ObjectNode newImage = old.deepCopy();
        ((ObjectNode) newImage.path("spec").path("containers").get(0)).put("image", "x:2");
        assertEquals(List.of(), RULES.validateUpdate(newImage, old));

        ObjectNode newPort = old.deepCopy();
        ((ObjectNode) newPort.path("spec").path("containers").get(0)).putArray("ports").addObject().put("containerPort", 80);
        List<FieldError> errors = RULES.validateUpdate(newPort, old);
        assertEquals(1, errors.size());
        assertEquals("spec: Forbidden: " + PodRules.UPDATE_FORBIDDEN + "\n  changed: spec.containers[0].ports",
                errors.getFirst().toString());
    }
}
