package dev.kj.apiserver.validation.admissionregistration;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.kj.apiserver.cel.AdmissionExpressions;
import dev.kj.apiserver.cel.AdmissionExpressions.Declarations;
import dev.kj.apiserver.cel.AdmissionExpressions.Kind;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.LabelSelectors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1):
 * v1's SetDefaults_ValidatingAdmissionPolicySpec / _MatchResources / _NamedRuleWithOperations and
 * pkg/apis/admissionregistration/validation, CEL expressions compiled by {@link AdmissionExpressions}.
 */
public final class ValidatingAdmissionPolicyRules {
    public static final KindRules POLICY = new Policy();
    public static final KindRules BINDING = new Binding();

    private static final List<String> FAILURE_POLICIES = List.of("Fail", "Ignore");
    private static final List<String> MATCH_POLICIES = List.of("Equivalent", "Exact");
    private static final List<String> REASONS = List.of("Forbidden", "Invalid", "RequestEntityTooLarge");
    private static final List<String> VALIDATION_ACTIONS = List.of("Audit", "Deny", "Warn");
    private static final List<String> NOT_FOUND_ACTIONS = List.of("Deny", "Allow");
    private static final int MAX_AUDIT_ANNOTATIONS = 20;
    private static final int MAX_AUDIT_VALUE_EXPRESSION = 5 * 1024;
    private static final Pattern CEL_IDENTIFIER = Pattern.compile("^[_a-zA-Z][_a-zA-Z0-9]*$");
    private static final Set<String> CEL_RESERVED = Set.of("true", "false", "null", "in", "as", "break", "const",
            "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return",
            "var", "void", "while");
    private static final Pattern NEWLINES = Pattern.compile("[\\n\\r]+");

    private ValidatingAdmissionPolicyRules() {
    }

    /** SetDefaults_MatchResources and the rules' scope. */
    static void defaultMatchResources(JsonNode match) {
        if (!(match instanceof ObjectNode resources)) {
            return;
        }
        if (!set(resources, "matchPolicy")) {
            resources.put("matchPolicy", "Equivalent");
        }
        for (String selector : List.of("namespaceSelector", "objectSelector")) {
            if (!set(resources, selector)) {
                resources.putObject(selector);
            }
        }
        for (String rules : List.of("resourceRules", "excludeResourceRules")) {
            for (JsonNode rule : resources.path(rules)) {
                if (rule instanceof ObjectNode r && !set(r, "scope")) {
                    r.put("scope", "*");
                }
            }
        }
    }

    private static final class Policy implements KindRules {
        @Override
        public void setDefaults(ObjectNode policy) {
            if (policy.get("spec") instanceof ObjectNode spec) {
                if (!set(spec, "failurePolicy")) {
                    spec.put("failurePolicy", "Fail");
                }
                defaultMatchResources(spec.get("matchConstraints"));
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode policy) {
            return spec(policy, false);
        }

        @Override
        public List<FieldError> validateOnUpdate(ObjectNode policy, ObjectNode old) {
            JsonNode spec = policy.path("spec");
            JsonNode oldSpec = old.path("spec");
            // upstream skips the match conditions when they and paramKind are unchanged
            boolean ignoreMatchConditions = Objects.equals(spec.get("paramKind"), oldSpec.get("paramKind"))
                    && Objects.equals(spec.get("matchConditions"), oldSpec.get("matchConditions"));
            return spec(policy, ignoreMatchConditions);
        }
    }

