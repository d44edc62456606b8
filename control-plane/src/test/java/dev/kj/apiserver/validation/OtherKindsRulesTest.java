package dev.kj.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.networking.NetworkingRules;
import dev.kj.apiserver.validation.rbac.RbacRules;
import dev.kj.apiserver.validation.storage.StorageRules;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** RBAC, claims and volumes, budgets, network policies, ingresses, endpoint slices and leases with upstream's texts. */
class OtherKindsRulesTest {
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
        return Stream.of(
                new Case("role rules", RbacRules.ROLE, "{\"rules\":[{\"apiGroups\":[\"\"]},{\"verbs\":[\"get\"],"
                        + "\"nonResourceURLs\":[\"/healthz\"]}]}",
                        List.of("rules[0].verbs: Required value: verbs must contain at least one value",
                                "rules[0].resources: Required value: resource rules must supply at least one resource",
                                "rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot"
                                        + " apply to non-resource URLs")),
                new Case("cluster role bindings", RbacRules.CLUSTER_ROLE_BINDING, "{\"roleRef\":{\"kind\":\"Role\","
                        + "\"name\":\"r\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"sa\"},{\"kind\":\"Robot\","
                        + "\"name\":\"x\"}]}",
                        List.of("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
                                "subjects[0].namespace: Required value",
                                "subjects[1].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\","
                                        + " \"User\", \"Group\"")),
                new Case("claims", StorageRules.CLAIM, "{\"spec\":{}}",
                        List.of("spec.accessModes: Required value: at least 1 access mode is required",
                                "spec.resources[storage]: Required value")),
                new Case("volumes", StorageRules.VOLUME, "{\"spec\":{\"accessModes\":[\"ReadWriteSometimes\"]}}",
                        List.of("spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values:"
                                        + " \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                                "spec.capacity: Required value",
                                "spec: Required value: must specify a volume type")),
                new Case("budgets", StorageRules.DISRUPTION_BUDGET, "{\"spec\":{\"minAvailable\":\"150%\"}}",
                        List.of("spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}:"
                                + " must not be greater than 100%")),
                new Case("network policies", NetworkingRules.NETWORK_POLICY, "{\"spec\":{\"podSelector\":{},\"ingress\":"
                        + "[{\"from\":[{}],\"ports\":[{\"port\":70000}]}]}}",
                        List.of("spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                                "spec.ingress[0].from[0]: Required value: must specify a peer")),
                new Case("ingress paths", NetworkingRules.INGRESS, "{\"spec\":{\"rules\":[{\"host\":\"Example.com\","
                        + "\"http\":{\"paths\":[{\"path\":\"api\",\"pathType\":\"Prefix\",\"backend\":{\"service\":"
                        + "{\"name\":\"api\"}}}]}}]}}",
                        List.of("spec.rules[0].host: Invalid value: \"Example.com\": a lowercase RFC 1123 subdomain must"
                                        + " consist of lower case alphanumeric characters, '-' or '.', and must start and"
                                        + " end with an alphanumeric character (e.g. 'example.com', regex used for"
                                        + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                                "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path",
                                "spec.rules[0].http.paths[0].backend.service.port: Required value: port name or number"
                                        + " is required")),
                new Case("an ingress routes something", NetworkingRules.INGRESS, "{\"spec\":{}}",
                        List.of("spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules`"
                                + " must be specified")),
                new Case("endpoint slices", NetworkingRules.ENDPOINT_SLICE, "{\"endpoints\":[{}],\"ports\":[{\"name\":\"Http\"}]}",
                        List.of("addressType: Required value",
                                "endpoints[0].addresses: Required value: must contain at least 1 address",
                                "ports[0].name: Invalid value: \"Http\": a lowercase RFC 1123 label must consist of lower"
                                        + " case alphanumeric characters or '-', and must start and end with an"
                                        + " alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for"
                                        + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")),
                new Case("leases", NetworkingRules.LEASE, "{\"spec\":{\"leaseDurationSeconds\":0,\"leaseTransitions\":-1}}",
                        List.of("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                                "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validation(Case c) {
        ObjectNode object = object(c.object());
        c.rules().setDefaults(object);
        assertEquals(c.expected(), messages(c.rules().validate(object)));
    }

    @Test
    void defaultsAndUpdates() {
        ObjectNode binding = object("{\"roleRef\":{\"kind\":\"Role\",\"name\":\"r\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"u\"}]}");
        RbacRules.ROLE_BINDING.setDefaults(binding);
        assertEquals(List.of(), RbacRules.ROLE_BINDING.validate(binding));
        assertEquals("rbac.authorization.k8s.io", binding.path("subjects").get(0).path("apiGroup").asText());
        ObjectNode changed = binding.deepCopy();
        ((ObjectNode) changed.path("roleRef")).put("name", "other");
        assertEquals(List.of("roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\","
                + " Name:\"other\"}: cannot change roleRef"), messages(RbacRules.ROLE_BINDING.validateUpdate(changed, binding)));

        ObjectNode policy = object("{\"spec\":{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":53}]}]}}");
        NetworkingRules.NETWORK_POLICY.setDefaults(policy);
        assertEquals(object("{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":53,\"protocol\":\"TCP\"}]}],"
                + "\"policyTypes\":[\"Ingress\",\"Egress\"]}"), policy.get("spec"));

        ObjectNode claim = object("{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}");
        StorageRules.CLAIM.setDefaults(claim);
        StorageRules.CLAIM.completeCreate(claim);
        assertEquals("Filesystem", claim.path("spec").path("volumeMode").asText());
        assertEquals("Pending", claim.path("status").path("phase").asText());
        ObjectNode bound = claim.deepCopy();
        ((ObjectNode) bound.path("spec")).put("volumeName", "pv-1");
        assertEquals(List.of(), StorageRules.CLAIM.validateUpdate(bound, claim), "binding sets volumeName once");
        ObjectNode grown = bound.deepCopy();
        ((ObjectNode) grown.path("spec").path("resources").path("requests")).put("storage", "2Gi");
        assertEquals(List.of("spec: Forbidden: spec is immutable after creation except resources.requests for bound"
                + " claims"), messages(StorageRules.CLAIM.validateUpdate(grown, bound)), "an unbound claim cannot grow");
        ((ObjectNode) grown.path("status")).put("phase", "Bound");
        assertEquals(List.of(), StorageRules.CLAIM.validateUpdate(grown, bound));
    }
}
