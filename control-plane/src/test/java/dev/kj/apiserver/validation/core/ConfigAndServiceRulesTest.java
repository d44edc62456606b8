package dev.kj.apiserver.validation.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.KindRules;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** ConfigMaps, Secrets, Namespaces and Services as upstream's core/v1 defaults and core validation. */
class ConfigAndServiceRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<String> messages(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).toList();
    }

    record Case(String name, KindRules rules, String object, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String big = Base64.getEncoder().encodeToString(new byte[ConfigRules.MAX_SIZE + 1]);
        return Stream.of(
                new Case("config keys", ConfigRules.CONFIG_MAP, "{\"data\":{\"a/b\":\"x\",\"ok\":\"y\"},\"binaryData\":"
                        + "{\"ok\":\"eQ==\"}}",
                        List.of("data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric"
                                        + " characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name',"
                                        + " regex used for validation is '[-._a-zA-Z0-9]+')",
                                "data[ok]: Invalid value: \"ok\": duplicate of key present in binaryData",
                                "binaryData[ok]: Invalid value: \"ok\": duplicate of key present in data")),
                new Case("a config map over 1 MiB", ConfigRules.CONFIG_MAP, "{\"binaryData\":{\"big\":\"" + big + "\"}}",
                        List.of("[]: Too long: must have at most 1048576 bytes")),
                new Case("a secret over 1 MiB", ConfigRules.SECRET, "{\"type\":\"Opaque\",\"data\":{\"big\":\"" + big + "\"}}",
                        List.of("data: Too long: must have at most 1048576 bytes")),
                new Case("tls secrets need a certificate and a key", ConfigRules.SECRET,
                        "{\"type\":\"kubernetes.io/tls\",\"data\":{}}",
                        List.of("data[tls.crt]: Required value", "data[tls.key]: Required value")),
                new Case("service account tokens name their account", ConfigRules.SECRET,
                        "{\"type\":\"kubernetes.io/service-account-token\"}",
                        List.of("metadata.annotations[kubernetes.io/service-account.name]: Required value")),
                new Case("services need ports", new ServiceRules(), "{\"spec\":{}}", List.of("spec.ports: Required value")),
                new Case("service ports", new ServiceRules(), "{\"spec\":{\"type\":\"Cluster\",\"sessionAffinity\":"
                        + "\"Sticky\",\"ports\":[{\"port\":80},{\"name\":\"a\",\"port\":0,\"targetPort\":\"HTTP\","
                        + "\"protocol\":\"HTTP\"}]}}",
                        List.of("spec.ports[0].name: Required value",
                                "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\","
                                        + " \"UDP\"",
                                "spec.ports[1].targetPort: Invalid value: \"HTTP\": must contain only alpha-numeric"
                                        + " characters (a-z, 0-9), and hyphens (-)",
                                "spec.ports[1].targetPort: Invalid value: \"HTTP\": must contain at least one letter (a-z)",
                                "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\","
                                        + " \"None\"",
                                "spec.type: Unsupported value: \"Cluster\": supported values: \"ClusterIP\","
                                        + " \"ExternalName\", \"LoadBalancer\", \"NodePort\"")),
                new Case("external names", new ServiceRules(), "{\"spec\":{\"type\":\"ExternalName\"}}",
                        List.of("spec.externalName: Required value")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validation(Case c) {
        ObjectNode object = object(c.object());
        c.rules().setDefaults(object);
        assertEquals(c.expected(), messages(c.rules().validate(object)));
    }

    @Test
    void immutableConfigMapsAndSecrets() {
        ObjectNode old = object("{\"immutable\":true,\"data\":{\"a\":\"1\"}}");
        assertEquals(List.of(), ConfigRules.CONFIG_MAP.validateUpdate(old.deepCopy(), old));
        assertEquals(List.of("immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set"),
                messages(ConfigRules.CONFIG_MAP.validateUpdate(object("{\"data\":{\"a\":\"2\"}}"), old)));
        ObjectNode secret = object("{\"type\":\"Opaque\"}");
        assertEquals(List.of("type: Invalid value: \"kubernetes.io/tls\": field is immutable"),
                messages(ConfigRules.SECRET.validateUpdate(object("{\"type\":\"kubernetes.io/tls\"}"), secret)));
    }

    @Test
    void serviceAndNamespaceDefaults() {
        ObjectNode service = object("{\"spec\":{\"ports\":[{\"port\":80}],\"sessionAffinity\":\"ClientIP\"}}");
        new ServiceRules().setDefaults(service);
        assertEquals(object("{\"ports\":[{\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}],\"sessionAffinity\":"
                + "\"ClientIP\",\"sessionAffinityConfig\":{\"clientIP\":{\"timeoutSeconds\":10800}},\"type\":\"ClusterIP\","
                + "\"internalTrafficPolicy\":\"Cluster\"}"), service.get("spec"));
        ObjectNode balancer = object("{\"spec\":{\"type\":\"LoadBalancer\",\"ports\":[{\"port\":443,\"targetPort\":\"https\"}]}}");
        new ServiceRules().setDefaults(balancer);
        assertEquals(object("{\"type\":\"LoadBalancer\",\"ports\":[{\"port\":443,\"targetPort\":\"https\",\"protocol\":\"TCP\"}],"
                + "\"sessionAffinity\":\"None\",\"externalTrafficPolicy\":\"Cluster\",\"internalTrafficPolicy\":\"Cluster\","
                + "\"allocateLoadBalancerNodePorts\":true}"), balancer.get("spec"));

        ObjectNode namespace = object("{\"metadata\":{\"name\":\"team-a\"}}");
        new NamespaceRules().setDefaults(namespace);
        assertEquals("team-a", namespace.path("metadata").path("labels").path("kubernetes.io/metadata.name").asText());
    }
}