    static List<FieldError> spec(JsonNode policy, boolean ignoreMatchConditions) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode spec = policy.path("spec");
        FieldPath path = FieldPath.root("spec");
        if (!set(spec, "failurePolicy")) {
            errors.add(FieldError.required(path.child("failurePolicy"), ""));
        } else if (!FAILURE_POLICIES.contains(text(spec, "failurePolicy"))) {
            errors.add(FieldError.notSupported(path.child("failurePolicy"), text(spec, "failurePolicy"), FAILURE_POLICIES));
        }
        boolean hasParams = set(spec, "paramKind");
        if (hasParams) {
            errors.addAll(paramKind(spec.get("paramKind"), path.child("paramKind")));
        }
        if (!set(spec, "matchConstraints")) {
            errors.add(FieldError.required(path.child("matchConstraints"), ""));
        } else {
            errors.addAll(matchResources(spec.get("matchConstraints"), path.child("matchConstraints")));
            if (spec.get("matchConstraints").path("resourceRules").isEmpty()) {
                errors.add(FieldError.required(path.child("matchConstraints", "resourceRules"), ""));
            }
        }
        if (!ignoreMatchConditions) {
            errors.addAll(MatchConditions.validate(spec.path("matchConditions"), hasParams, path.child("matchConditions")));
        }
        // composition: each variable sees those before it, typed by what they compiled to
        Map<String, CelType> variables = null;
        if (!spec.path("variables").isEmpty()) {
            variables = new LinkedHashMap<>();
            int i = 0;
            for (JsonNode variable : spec.path("variables")) {
                errors.addAll(variable(variable, hasParams, variables, path.child("variables").index(i++)));
            }
        }
        Declarations withAuthorizer = new Declarations(hasParams, true, variables);
        JsonNode validations = spec.path("validations");
        JsonNode auditAnnotations = spec.path("auditAnnotations");
        if (validations.isEmpty() && auditAnnotations.isEmpty()) {
            String detail = "validations or auditAnnotations must contain at least one item";
            errors.add(FieldError.required(path.child("validations"), detail));
            errors.add(FieldError.required(path.child("auditAnnotations"), detail));
            return errors;
        }
        int i = 0;
        for (JsonNode validation : validations) {
            errors.addAll(validation(validation, withAuthorizer, path.child("validations").index(i++)));
        }
        if (set(spec, "auditAnnotations")) {
            if (auditAnnotations.size() > MAX_AUDIT_ANNOTATIONS) {
                errors.add(FieldError.invalidRendered(path.child("auditAnnotations"), auditAnnotationsGo(auditAnnotations),
                        "must not have more than " + MAX_AUDIT_ANNOTATIONS + " auditAnnotations"));
            }
            Set<String> keys = new HashSet<>();
            String name = policy.path("metadata").path("name").asText("");
            i = 0;
            for (JsonNode annotation : auditAnnotations) {
                FieldPath at = path.child("auditAnnotations").index(i++);
                errors.addAll(auditAnnotation(annotation, name, withAuthorizer, at));
                String key = text(annotation, "key");
                if (!keys.add(key)) {
                    errors.add(FieldError.duplicate(at.child("key"), key));
                }
            }
        }
        return errors;
    }

    private static List<FieldError> variable(JsonNode variable, boolean hasParams, Map<String, CelType> variables,
            FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(variable, "name");
        if (name.isBlank()) {
            errors.add(FieldError.required(path.child("name"), "name is not specified"));
        } else if (!CEL_IDENTIFIER.matcher(name).matches() || CEL_RESERVED.contains(name)) {
            errors.add(FieldError.invalid(path.child("name"), name, "name is not a valid CEL identifier"));
        }
        String expression = text(variable, "expression");
        if (expression.isBlank()) {
            errors.add(FieldError.required(path.child("expression"), "expression is not specified"));
            return errors;
        }
        var result = AdmissionExpressions.compile(expression, Kind.VARIABLE,
                new Declarations(hasParams, true, Map.copyOf(variables)));
        result.problem().ifPresent(p -> errors.add(FieldError.invalid(path.child("expression"), expression, p.detail())));
        if (!name.isBlank()) {
            variables.put(name, result.type().orElse(SimpleType.DYN));
        }
        return errors;
    }

    private static List<FieldError> validation(JsonNode validation, Declarations declarations, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String expression = text(validation, "expression");
        if (expression.isBlank()) {
            errors.add(FieldError.required(path.child("expression"), "expression is not specified"));
        } else {
            errors.addAll(MatchConditions.compile(expression, Kind.CONDITION, declarations, path.child("expression")));
        }
        String messageExpression = text(validation, "messageExpression");
        if (!messageExpression.isEmpty() && messageExpression.isBlank()) {
            errors.add(FieldError.invalid(path.child("messageExpression"), messageExpression, "must be non-empty if specified"));
        } else if (!messageExpression.isBlank()) {
            // message expressions have no authorizer; params only with a paramKind (upstream passes
            // allowParamsInMatchConditions, which a paramKind sets)
            errors.addAll(MatchConditions.compile(messageExpression, Kind.MESSAGE,
                    new Declarations(declarations.params(), false, declarations.variables()), path.child("messageExpression")));
        }
        String message = text(validation, "message");
        String trimmed = message.strip();
        if (!message.isEmpty() && trimmed.isEmpty()) {
            errors.add(FieldError.invalid(path.child("message"), message, "message must be non-empty if specified"));
        } else if (NEWLINES.matcher(trimmed).find()) {
            errors.add(FieldError.invalid(path.child("message"), message, "message must not contain line breaks"));
        }
        if (set(validation, "reason") && !REASONS.contains(text(validation, "reason"))) {
            errors.add(FieldError.notSupported(path.child("reason"), text(validation, "reason"), REASONS));
        }
        return errors;
    }

