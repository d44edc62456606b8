package dev.kj.apiserver.validation.admissionregistration;

import static dev.kj.apiserver.validation.admissionregistration.WebhookConfigurationRulesTest.object;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.KindRules;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Admission policies and bindings: v1 defaults, pkg/apis/admissionregistration/validation's paths and texts, CEL compile errors. */
class ValidatingAdmissionPolicyRulesTest {
    private static final String MATCH = "\"matchConstraints\":{\"resourceRules\":[{\"operations\":[\"CREATE\"],"
            + "\"apiGroups\":[\"apps\"],\"apiVersions\":[\"v1\"],\"resources\":[\"deployments\"]}]}";

    record Case(String name, KindRules rules, String spec, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        KindRules policy = ValidatingAdmissionPolicyRules.POLICY;
        KindRules binding = ValidatingAdmissionPolicyRules.BINDING;
        return Stream.of(
                new Case("valid policy", policy, "{" + MATCH + ",\"paramKind\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"},"
                        + "\"variables\":[{\"name\":\"replicas\",\"expression\":\"object.spec.replicas\"}],"
                        + "\"validations\":[{\"expression\":\"variables.replicas <= int(params.data.max)\","
                        + "\"messageExpression\":\"'too many: ' + string(variables.replicas)\",\"reason\":\"Invalid\"}],"
                        + "\"auditAnnotations\":[{\"key\":\"high\",\"valueExpression\":\"'x'\"}],"
                        + "\"matchConditions\":[{\"name\":\"not-kube-system\",\"expression\":\"request.namespace != 'kube-system'\"}]}",
                        List.of()),
                new Case("empty policy", policy, "{}", List.of(
                        "spec.matchConstraints: Required value",
                        "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
                        "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item")),
                new Case("policy fields", policy, "{\"failurePolicy\":\"Retry\",\"paramKind\":{\"apiVersion\":\"a/b/c\"},"
                        + "\"matchConstraints\":{\"matchPolicy\":\"Fuzzy\",\"resourceRules\":[{\"operations\":[\"GET\"],"
                        + "\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"resources\":[\"pods\"],\"resourceNames\":[\"a/b\",\"x\",\"x\"]}]},"
                        + "\"validations\":[{\"expression\":\" \",\"message\":\"two\\nlines\",\"reason\":\"Teapot\"}]}",
                        List.of("spec.failurePolicy: Unsupported value: \"Retry\": supported values: \"Fail\", \"Ignore\"",
                                "spec.paramKind.apiVersion: Invalid value: \"a/b/c\": unexpected GroupVersion string: a/b/c",
                                "spec.paramKind.kind: Required value",
                                "spec.matchConstraints.matchPolicy: Unsupported value: \"Fuzzy\": supported values:"
                                        + " \"Equivalent\", \"Exact\"",
                                "spec.matchConstraints.resourceRules[0].resourceNames[0]: Invalid value: \"a/b\": may not"
                                        + " contain '/'",
                                "spec.matchConstraints.resourceRules[0].resourceNames[2]: Duplicate value: \"x\"",
                                "spec.matchConstraints.resourceRules[0].operations[0]: Unsupported value: \"GET\": supported"
                                        + " values: \"*\", \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\"",
                                "spec.validations[0].expression: Required value: expression is not specified",
                                "spec.validations[0].message: Invalid value: \"two\\nlines\": message must not contain line"
                                        + " breaks",
                                "spec.validations[0].reason: Unsupported value: \"Teapot\": supported values: \"Forbidden\","
                                        + " \"Invalid\", \"RequestEntityTooLarge\"")),
                new Case("no resource rules", policy, "{\"matchConstraints\":{},\"validations\":[{\"expression\":\"true\"}]}",
                        List.of("spec.matchConstraints.resourceRules: Required value")),
                new Case("cel compile errors", policy, "{" + MATCH + ",\"validations\":["
                        + "{\"expression\":\"object.x in [1, 2, \"},"
                        + "{\"expression\":\"params.x == 1\"},"
                        + "{\"expression\":\"object.spec.replicas\",\"messageExpression\":\"0 == 0\"},"
                        + "{\"expression\":\"'a' + 1 == 'b'\"}],"
                        + "\"matchConditions\":[{\"name\":\"bad name!\",\"expression\":\"request.nme == 'x'\"}]}",
                        List.of("spec.matchConditions[0].expression: Invalid value: \"request.nme == 'x'\": compilation"
                                        + " failed: ERROR: <input>:1:8: undefined field 'nme'\n | request.nme == 'x'\n | .......^",
                                "spec.matchConditions[0].name: Invalid value: \"bad name!\": name part must consist of"
                                        + " alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric"
                                        + " character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is"
                                        + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                                "spec.validations[0].expression: Invalid value: \"object.x in [1, 2, \": compilation failed:"
                                        + " ERROR: <input>:1:20: Syntax error: missing ']' at '<EOF>'\n | object.x in [1, 2, \n"
                                        + " | ...................^",
                                "spec.validations[1].expression: Invalid value: \"params.x == 1\": compilation failed: ERROR:"
                                        + " <input>:1:1: undeclared reference to 'params' (in container '')\n | params.x == 1\n | ^",
                                // a dynamic result is not bool: upstream compares the output type exactly
                                "spec.validations[2].expression: Invalid value: \"object.spec.replicas\": must evaluate"
                                        + " to bool",
                                "spec.validations[2].messageExpression: Invalid value: \"0 == 0\": must evaluate to string",
                                "spec.validations[3].expression: Invalid value: \"'a' + 1 == 'b'\": compilation failed: ERROR:"
                                        + " <input>:1:5: found no matching overload for '_+_' applied to '(string, int)'\n"
                                        + " | 'a' + 1 == 'b'\n | ....^")),
                new Case("bool result", policy, "{" + MATCH + ",\"validations\":[{\"expression\":\"object.spec.replicas + 1\"}]}",
                        List.of("spec.validations[0].expression: Invalid value: \"object.spec.replicas + 1\": must evaluate"
                                + " to bool")),
                new Case("variables", policy, "{" + MATCH + ",\"variables\":[{\"name\":\"in\",\"expression\":\"variables.later\"},"
                        + "{\"name\":\"later\",\"expression\":\"1\"},{\"name\":\"\",\"expression\":\" \"}],"
                        + "\"validations\":[{\"expression\":\"variables.later == 1\"}]}",
                        List.of("spec.variables[0].name: Invalid value: \"in\": name is not a valid CEL identifier",
                                "spec.variables[0].expression: Invalid value: \"variables.later\": compilation failed: ERROR:"
                                        + " <input>:1:10: undefined field 'later'\n | variables.later\n | .........^",
                                "spec.variables[2].name: Required value: name is not specified",
                                "spec.variables[2].expression: Required value: expression is not specified")),
                new Case("audit annotations", policy, "{" + MATCH + ",\"auditAnnotations\":[{\"key\":\"a\",\"valueExpression\":\"1\"},"
                        + "{\"key\":\"a\",\"valueExpression\":\"'x'\"},{\"key\":\"b\",\"valueExpression\":\" \"}]}",
                        List.of("spec.auditAnnotations[0].valueExpression: Invalid value: \"1\": must evaluate to one of"
                                        + " [string null_type]",
                                "spec.auditAnnotations[1].key: Duplicate value: \"a\"",
                                "spec.auditAnnotations[2].valueExpression: Required value: valueExpression is not specified")),
                new Case("valid binding", binding, "{\"policyName\":\"p\",\"validationActions\":[\"Deny\",\"Audit\"],"
                        + "\"paramRef\":{\"name\":\"cm\",\"parameterNotFoundAction\":\"Allow\"},"
                        + "\"matchResources\":{\"namespaceSelector\":{\"matchLabels\":{\"a\":\"b\"}}}}", List.of()),
                new Case("empty binding", binding, "{}", List.of(
                        "spec.policyName: Required value",
                        "spec.validationActions: Required value: at least one validation action is required")),
                new Case("binding fields", binding, "{\"policyName\":\"Bad_Name\",\"validationActions\":[\"Deny\",\"Warn\","
                        + "\"Deny\",\"Block\"],\"paramRef\":{\"name\":\"a/b\",\"selector\":{},\"parameterNotFoundAction\":\"Maybe\"},"
                        + "\"matchResources\":{\"matchPolicy\":\"Fuzzy\"}}",
                        List.of("spec.policyName: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist"
                                        + " of lower case alphanumeric characters, '-' or '.', and must start and end with an"
                                        + " alphanumeric character (e.g. 'example.com', regex used for validation is"
                                        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                                "spec.paramRef.name: Invalid value: \"a/b\": may not contain '/'",
                                "spec.paramRef.name: Forbidden: name and selector are mutually exclusive",
                                "spec.paramRef.selector: Forbidden: name and selector are mutually exclusive",
                                "spec.paramRef.parameterNotFoundAction: Unsupported value: \"Maybe\": supported values:"
                                        + " \"Deny\", \"Allow\"",
                                "spec.matchResouces.matchPolicy: Unsupported value: \"Fuzzy\": supported values:"
                                        + " \"Equivalent\", \"Exact\"",
                                "spec.validationActions[2]: Duplicate value: \"Deny\"",
                                "spec.validationActions[3]: Unsupported value: \"Block\": supported values: \"Audit\","
                                        + " \"Deny\", \"Warn\"",
                                "spec.validationActions: Invalid value: []admissionregistration.ValidationAction{\"Deny\","
                                        + " \"Warn\", \"Deny\", \"Block\"}: must not contain both Deny and Warn (repeating the"
                                        + " same validation failure information in the API response and headers serves no"
                                        + " purpose)")),
                new Case("param ref required parts", binding, "{\"policyName\":\"p\",\"validationActions\":[\"Warn\"],"
                        + "\"paramRef\":{}}",
                        List.of("spec.paramRef: Required value: one of name or selector must be specified",
                                "spec.paramRef.parameterNotFoundAction: Required value")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesAsUpstream(Case c) {
        ObjectNode object = object("{\"metadata\":{\"name\":\"policy\"},\"spec\":" + c.spec() + "}");
        c.rules().setDefaults(object);
        assertEquals(c.expected(), c.rules().validate(object).stream().map(FieldError::toString).toList());
    }

    @Test
    void defaultsAsV1() {
        ObjectNode policy = object("{\"spec\":{" + MATCH + ",\"validations\":[{\"expression\":\"true\"}]}}");
        ValidatingAdmissionPolicyRules.POLICY.setDefaults(policy);
        assertEquals(object("{\"failurePolicy\":\"Fail\",\"matchConstraints\":{\"resourceRules\":[{\"operations\":"
                + "[\"CREATE\"],\"apiGroups\":[\"apps\"],\"apiVersions\":[\"v1\"],\"resources\":[\"deployments\"],"
                + "\"scope\":\"*\"}],\"matchPolicy\":\"Equivalent\",\"namespaceSelector\":{},\"objectSelector\":{}},"
                + "\"validations\":[{\"expression\":\"true\"}]}"), policy.get("spec"));
        ObjectNode binding = object("{\"spec\":{\"policyName\":\"p\",\"matchResources\":{}}}");
        ValidatingAdmissionPolicyRules.BINDING.setDefaults(binding);
        assertEquals(object("{\"policyName\":\"p\",\"matchResources\":{\"matchPolicy\":\"Equivalent\","
                + "\"namespaceSelector\":{},\"objectSelector\":{}}}"), binding.get("spec"));
    }

    @Test
    void updateKeepingMatchConditionsAndParamKindSkipsThem() {
        String spec = "{\"spec\":{" + MATCH + ",\"validations\":[{\"expression\":\"true\"}],"
                + "\"matchConditions\":[{\"name\":\"m\",\"expression\":\"nope\"}]}}";
        ObjectNode old = object(spec);
        ObjectNode updated = object(spec);
        KindRules policy = ValidatingAdmissionPolicyRules.POLICY;
        policy.setDefaults(old);
        policy.setDefaults(updated);
        assertEquals(List.of(), policy.validateOnUpdate(updated, old));
        assertEquals(1, policy.validate(updated).size());
        ObjectNode changed = object(spec.replace("\"m\"", "\"n\""));
        policy.setDefaults(changed);
        assertEquals(1, policy.validateOnUpdate(changed, old).size());
    }
}
