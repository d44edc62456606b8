package dev.kj.apiserver.protobuf;

import static dev.kj.apiserver.testing.Wire.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.BuiltInResources;
import dev.kj.apiserver.testing.Wire;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-built protobuf bodies (fields by upstream's numbers) decoded into the JSON upstream's Go
 * types write for the same objects, written out by hand from their json tags.
 */
class ProtobufBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ProtobufBodies BODIES = new ProtobufBodies(JSON);
    /** 2023-11-14T22:13:20Z. */
    private static final long SECONDS = 1_700_000_000L;

    record Case(String name, String apiVersion, String kind, Wire object, String json) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Wire meta(String name) {
        return message().string(1, name);
    }

    private static Wire time(long seconds) {
        return message().varint(1, seconds);
    }

    private static Wire intValue(int value) {
        return message().varint(1, 0).varint(2, value);
    }

    private static Wire stringValue(String value) {
        return message().varint(1, 1).string(3, value);
    }

    private static Wire quantity(String value) {
        return message().string(1, value);
    }

    private static Wire raw(String json) {
        return message().bytes(1, json.getBytes(StandardCharsets.UTF_8));
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("maps sorted by key, bytes base64, a sent false pointer kept, an empty Time pointer null",
                        "v1", "ConfigMap", message()
                        .message(1, meta("cm").string(3, "ns").message(8, time(SECONDS)).message(9, message())
                                .entry(11, "b", "2").entry(11, "a", "1"))
                        .bool(4, false)
                        .entry(2, "k", "v")
                        .entry(3, "bin", new byte[] {0, (byte) 0xff}),
                        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns\","
                                + "\"creationTimestamp\":\"2023-11-14T22:13:20Z\",\"deletionTimestamp\":null,"
                                + "\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"immutable\":false,\"data\":{\"k\":\"v\"},"
                                + "\"binaryData\":{\"bin\":\"AP8=\"}}"),
                new Case("a Time of 0 seconds that was sent is the epoch; structs with nothing set are {}",
                        "v1", "Namespace", message().message(1, meta("ns1").message(8, time(0))),
                        "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"ns1\","
                                + "\"creationTimestamp\":\"1970-01-01T00:00:00Z\"},\"spec\":{},\"status\":{}}"),
                new Case("Time drops nanoseconds; MicroTime keeps microseconds; absent Times are null",
                        "events.k8s.io/v1", "Event", message()
                        .message(1, meta("e").message(8, message().varint(1, SECONDS).varint(2, 999_999_999)))
                        .message(2, message().varint(1, SECONDS).varint(2, 123_456_789))
                        .message(3, message())
                        .string(4, "kj")
                        .message(8, message().string(1, "Pod").string(3, "p"))
                        .string(10, "n"),
                        "{\"kind\":\"Event\",\"apiVersion\":\"events.k8s.io/v1\",\"metadata\":{\"name\":\"e\","
                                + "\"creationTimestamp\":\"2023-11-14T22:13:20Z\"},\"eventTime\":\"2023-11-14T22:13:20.123456Z\","
                                + "\"series\":{\"count\":0,\"lastObservedTime\":null},\"reportingController\":\"kj\","
                                + "\"regarding\":{\"kind\":\"Pod\",\"name\":\"p\"},\"note\":\"n\",\"deprecatedSource\":{},"
                                + "\"deprecatedFirstTimestamp\":null,\"deprecatedLastTimestamp\":null}"),
                new Case("IntOrString as a number and as a string; a map of Times; zero counts without omitempty kept",
                        "policy/v1", "PodDisruptionBudget", message()
                        .message(1, meta("p"))
                        .message(2, message().message(1, intValue(2))
                                .message(2, message().entry(1, "app", "web"))
                                .message(3, stringValue("50%")))
                        .message(3, message().entry(2, "pod-a", time(SECONDS))),
                        "{\"kind\":\"PodDisruptionBudget\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"p\","
                                + "\"creationTimestamp\":null},\"spec\":{\"minAvailable\":2,\"selector\":{\"matchLabels\":"
                                + "{\"app\":\"web\"}},\"maxUnavailable\":\"50%\"},\"status\":{\"disruptedPods\":"
                                + "{\"pod-a\":\"2023-11-14T22:13:20Z\"},\"disruptionsAllowed\":0,\"currentHealthy\":0,"
                                + "\"desiredHealthy\":0,\"expectedPods\":0}}"),
                new Case("Quantities as their strings", "v1", "ResourceQuota", message()
                        .message(1, meta("q"))
                        .message(2, message().entry(1, "pods", quantity("10")).entry(1, "cpu", quantity("500m"))
                                .string(2, "NotTerminating")),
                        "{\"kind\":\"ResourceQuota\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"q\",\"creationTimestamp\":null},"
                                + "\"spec\":{\"hard\":{\"cpu\":\"500m\",\"pods\":\"10\"},\"scopes\":[\"NotTerminating\"]},\"status\":{}}"),
                new Case("inline volume sources, probe handlers and key selectors; an absent Quantity struct is \"0\"",
                        "v1", "PodTemplate", message()
                        .message(1, meta("t"))
                        .message(2, message().message(2, message()
                                .message(1, message().string(1, "data").message(2, message().message(2, message().string(1, "Memory"))))
                                .message(2, message().string(1, "c").string(2, "busybox")
                                        .message(7, message().string(1, "LIMIT")
                                                .message(3, message().message(2, message().string(2, "limits.cpu"))))
                                        .message(7, message().string(1, "PASSWORD")
                                                .message(3, message().message(4, message().message(1, message().string(1, "s")).string(2, "k"))))
                                        .message(10, message().message(1, message().message(2, message().string(1, "/")
                                                .message(2, stringValue("http")))).varint(2, 5))))),
                        "{\"kind\":\"PodTemplate\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"t\",\"creationTimestamp\":null},"
                                + "\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"volumes\":[{\"name\":\"data\","
                                + "\"emptyDir\":{\"medium\":\"Memory\"}}],\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
                                + "\"env\":[{\"name\":\"LIMIT\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.cpu\","
                                + "\"divisor\":\"0\"}}},{\"name\":\"PASSWORD\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}}],"
                                + "\"resources\":{},\"livenessProbe\":{\"httpGet\":{\"path\":\"/\",\"port\":\"http\"},"
                                + "\"initialDelaySeconds\":5}}]}}}"),
                new Case("a pointer sent as 0 stays, an absent one stays absent; a nil selector without omitempty is null",
                        "apps/v1", "Deployment", message().message(1, meta("d")).message(2, message().varint(1, 0)),
                        "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"d\",\"creationTimestamp\":null},"
                                + "\"spec\":{\"replicas\":0,\"selector\":null,\"template\":{\"metadata\":{\"creationTimestamp\":null},"
                                + "\"spec\":{\"containers\":null}},\"strategy\":{}},\"status\":{}}"),
                new Case("int64 fields are JSON numbers", "batch/v1", "Job", message()
                        .message(1, meta("j").varint(7, 3))
                        .message(2, message().varint(3, 1L << 40)),
                        "{\"kind\":\"Job\",\"apiVersion\":\"batch/v1\",\"metadata\":{\"name\":\"j\",\"generation\":3,"
                                + "\"creationTimestamp\":null},\"spec\":{\"activeDeadlineSeconds\":1099511627776,"
                                + "\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":null}}},"
                                + "\"status\":{}}"),
                new Case("RawExtension is its embedded JSON; revision 0 is written (no omitempty)",
                        "apps/v1", "ControllerRevision", message()
                        .message(1, meta("r")).message(2, raw("{\"spec\":{\"replicas\":2}}")),
                        "{\"kind\":\"ControllerRevision\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"r\","
                                + "\"creationTimestamp\":null},\"data\":{\"spec\":{\"replicas\":2}},\"revision\":0}"),
                new Case("managedFields' FieldsV1 is its JSON; an empty byte string in a map is \"\"", "v1", "Secret", message()
                        .message(1, meta("s").message(17, message().string(1, "kubectl").string(2, "Update").string(3, "v1")
                                .message(4, time(SECONDS)).string(6, "FieldsV1").message(7, raw("{\"f:data\":{}}"))))
                        .entry(2, "empty", new byte[0])
                        .string(3, "Opaque"),
                        "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"s\",\"creationTimestamp\":null,"
                                + "\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
                                + "\"time\":\"2023-11-14T22:13:20Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":{}}}]},"
                                + "\"data\":{\"empty\":\"\"},\"type\":\"Opaque\"}"),
                new Case("CRD schemas: JSON values, the schema-or-array/bool/strings unions, $ref and x-kubernetes names, "
                        + "float64 as Go writes it; nil lists without omitempty are null",
                        "apiextensions.k8s.io/v1", "CustomResourceDefinition", message()
                        .message(1, meta("widgets.kj.dev"))
                        .message(2, message().string(1, "kj.dev")
                                .message(3, message().string(1, "widgets").string(4, "Widget"))
                                .string(4, "Namespaced")
                                .message(7, message().string(1, "v1").bool(2, true).bool(3, true)
                                        .message(4, message().message(1, message().string(5, "object")
                                                .entry(29, "size", message().string(5, "integer").message(8, raw("3"))
                                                        .doubleValue(9, 10).doubleValue(11, 0.5))
                                                .entry(29, "tags", message().string(5, "array")
                                                        .message(24, message().message(1, message().string(5, "string")
                                                                .message(20, raw("\"a\"")).message(20, raw("\"b\"")))))
                                                .entry(29, "spec", message().string(3, "#/definitions/x").bool(38, false))
                                                .entry(29, "deps", message().entry(32, "a", message().string(2, "b")))
                                                .message(30, message().bool(1, false))
                                                .bool(38, true))))),
                        "{\"kind\":\"CustomResourceDefinition\",\"apiVersion\":\"apiextensions.k8s.io/v1\",\"metadata\":"
                                + "{\"name\":\"widgets.kj.dev\",\"creationTimestamp\":null},\"spec\":{\"group\":\"kj.dev\","
                                + "\"names\":{\"plural\":\"widgets\",\"kind\":\"Widget\"},\"scope\":\"Namespaced\",\"versions\":"
                                + "[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
                                + "\"properties\":{\"deps\":{\"dependencies\":{\"a\":[\"b\"]}},\"size\":{\"type\":\"integer\","
                                + "\"default\":3,\"maximum\":10,\"minimum\":0.5},\"spec\":{\"$ref\":\"#/definitions/x\","
                                + "\"x-kubernetes-preserve-unknown-fields\":false},\"tags\":{\"type\":\"array\",\"items\":"
                                + "{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}}},\"additionalProperties\":false,"
                                + "\"x-kubernetes-preserve-unknown-fields\":true}}}]},\"status\":{\"conditions\":null,"
                                + "\"acceptedNames\":{\"plural\":\"\",\"kind\":\"\"},\"storedVersions\":null}}"),
                new Case("ExtraValue is a list of strings, [] when empty", "authorization.k8s.io/v1", "SubjectAccessReview",
                        message().message(1, meta("sar"))
                        .message(2, message().message(1, message().string(1, "ns").string(2, "get").string(5, "pods"))
                                .string(3, "alice").entry(5, "scopes", message().string(1, "a").string(1, "b"))
                                .entry(5, "none", message())),
                        "{\"kind\":\"SubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\",\"metadata\":{\"name\":\"sar\","
                                + "\"creationTimestamp\":null},\"spec\":{\"resourceAttributes\":{\"namespace\":\"ns\",\"verb\":\"get\","
                                + "\"resource\":\"pods\"},\"user\":\"alice\",\"extra\":{\"none\":[],\"scopes\":[\"a\",\"b\"]}},"
                                + "\"status\":{\"allowed\":false}}"),
                new Case("a byte string without omitempty is base64 when sent", "certificates.k8s.io/v1",
                        "CertificateSigningRequest", message().message(1, meta("csr"))
                        .message(2, message().bytes(1, "PEM".getBytes(StandardCharsets.UTF_8)).string(5, "client auth")
                                .string(7, "kubernetes.io/kube-apiserver-client")),
                        "{\"kind\":\"CertificateSigningRequest\",\"apiVersion\":\"certificates.k8s.io/v1\",\"metadata\":"
                                + "{\"name\":\"csr\",\"creationTimestamp\":null},\"spec\":{\"request\":\"UEVN\",\"signerName\":"
                                + "\"kubernetes.io/kube-apiserver-client\",\"usages\":[\"client auth\"]},\"status\":{}}"),
                new Case("a byte string without omitempty that was not sent is null", "certificates.k8s.io/v1",
                        "CertificateSigningRequest", message().message(1, meta("csr")),
                        "{\"kind\":\"CertificateSigningRequest\",\"apiVersion\":\"certificates.k8s.io/v1\",\"metadata\":"
                                + "{\"name\":\"csr\",\"creationTimestamp\":null},\"spec\":{\"request\":null,\"signerName\":\"\"},"
                                + "\"status\":{}}"),
                new Case("JSON names that differ from the proto names: aPIGroup; a nil pointer without omitempty is null", "networking.k8s.io/v1", "IngressClass",
                        message().message(1, meta("nginx")).message(2, message().string(1, "k8s.io/ingress-nginx")
                                .message(2, message().string(1, "kj.dev").string(2, "Params").string(3, "p"))),
                        "{\"kind\":\"IngressClass\",\"apiVersion\":\"networking.k8s.io/v1\",\"metadata\":{\"name\":\"nginx\","
                                + "\"creationTimestamp\":null},\"spec\":{\"controller\":\"k8s.io/ingress-nginx\",\"parameters\":"
                                + "{\"apiGroup\":\"kj.dev\",\"kind\":\"Params\",\"name\":\"p\",\"scope\":null}}}"),
                new Case("JSON names that differ from the proto names: Webhooks", "admissionregistration.k8s.io/v1",
                        "MutatingWebhookConfiguration", message().message(1, meta("hooks"))
                        .message(2, message().string(1, "a.kj.dev").message(2, message().string(3, "https://x"))),
                        "{\"kind\":\"MutatingWebhookConfiguration\",\"apiVersion\":\"admissionregistration.k8s.io/v1\","
                                + "\"metadata\":{\"name\":\"hooks\",\"creationTimestamp\":null},\"webhooks\":[{\"name\":\"a.kj.dev\","
                                + "\"clientConfig\":{\"url\":\"https://x\"},\"sideEffects\":null,\"admissionReviewVersions\":null}]}"),
                new Case("JSON names that differ from the proto names: Name, Expression", "admissionregistration.k8s.io/v1",
                        "ValidatingAdmissionPolicy", message().message(1, meta("vap"))
                        .message(2, message().message(7, message().string(1, "v").string(2, "object.x"))
                                .message(3, message().string(1, "true"))),
                        "{\"kind\":\"ValidatingAdmissionPolicy\",\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"metadata\":"
                                + "{\"name\":\"vap\",\"creationTimestamp\":null},\"spec\":{\"validations\":[{\"expression\":\"true\"}],"
                                + "\"variables\":[{\"name\":\"v\",\"expression\":\"object.x\"}]},\"status\":{}}"),
                new Case("JSON names that differ from the proto names: uID", "authentication.k8s.io/v1", "TokenRequest",
                        message().message(1, meta("bot")).message(2, message().string(1, "api")
                                .message(3, message().string(1, "Pod").string(2, "v1").string(3, "p").string(4, "u-1"))),
                        "{\"kind\":\"TokenRequest\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"name\":\"bot\","
                                + "\"creationTimestamp\":null},\"spec\":{\"audiences\":[\"api\"],\"expirationSeconds\":null,"
                                + "\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"p\",\"uid\":\"u-1\"}},"
                                + "\"status\":{\"token\":\"\",\"expirationTimestamp\":null}}"),
                new Case("the Scale subresource's request", "autoscaling/v1", "Scale", message()
                        .message(1, meta("web")).message(2, message().varint(1, 4)),
                        "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\",\"creationTimestamp\":null},"
                                + "\"spec\":{\"replicas\":4},\"status\":{\"replicas\":0}}"),
                new Case("DeleteOptions tagged with the client's group version", "apps/v1", "DeleteOptions", message()
                        .varint(1, 0).message(2, message().string(1, "u-1")).string(4, "Foreground").string(5, "All"),
                        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"apps/v1\",\"gracePeriodSeconds\":0,"
                                + "\"preconditions\":{\"uid\":\"u-1\"},\"propagationPolicy\":\"Foreground\",\"dryRun\":[\"All\"]}"),
                new Case("DeleteOptions of meta.k8s.io", "meta.k8s.io/v1", "DeleteOptions", message().bool(3, true),
                        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"meta.k8s.io/v1\",\"orphanDependents\":true}"),
                new Case("a Pod with an eviction's subject", "policy/v1", "Eviction", message()
                        .message(1, meta("p").string(3, "ns")).message(2, message().varint(1, 30)),
                        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\","
                                + "\"creationTimestamp\":null},\"deleteOptions\":{\"gracePeriodSeconds\":30}}"),
                new Case("a binding to a node", "v1", "Binding", message()
                        .message(1, meta("p")).message(2, message().string(1, "Node").string(3, "n1")),
                        "{\"kind\":\"Binding\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\",\"creationTimestamp\":null},"
                                + "\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesAsUpstreamWritesJson(Case c) throws Exception {
        JsonNode decoded = BODIES.decode(Wire.body(c.apiVersion(), c.kind(), c.object()), c.apiVersion(), c.kind());
        assertEquals(c.json(), JSON.writeValueAsString(decoded));
    }

    /** Every kind kj serves or takes as a request, with its metadata (DeleteOptions has none). */
    static Stream<String> kinds() {
        return BODIES.kinds().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void everyKindDecodes(String kind) {
        String apiVersion = kind.substring(0, kind.lastIndexOf('/'));
        String name = kind.substring(kind.lastIndexOf('/') + 1);
        boolean hasMetadata = !name.equals("DeleteOptions");
        Wire object = hasMetadata ? message().message(1, meta("x").entry(11, "app", "a")) : message();
        JsonNode decoded = BODIES.decode(Wire.body(apiVersion, name, object), apiVersion, name);
        assertEquals(name, decoded.path("kind").asText());
        assertEquals(apiVersion, decoded.path("apiVersion").asText());
        if (hasMetadata) {
            assertEquals("{\"name\":\"x\",\"creationTimestamp\":null,\"labels\":{\"app\":\"a\"}}", decoded.path("metadata").toString());
        }
    }

    @Test
    void theCatalogueOfKinds() {
        assertEquals(List.of("admissionregistration.k8s.io/v1/MutatingWebhookConfiguration",
                "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
                "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding",
                "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration",
                "apiextensions.k8s.io/v1/CustomResourceDefinition",
                "apps/v1/ControllerRevision", "apps/v1/DaemonSet", "apps/v1/Deployment", "apps/v1/ReplicaSet",
                "apps/v1/StatefulSet",
                "authentication.k8s.io/v1/SelfSubjectReview", "authentication.k8s.io/v1/TokenRequest",
                "authentication.k8s.io/v1/TokenReview",
                "authorization.k8s.io/v1/LocalSubjectAccessReview", "authorization.k8s.io/v1/SelfSubjectAccessReview",
                "authorization.k8s.io/v1/SelfSubjectRulesReview", "authorization.k8s.io/v1/SubjectAccessReview",
                "autoscaling/v1/HorizontalPodAutoscaler", "autoscaling/v1/Scale", "autoscaling/v2/HorizontalPodAutoscaler",
                "batch/v1/CronJob", "batch/v1/Job",
                "certificates.k8s.io/v1/CertificateSigningRequest",
                "coordination.k8s.io/v1/Lease",
                "discovery.k8s.io/v1/EndpointSlice",
                "events.k8s.io/v1/Event",
                "meta.k8s.io/v1/DeleteOptions",
                "networking.k8s.io/v1/Ingress", "networking.k8s.io/v1/IngressClass", "networking.k8s.io/v1/NetworkPolicy",
                "node.k8s.io/v1/RuntimeClass",
                "policy/v1/Eviction", "policy/v1/PodDisruptionBudget",
                "rbac.authorization.k8s.io/v1/ClusterRole", "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
                "rbac.authorization.k8s.io/v1/Role", "rbac.authorization.k8s.io/v1/RoleBinding",
                "scheduling.k8s.io/v1/PriorityClass",
                "storage.k8s.io/v1/CSIDriver", "storage.k8s.io/v1/CSINode", "storage.k8s.io/v1/StorageClass",
                "storage.k8s.io/v1/VolumeAttachment",
                "v1/Binding", "v1/ConfigMap", "v1/Endpoints", "v1/Event", "v1/LimitRange", "v1/Namespace", "v1/Node",
                "v1/PersistentVolume", "v1/PersistentVolumeClaim", "v1/Pod", "v1/PodTemplate", "v1/ReplicationController",
                "v1/ResourceQuota", "v1/Secret", "v1/Service", "v1/ServiceAccount"), BODIES.kinds());
    }

    @Test
    void everyServedKindHasAMessage() {
        List<String> missing = BuiltInResources.catalog().resources().stream()
                .map(r -> r.apiVersion() + "/" + r.kind()).filter(kind -> !BODIES.kinds().contains(kind)).toList();
        assertEquals(List.of(), missing);
    }

    @Test
    void theEnvelopeMayLeaveKindAndVersionToTheEndpoint() throws Exception {
        byte[] body = Wire.body("", "", message().message(1, meta("cm")).entry(2, "a", "b"));
        assertEquals("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm\",\"creationTimestamp\":null},"
                + "\"data\":{\"a\":\"b\"}}", JSON.writeValueAsString(BODIES.decode(body, "v1", "ConfigMap")));
    }

    record Refusal(String name, byte[] body, String endpointApiVersion, String endpointKind, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String DEPLOYMENT = "Deployment in version \"v1\" cannot be handled as a Deployment: ";
    private static final String NOT_KNOWN = " is not one kj knows (it decodes Kubernetes v1.33's fields), so the object cannot be stored whole";

    static Stream<Refusal> refusals() {
        Wire podSpecWithNewField = message().message(2, message().string(1, "c")).string(999, "new");
        return Stream.of(
                new Refusal("a field of the object kj does not know", Wire.body("apps/v1", "Deployment",
                        message().message(1, meta("d")).varint(99, 1)), "apps/v1", "Deployment",
                        DEPLOYMENT + "field number 99 of apps.v1.Deployment" + NOT_KNOWN),
                new Refusal("a field kj does not know deep inside", Wire.body("apps/v1", "Deployment",
                        message().message(1, meta("d")).message(2, message().message(3, message().message(2, podSpecWithNewField)))),
                        "apps/v1", "Deployment", DEPLOYMENT + "spec.template.spec: field number 999 of core.v1.PodSpec" + NOT_KNOWN),
                new Refusal("a field kj does not know in a list item", Wire.body("apps/v1", "Deployment",
                        message().message(2, message().message(3, message().message(2,
                                message().message(2, message().string(1, "c").bool(77, true)))))),
                        "apps/v1", "Deployment",
                        DEPLOYMENT + "spec.template.spec.containers[0]: field number 77 of core.v1.Container" + NOT_KNOWN),
                new Refusal("a field kj does not know in a map value", Wire.body("v1", "ResourceQuota",
                        message().message(2, message().entry(1, "cpu", quantity("1").varint(5, 1)))), "v1", "ResourceQuota",
                        "ResourceQuota in version \"v1\" cannot be handled as a ResourceQuota: spec.hard[cpu]: field number 5 "
                                + "of resource.Quantity" + NOT_KNOWN),
                new Refusal("a known field with another wire type", Wire.body("apps/v1", "Deployment",
                        message().message(2, message().string(1, "three"))), "apps/v1", "Deployment",
                        DEPLOYMENT + "spec: field number 1 of apps.v1.DeploymentSpec" + NOT_KNOWN),
                new Refusal("an IntOrString of a third type", Wire.body("policy/v1", "PodDisruptionBudget",
                        message().message(2, message().message(1, message().varint(1, 2)))), "policy/v1", "PodDisruptionBudget",
                        "PodDisruptionBudget in version \"v1\" cannot be handled as a PodDisruptionBudget: spec.minAvailable: "
                                + "impossible IntOrString.Type"),
                new Refusal("a quantity that does not parse", Wire.body("v1", "ResourceQuota",
                        message().message(2, message().entry(1, "cpu", quantity("1x")))), "v1", "ResourceQuota",
                        "ResourceQuota in version \"v1\" cannot be handled as a ResourceQuota: spec.hard[cpu]: quantities must "
                                + "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
                new Refusal("an embedded object that is not JSON", Wire.body("apps/v1", "ControllerRevision",
                        message().message(2, raw("{nope"))), "apps/v1", "ControllerRevision",
                        "ControllerRevision in version \"v1\" cannot be handled as a ControllerRevision: data: embedded object is "
                                + "not JSON: Unexpected character ('n' (code 110)): was expecting double-quote to start field name"),
                new Refusal("a time after year 9999", Wire.body("v1", "ConfigMap",
                        message().message(1, meta("cm").message(8, time(253_402_300_800L)))), "v1", "ConfigMap",
                        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: metadata.creationTimestamp: time "
                                + "253402300800s is outside years 0000-9999"),
                new Refusal("a kind kj has no message for", Wire.body("v1", "Widget", message()), "v1", "ConfigMap",
                        "Widget in version \"v1\" cannot be handled as a ConfigMap: no kind \"Widget\" is registered for version \"v1\""),
                new Refusal("a field kj does not know in the envelope",
                        concat(Wire.body("v1", "ConfigMap", message()), message().string(9, "x").toBytes()), "v1", "ConfigMap",
                        "the object provided is unrecognized (must be of type ConfigMap): field number 9 of runtime.Unknown"
                                + NOT_KNOWN + " (6b3873000a0f0a0276311209436f6e6669674d617012004a0178)"),
                new Refusal("JSON sent as protobuf", "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\"}".getBytes(StandardCharsets.UTF_8),
                        "v1", "ConfigMap", "the object provided is unrecognized (must be of type ConfigMap): provided data does "
                        + "not appear to be a protobuf message, expected prefix [107 56 115 0] ({\"kind\":\"ConfigMap\",\"apiVersio ...)"),
                new Refusal("an empty body", new byte[0], "v1", "ConfigMap",
                        "the object provided is unrecognized (must be of type ConfigMap): empty data (<empty>)"),
                new Refusal("only the prefix", new byte[] {'k', '8', 's', 0}, "v1", "ConfigMap",
                        "the object provided is unrecognized (must be of type ConfigMap): empty body (6b387300)"));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedWithABadRequest(Refusal r) {
        StatusException e = assertThrows(StatusException.class, () -> BODIES.decode(r.body(), r.endpointApiVersion(), r.endpointKind()));
        assertEquals(400, e.code());
        assertEquals("BadRequest", e.reason());
        assertEquals(r.message(), e.getMessage());
    }

    @Test
    void nanAndInfinityAreNotJson() {
        byte[] body = Wire.body("apiextensions.k8s.io/v1", "CustomResourceDefinition", message().message(2, message()
                .message(7, message().message(4, message().message(1, message().doubleValue(9, Double.NaN))))));
        StatusException e = assertThrows(StatusException.class,
                () -> BODIES.decode(body, "apiextensions.k8s.io/v1", "CustomResourceDefinition"));
        assertTrue(e.getMessage().endsWith("spec.versions[0].schema.openAPIV3Schema.maximum: json: unsupported value: NaN"),
                e.getMessage());
    }
}
