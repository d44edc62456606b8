package dev.kj.apiserver.validation.admissionregistration;

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

/** Webhook configurations: v1 defaults and pkg/apis/admissionregistration/validation's paths and texts. */
class WebhookConfigurationRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD = "\"sideEffects\":\"None\",\"admissionReviewVersions\":[\"v1\"],"
            + "\"clientConfig\":{\"service\":{\"namespace\":\"ns\",\"name\":\"svc\"}}";

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    record Case(String name, KindRules rules, String webhooks, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("valid", WebhookConfigurationRules.VALIDATING, "[{\"name\":\"a.example.com\"," + GOOD
                        + ",\"rules\":[{\"operations\":[\"CREATE\"],\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],"
                        + "\"resources\":[\"pods\",\"pods/status\"]}]}]", List.of()),
                new Case("names", WebhookConfigurationRules.VALIDATING, "[{\"name\":\"short.name\"," + GOOD + "},"
                        + "{\"name\":\"a.example.com\"," + GOOD + "},{\"name\":\"a.example.com\"," + GOOD + "},{" + GOOD + "}]",
                        List.of("webhooks[0].name: Invalid value: \"short.name\": should be a domain with at least three"
                                        + " segments separated by dots",
                                "webhooks[2].name: Duplicate value: \"a.example.com\"",
                                "webhooks[3].name: Required value")),
                new Case("required parts", WebhookConfigurationRules.VALIDATING, "[{\"name\":\"a.example.com\","
                        + "\"timeoutSeconds\":31,\"clientConfig\":{}}]",
                        List.of("webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
                                "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30"
                                        + " seconds",
                                "webhooks[0].clientConfig: Required value: exactly one of url or service is required",
                                "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1")),
                new Case("policies", WebhookConfigurationRules.MUTATING, "[{\"name\":\"a.example.com\",\"sideEffects\":"
                        + "\"Some\",\"failurePolicy\":\"Retry\",\"matchPolicy\":\"Fuzzy\",\"reinvocationPolicy\":\"Always\","
                        + "\"admissionReviewVersions\":[\"v2\",\"v2\"],\"clientConfig\":{\"url\":\"http://user@/hook?x=1\"}}]",
                        List.of("webhooks[0].failurePolicy: Unsupported value: \"Retry\": supported values: \"Fail\", \"Ignore\"",
                                "webhooks[0].matchPolicy: Unsupported value: \"Fuzzy\": supported values: \"Equivalent\","
                                        + " \"Exact\"",
                                "webhooks[0].sideEffects: Unsupported value: \"Some\": supported values: \"None\","
                                        + " \"NoneOnDryRun\"",
                                "webhooks[0].reinvocationPolicy: Unsupported value: \"Always\": supported values:"
                                        + " \"IfNeeded\", \"Never\"",
                                "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL"
                                        + " scheme; desired format: https://host[/path]",
                                "webhooks[0].clientConfig.url: Invalid value: \"\": host must be provided; desired format:"
                                        + " https://host[/path]",
                                "webhooks[0].clientConfig.url: Invalid value: \"user\": user information is not permitted"
                                        + " in the URL",
                                "webhooks[0].clientConfig.url: Invalid value: \"x=1\": query parameters are not permitted"
                                        + " in the URL",
                                "webhooks[0].admissionReviewVersions[1]: Invalid value: \"v2\": duplicate version",
                                "webhooks[0].admissionReviewVersions: Invalid value: []string{\"v2\", \"v2\"}: must include"
                                        + " at least one of v1, v1beta1")),
                new Case("rules", WebhookConfigurationRules.VALIDATING, "[{\"name\":\"a.example.com\"," + GOOD
                        + ",\"rules\":[{\"operations\":[\"*\",\"GET\"],\"apiGroups\":[\"*\",\"apps\"],\"apiVersions\":[\"\"],"
                        + "\"resources\":[\"*\",\"pods\",\"*/*\"],\"scope\":\"Global\"},{\"resources\":[\"pods/*\",\"pods/log\"]}]}]",
                        List.of("webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{\"*\","
                                        + " \"GET\"}: if '*' is present, must not specify other operations",
                                "webhooks[0].rules[0].operations[1]: Unsupported value: \"GET\": supported values: \"*\","
                                        + " \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\"",
                                "webhooks[0].rules[0].apiGroups: Invalid value: []string{\"*\", \"apps\"}: if '*' is present,"
                                        + " must not specify other API groups",
                                "webhooks[0].rules[0].apiVersions[0]: Required value",
                                "webhooks[0].rules[0].resources: Invalid value: []string{\"*\", \"pods\", \"*/*\"}: if '*/*'"
                                        + " is present, must not specify other resources",
                                "webhooks[0].rules[0].resources: Invalid value: []string{\"*\", \"pods\", \"*/*\"}: if '*' is"
                                        + " present, must not specify other resources without subresources",
                                "webhooks[0].rules[0].scope: Unsupported value: \"Global\": supported values: \"*\","
                                        + " \"Cluster\", \"Namespaced\"",
                                "webhooks[0].rules[1].operations: Required value",
                                "webhooks[0].rules[1].apiGroups: Required value",
                                "webhooks[0].rules[1].apiVersions: Required value",
                                "webhooks[0].rules[1].resources[1]: Invalid value: \"pods/log\": if 'pods/*' is present, must"
                                        + " not specify pods/log")),
                new Case("service", WebhookConfigurationRules.VALIDATING, "[{\"name\":\"a.example.com\",\"sideEffects\":"
                        + "\"None\",\"admissionReviewVersions\":[\"v1\"],\"clientConfig\":{\"service\":{\"port\":0,"
                        + "\"path\":\"/ok//Bad\"}}}]",
                        List.of("webhooks[0].clientConfig.service.name: Required value: service name is required",
                                "webhooks[0].clientConfig.service.namespace: Required value: service namespace is required",
                                "webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between"
                                        + " 1 and 65535, inclusive",
                                "webhooks[0].clientConfig.service.path: Invalid value: \"/ok//Bad\": segment[1] may not be"
                                        + " empty",
                                "webhooks[0].clientConfig.service.path: Invalid value: \"/ok//Bad\": segment[2]: a lowercase"
                                        + " RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
                                        + " and must start and end with an alphanumeric character (e.g. 'example.com', regex"
                                        + " used for validation is"
                                        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesAsUpstream(Case c) {
        ObjectNode configuration = object("{\"webhooks\":" + c.webhooks() + "}");
        c.rules().setDefaults(configuration);
        assertEquals(c.expected(), c.rules().validate(configuration).stream().map(FieldError::toString).toList());
    }

    @Test
    void defaultsAsV1() {
        ObjectNode configuration = object("{\"webhooks\":[{\"name\":\"a.example.com\"," + GOOD + ",\"rules\":[{}]}]}");
        WebhookConfigurationRules.MUTATING.setDefaults(configuration);
        assertEquals(object("{\"name\":\"a.example.com\",\"sideEffects\":\"None\",\"admissionReviewVersions\":[\"v1\"],"
                + "\"clientConfig\":{\"service\":{\"namespace\":\"ns\",\"name\":\"svc\",\"port\":443}},\"rules\":"
                + "[{\"scope\":\"*\"}],\"failurePolicy\":\"Fail\",\"matchPolicy\":\"Equivalent\",\"namespaceSelector\":{},"
                + "\"objectSelector\":{},\"timeoutSeconds\":10,\"reinvocationPolicy\":\"Never\"}"),
                configuration.path("webhooks").get(0));
    }

    @Test
    void compilesMatchConditions() {
        ObjectNode configuration = object("{\"webhooks\":[{\"name\":\"a.example.com\"," + GOOD + ",\"matchConditions\":["
                + "{\"name\":\"ok\",\"expression\":\"request.userInfo.username != 'admin'\"},"
                + "{\"name\":\"ok\",\"expression\":\"params.x\"},{\"name\":\"\",\"expression\":\"\"}]}]}");
        WebhookConfigurationRules.VALIDATING.setDefaults(configuration);
        assertEquals(List.of("webhooks[0].matchConditions[1].expression: Invalid value: \"params.x\": compilation failed:"
                        + " ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params.x\n | ^",
                        "webhooks[0].matchConditions[1].name: Duplicate value: \"ok\"",
                        "webhooks[0].matchConditions[2].expression: Required value",
                        "webhooks[0].matchConditions[2].name: Required value"),
                WebhookConfigurationRules.VALIDATING.validate(configuration).stream().map(FieldError::toString).toList());
    }

    record UpdateCase(String name, String old, String updated, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<UpdateCase> updates() {
        String some = "\"sideEffects\":\"Some\",\"admissionReviewVersions\":[\"v1\"],"
                + "\"clientConfig\":{\"service\":{\"namespace\":\"ns\",\"name\":\"svc\"}}";
        String v3 = "\"sideEffects\":\"None\",\"admissionReviewVersions\":[\"v3\"],"
                + "\"clientConfig\":{\"service\":{\"namespace\":\"ns\",\"name\":\"svc\"}}";
        String badCondition = ",\"matchConditions\":[{\"name\":\"m\",\"expression\":\"nope\"}]";
        return Stream.of(
                new UpdateCase("side effects kept while the old object had them",
                        "[{\"name\":\"a.example.com\"," + some + "}]", "[{\"name\":\"a.example.com\"," + some + ",\"timeoutSeconds\":5}]",
                        List.of()),
                new UpdateCase("side effects refused when the old object had none",
                        "[{\"name\":\"a.example.com\"," + GOOD + "}]", "[{\"name\":\"a.example.com\"," + some + "}]",
                        List.of("webhooks[0].sideEffects: Unsupported value: \"Some\": supported values: \"None\","
                                + " \"NoneOnDryRun\"")),
                new UpdateCase("unrecognised review versions kept",
                        "[{\"name\":\"a.example.com\"," + v3 + "}]", "[{\"name\":\"a.example.com\"," + v3 + "}]", List.of()),
                new UpdateCase("duplicate names kept",
                        "[{\"name\":\"a.example.com\"," + GOOD + "},{\"name\":\"a.example.com\"," + GOOD + "}]",
                        "[{\"name\":\"a.example.com\"," + GOOD + "},{\"name\":\"a.example.com\"," + GOOD + "}]", List.of()),
                new UpdateCase("duplicate names refused when new",
                        "[{\"name\":\"a.example.com\"," + GOOD + "}]",
                        "[{\"name\":\"a.example.com\"," + GOOD + "},{\"name\":\"a.example.com\"," + GOOD + "}]",
                        List.of("webhooks[1].name: Duplicate value: \"a.example.com\"")),
                new UpdateCase("unchanged match conditions not compiled again",
                        "[{\"name\":\"a.example.com\"," + GOOD + badCondition + "}]",
                        "[{\"name\":\"a.example.com\"," + GOOD + badCondition + ",\"timeoutSeconds\":5}]", List.of()),
                new UpdateCase("changed match conditions compiled",
                        "[{\"name\":\"a.example.com\"," + GOOD + "}]",
                        "[{\"name\":\"a.example.com\"," + GOOD + badCondition + "}]",
                        List.of("webhooks[0].matchConditions[0].expression: Invalid value: \"nope\": compilation failed:"
                                + " ERROR: <input>:1:1: undeclared reference to 'nope' (in container '')\n | nope\n | ^")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void relaxesUpdatesAsUpstream(UpdateCase c) {
        for (KindRules rules : List.of(WebhookConfigurationRules.VALIDATING, WebhookConfigurationRules.MUTATING)) {
            ObjectNode old = object("{\"webhooks\":" + c.old() + "}");
            ObjectNode updated = object("{\"webhooks\":" + c.updated() + "}");
            rules.setDefaults(old);
            rules.setDefaults(updated);
            assertEquals(c.expected(), rules.validateOnUpdate(updated, old).stream().map(FieldError::toString).toList());
        }
    }
}