    private static List<FieldError> auditAnnotation(JsonNode annotation, String policyName, Declarations declarations,
            FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String key = text(annotation, "key");
        if (!policyName.isEmpty()) {
            String qualified = policyName + "/" + key;
            errors.addAll(Formats.invalid(path.child("key"), qualified, Formats.qualifiedName(qualified)));
        } else {
            errors.add(FieldError.invalid(path.child("key"), key, "requires metadata.name be non-empty"));
        }
        String value = text(annotation, "valueExpression");
        String trimmed = value.strip();
        if (trimmed.isEmpty()) {
            errors.add(FieldError.required(path.child("valueExpression"), "valueExpression is not specified"));
        } else if (trimmed.length() > MAX_AUDIT_VALUE_EXPRESSION) {
            errors.add(FieldError.required(path.child("valueExpression"),
                    "must not exceed " + MAX_AUDIT_VALUE_EXPRESSION + " bytes in length"));
        } else {
            AdmissionExpressions.compile(trimmed, Kind.AUDIT_ANNOTATION, declarations).problem().ifPresent(
                    p -> errors.add(FieldError.invalid(path.child("valueExpression"), value, p.detail())));
        }
        return errors;
    }

    private static List<FieldError> paramKind(JsonNode kind, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String apiVersion = text(kind, "apiVersion");
        FieldPath versionPath = path.child("apiVersion");
        if (apiVersion.isEmpty()) {
            errors.add(FieldError.required(versionPath, ""));
        } else if (apiVersion.chars().filter(c -> c == '/').count() > 1) {
            errors.add(FieldError.invalid(versionPath, apiVersion, "unexpected GroupVersion string: " + apiVersion));
        } else {
            String group = "";
            String version = apiVersion;
            if (apiVersion.equals("/")) {
                version = "";
            } else if (apiVersion.contains("/")) {
                group = apiVersion.substring(0, apiVersion.indexOf('/'));
                version = apiVersion.substring(apiVersion.indexOf('/') + 1);
            }
            if (!group.isEmpty()) {
                List<String> problems = Formats.dns1123Subdomain(group);
                if (!problems.isEmpty()) {
                    errors.add(FieldError.invalid(versionPath, group, String.join(",", problems)));
                }
            }
            if (version.isEmpty()) {
                errors.add(FieldError.invalid(versionPath, apiVersion, "version must be specified"));
            } else {
                List<String> problems = Formats.dns1035Label(version);
                if (!problems.isEmpty()) {
                    errors.add(FieldError.invalid(versionPath, version, String.join(",", problems)));
                }
            }
        }
        String kindName = text(kind, "kind");
        if (kindName.isEmpty()) {
            errors.add(FieldError.required(path.child("kind"), ""));
        } else {
            List<String> problems = Formats.dns1035Label(kindName.toLowerCase(Locale.ROOT));
            if (!problems.isEmpty()) {
                errors.add(FieldError.invalid(path.child("kind"), kindName,
                        "may have mixed case, but should otherwise match: " + String.join(",", problems)));
            }
        }
        return errors;
    }

    /** validateMatchResources (policies' matchConstraints and bindings' matchResources). */
    static List<FieldError> matchResources(JsonNode match, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (!set(match, "matchPolicy")) {
            errors.add(FieldError.required(path.child("matchPolicy"), ""));
        } else if (!MATCH_POLICIES.contains(text(match, "matchPolicy"))) {
            errors.add(FieldError.notSupported(path.child("matchPolicy"), text(match, "matchPolicy"), MATCH_POLICIES));
        }
        for (String selector : List.of("namespaceSelector", "objectSelector")) {
            if (!set(match, selector)) {
                errors.add(FieldError.required(path.child(selector), ""));
            } else {
                errors.addAll(LabelSelectors.validate(match.get(selector), path.child(selector)));
            }
        }
        for (String rules : List.of("resourceRules", "excludeResourceRules")) {
            int i = 0;
            for (JsonNode rule : match.path(rules)) {
                errors.addAll(namedRuleWithOperations(rule, path.child(rules).index(i++)));
            }
        }
        return errors;
    }

