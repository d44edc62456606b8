package dev.kj.apiserver.validation.networking;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * IngressClasses (networking.k8s.io/v1): parameters scope Cluster by default; the controller a
 * domain-prefixed path of at most 250 bytes and immutable; the parameters reference's kind, name,
 * scope and namespace. The reference's apiGroup, kind and name formats are not checked yet.
 */
public final class IngressClassRules implements KindRules {
    private static final int MAX_CONTROLLER = 250;
    private static final String HTTP_PATH = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
    private static final List<String> SCOPES = List.of("Cluster", "Namespace");

    @Override
    public void setDefaults(ObjectNode ingressClass) {
        if (ingressClass.path("spec").get("parameters") instanceof ObjectNode parameters && !set(parameters, "scope")) {
            parameters.put("scope", "Cluster");
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode ingressClass) {
        JsonNode spec = ingressClass.path("spec");
        FieldPath controllerPath = FieldPath.of("spec", "controller");
        String controller = text(spec, "controller");
        List<FieldError> errors = new ArrayList<>();
        if (controller.length() > MAX_CONTROLLER) {
            errors.add(FieldError.tooLong(controllerPath, MAX_CONTROLLER));
        }
        errors.addAll(domainPrefixedPath(controllerPath, controller));
        JsonNode parameters = spec.get("parameters");
        if (parameters != null && parameters.isObject()) {
            FieldPath at = FieldPath.of("spec", "parameters");
            if (text(parameters, "kind").isEmpty()) {
                errors.add(FieldError.required(at.child("kind"), ""));
            }
            if (text(parameters, "name").isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            }
            if (!set(parameters, "scope")) {
                errors.add(FieldError.required(at.child("scope"), ""));
                return errors;
            }
            String scope = text(parameters, "scope");
            if (!SCOPES.contains(scope)) {
                errors.add(FieldError.notSupported(at.child("scope"), scope, SCOPES));
            } else if (scope.equals("Namespace")) {
                if (!set(parameters, "namespace")) {
                    errors.add(FieldError.required(at.child("namespace"), "`parameters.scope` is set to 'Namespace'"));
                } else {
                    String namespace = text(parameters, "namespace");
                    errors.addAll(Formats.invalid(at.child("namespace"), namespace, Formats.dns1123Label(namespace)));
                }
            } else if (set(parameters, "namespace")) {
                errors.add(FieldError.forbidden(at.child("namespace"), "`parameters.scope` is set to 'Cluster'"));
            }
        }
        return errors;
    }

    /** IsDomainPrefixedPath: a DNS subdomain, a slash, then HTTP path characters. */
    private static List<FieldError> domainPrefixedPath(FieldPath path, String value) {
        if (value.isEmpty()) {
            return List.of(FieldError.required(path, ""));
        }
        int slash = value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1) {
            return List.of(FieldError.invalid(path, value, "must be a domain-prefixed path (such as \"acme.io/foo\")"));
        }
        String host = value.substring(0, slash);
        String rest = value.substring(slash + 1);
        List<FieldError> errors = new ArrayList<>(Formats.invalid(path, host, Formats.dns1123Subdomain(host)));
        if (!rest.matches(HTTP_PATH)) {
            errors.add(FieldError.invalid(path, rest, Formats.regexError("Invalid path", HTTP_PATH)));
        }
        return errors;
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode ingressClass, ObjectNode old) {
        return Numbers.immutable(ingressClass.path("spec").get("controller"), old.path("spec").get("controller"),
                FieldPath.of("spec", "controller"));
    }
}
