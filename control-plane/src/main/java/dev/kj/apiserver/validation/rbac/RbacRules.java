package dev.kj.apiserver.validation.rbac;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import java.util.ArrayList;
import java.util.List;

/** rbac.authorization.k8s.io/v1: SetDefaults_Subject/RoleBinding and pkg/apis/rbac/validation. */
public final class RbacRules {
    private RbacRules() {
    }

    static final String GROUP = "rbac.authorization.k8s.io";

    public static final KindRules ROLE = roles(true);
    public static final KindRules CLUSTER_ROLE = roles(false);
    public static final KindRules ROLE_BINDING = bindings(true);
    public static final KindRules CLUSTER_ROLE_BINDING = bindings(false);

    private static KindRules roles(boolean namespaced) {
        return new KindRules() {
            @Override
            public List<FieldError> validate(ObjectNode role) {
                List<FieldError> errors = new ArrayList<>();
                int i = 0;
                for (JsonNode rule : role.path("rules")) {
                    errors.addAll(policyRule(rule, namespaced, FieldPath.root("rules").index(i++)));
                }
                return errors;
            }
        };
    }

    /** ValidatePolicyRule. */
    static List<FieldError> policyRule(JsonNode rule, boolean namespaced, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (rule.path("verbs").isEmpty()) {
            errors.add(FieldError.required(path.child("verbs"), "verbs must contain at least one value"));
        }
        if (!rule.path("nonResourceURLs").isEmpty()) {
            String urls = stringList(rule.path("nonResourceURLs"));
            if (namespaced) {
                errors.add(FieldError.invalidRendered(path.child("nonResourceURLs"), urls,
                        "namespaced rules cannot apply to non-resource URLs"));
            }
            if (!rule.path("apiGroups").isEmpty() || !rule.path("resources").isEmpty()
                    || !rule.path("resourceNames").isEmpty()) {
                errors.add(FieldError.invalidRendered(path.child("nonResourceURLs"), urls,
                        "rules cannot apply to both regular resources and non-resource URLs"));
            }
            return errors;
        }
        if (rule.path("apiGroups").isEmpty()) {
            errors.add(FieldError.required(path.child("apiGroups"), "resource rules must supply at least one api group"));
        }
        if (rule.path("resources").isEmpty()) {
            errors.add(FieldError.required(path.child("resources"), "resource rules must supply at least one resource"));
        }
        return errors;
    }

    private static String stringList(JsonNode list) {
        List<String> items = new ArrayList<>();
        list.forEach(item -> items.add(GoValues.quote(item.asText())));
        return "[]string{" + String.join(", ", items) + "}";
    }

    private static KindRules bindings(boolean namespaced) {
        return new KindRules() {
            @Override
            public void setDefaults(ObjectNode binding) {
                ObjectNode roleRef = object(binding, "roleRef");
                if (text(roleRef, "apiGroup").isEmpty()) {
                    roleRef.put("apiGroup", GROUP);
                }
                for (JsonNode node : binding.path("subjects")) {
                    if (node instanceof ObjectNode subject && text(subject, "apiGroup").isEmpty()
                            && List.of("User", "Group").contains(text(subject, "kind"))) {
                        subject.put("apiGroup", GROUP);
                    }
                }
            }

            @Override
            public List<FieldError> validate(ObjectNode binding) {
                List<FieldError> errors = new ArrayList<>();
                JsonNode roleRef = binding.path("roleRef");
                FieldPath refPath = FieldPath.root("roleRef");
                if (!text(roleRef, "apiGroup").equals(GROUP)) {
                    errors.add(FieldError.notSupported(refPath.child("apiGroup"), text(roleRef, "apiGroup"), List.of(GROUP)));
                }
                List<String> kinds = namespaced ? List.of("Role", "ClusterRole") : List.of("ClusterRole");
                if (!kinds.contains(text(roleRef, "kind"))) {
                    errors.add(FieldError.notSupported(refPath.child("kind"), text(roleRef, "kind"), kinds));
                }
                String name = text(roleRef, "name");
                if (name.isEmpty()) {
                    errors.add(FieldError.required(refPath.child("name"), ""));
                } else {
                    for (String forbidden : List.of("/", "%")) {
                        if (name.contains(forbidden)) {
                            errors.add(FieldError.invalid(refPath.child("name"), name, "may not contain '" + forbidden + "'"));
                        }
                    }
                }
                int i = 0;
                for (JsonNode subject : binding.path("subjects")) {
                    errors.addAll(subject(subject, namespaced, FieldPath.root("subjects").index(i++)));
                }
                return errors;
            }

            @Override
            public List<FieldError> validateUpdate(ObjectNode binding, ObjectNode old) {
                JsonNode roleRef = binding.path("roleRef");
                if (!roleRef.equals(old.path("roleRef"))) {
                    return List.of(FieldError.invalidRendered(FieldPath.root("roleRef"), "rbac.RoleRef{APIGroup:"
                            + GoValues.quote(text(roleRef, "apiGroup")) + ", Kind:" + GoValues.quote(text(roleRef, "kind"))
                            + ", Name:" + GoValues.quote(text(roleRef, "name")) + "}", "cannot change roleRef"));
                }
                return List.of();
            }
        };
    }

    /** ValidateRoleBindingSubject. */
    private static List<FieldError> subject(JsonNode subject, boolean namespaced, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(subject, "name");
        if (name.isEmpty()) {
            errors.add(FieldError.required(path.child("name"), ""));
        }
        String apiGroup = text(subject, "apiGroup");
        switch (text(subject, "kind")) {
            case "ServiceAccount" -> {
                if (!name.isEmpty()) {
                    errors.addAll(Formats.invalid(path.child("name"), name, Formats.dns1123Subdomain(name)));
                }
                if (!apiGroup.isEmpty()) {
                    errors.add(FieldError.notSupported(path.child("apiGroup"), apiGroup, List.of("")));
                }
                if (!namespaced && text(subject, "namespace").isEmpty()) {
                    errors.add(FieldError.required(path.child("namespace"), ""));
                }
            }
            case "User", "Group" -> {
                if (!apiGroup.equals(GROUP)) {
                    errors.add(FieldError.notSupported(path.child("apiGroup"), apiGroup, List.of(GROUP)));
                }
            }
            default -> errors.add(FieldError.notSupported(path.child("kind"), text(subject, "kind"),
                    List.of("ServiceAccount", "User", "Group")));
        }
        return errors;
    }
}