    private static List<FieldError> namedRuleWithOperations(JsonNode rule, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode node : rule.path("resourceNames")) {
            FieldPath at = path.child("resourceNames").index(i++);
            String name = node.asText("");
            errors.addAll(Formats.invalid(at, name, Formats.pathSegmentName(name)));
            if (!names.add(name)) {
                errors.add(FieldError.duplicate(at, name));
            }
        }
        errors.addAll(WebhookConfigurationRules.ruleWithOperations(rule, path));
        return errors;
    }

    private static final class Binding implements KindRules {
        @Override
        public void setDefaults(ObjectNode binding) {
            if (binding.get("spec") instanceof ObjectNode spec) {
                defaultMatchResources(spec.get("matchResources"));
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode binding) {
            List<FieldError> errors = new ArrayList<>();
            JsonNode spec = binding.path("spec");
            FieldPath path = FieldPath.root("spec");
            String policyName = text(spec, "policyName");
            if (policyName.isEmpty()) {
                errors.add(FieldError.required(path.child("policyName"), ""));
            } else {
                errors.addAll(Formats.invalid(path.child("policyName"), policyName, Formats.dns1123Subdomain(policyName)));
            }
            if (set(spec, "paramRef")) {
                errors.addAll(paramRef(spec.get("paramRef"), path.child("paramRef")));
            }
            if (set(spec, "matchResources")) {
                // upstream's path has this spelling
                errors.addAll(matchResources(spec.get("matchResources"), path.child("matchResouces")));
            }
            errors.addAll(validationActions(spec.path("validationActions"), path.child("validationActions")));
            return errors;
        }
    }

    private static List<FieldError> paramRef(JsonNode ref, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(ref, "name");
        boolean selector = set(ref, "selector");
        if (!name.isEmpty()) {
            errors.addAll(Formats.invalid(path.child("name"), name, Formats.pathSegmentName(name)));
            if (selector) {
                errors.add(FieldError.forbidden(path.child("name"), "name and selector are mutually exclusive"));
            }
        }
        if (selector) {
            errors.addAll(LabelSelectors.validate(ref.get("selector"), path.child("selector")));
            if (!name.isEmpty()) {
                errors.add(FieldError.forbidden(path.child("selector"), "name and selector are mutually exclusive"));
            }
        }
        if (name.isEmpty() && !selector) {
            errors.add(FieldError.required(path, "one of name or selector must be specified"));
        }
        String action = text(ref, "parameterNotFoundAction");
        if (action.isEmpty()) {
            errors.add(FieldError.required(path.child("parameterNotFoundAction"), ""));
        } else if (!NOT_FOUND_ACTIONS.contains(action)) {
            // upstream passes the pointer, which field.NotSupported prints as its address; kj prints the value
            errors.add(FieldError.notSupported(path.child("parameterNotFoundAction"), action, NOT_FOUND_ACTIONS));
        }
        return errors;
    }

    private static List<FieldError> validationActions(JsonNode actions, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int i = 0;
        for (JsonNode node : actions) {
            FieldPath at = path.index(i++);
            String action = node.asText("");
            if (!VALIDATION_ACTIONS.contains(action)) {
                errors.add(FieldError.notSupported(at, action, VALIDATION_ACTIONS));
            }
            if (!seen.add(action)) {
                errors.add(FieldError.duplicate(at, action));
            }
        }
        if (seen.contains("Deny") && seen.contains("Warn")) {
            errors.add(FieldError.invalidRendered(path,
                    GoValues.stringSlice(actions).replaceFirst("^\\[\\]string", "[]admissionregistration.ValidationAction"),
                    "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"));
        }
        if (seen.isEmpty()) {
            errors.add(FieldError.required(path, "at least one validation action is required"));
        }
        return errors;
    }

    /** Go's %#v of []admissionregistration.AuditAnnotation. */
    private static String auditAnnotationsGo(JsonNode annotations) {
        List<String> items = new ArrayList<>();
        for (JsonNode a : annotations) {
            items.add("admissionregistration.AuditAnnotation{Key:" + GoValues.quote(text(a, "key"))
                    + ", ValueExpression:" + GoValues.quote(text(a, "valueExpression")) + "}");
        }
        return "[]admissionregistration.AuditAnnotation{" + String.join(", ", items) + "}";
    }
}
