package dev.kj.apiserver.authz.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.authz.Authorizer;
import dev.kj.apiserver.authz.AuthorizerChain;
import dev.kj.apiserver.authz.Forbidden;
import dev.kj.apiserver.authz.RequestAttributes;
import dev.kj.apiserver.authz.RequestUser;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.GenericStore;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * RBAC's escalation prevention (upstream's policybased role and binding storage): a user may
 * write a Role or ClusterRole only with rules they hold themselves, unless allowed to
 * {@code escalate} it; and a binding only to a role whose rules they hold, unless allowed to
 * {@code bind} it. {@code system:masters} is exempt. Writes the server makes itself are exempt.
 */
public final class Escalation implements GenericStore.WriteHook {
    /** What an aggregationRule may gather: everything (upstream's fullAuthority). */
    private static final List<PolicyRule> FULL_AUTHORITY = List.of(
            new PolicyRule(List.of("*"), List.of("*"), List.of("*"), List.of(), List.of()),
            new PolicyRule(List.of("*"), List.of(), List.of(), List.of(), List.of("*")));

    private final String resource;
    private final Supplier<Authorizer> authorizer;
    private final Supplier<RbacAuthorizer> rbac;

    /** @param resource roles, clusterroles, rolebindings or clusterrolebindings */
    public Escalation(String resource, Supplier<Authorizer> authorizer, Supplier<RbacAuthorizer> rbac) {
        this.resource = resource;
        this.authorizer = authorizer;
        this.rbac = rbac;
    }

    @Override
    public Outcome beforeCreate(ObjectNode object, boolean dryRun) {
        check(object, null);
        return Outcome.NOTHING;
    }

    @Override
    public Outcome beforeUpdate(ObjectNode object, ObjectNode old, boolean dryRun) {
        if (onlyGcFields(object, old)) {
            return Outcome.NOTHING;
        }
        check(object, old);
        return Outcome.NOTHING;
    }

    @Override
    public void afterDelete(ObjectNode object) {
    }

    private void check(ObjectNode object, ObjectNode old) {
        User user = RequestUser.current().orElse(null);
        if (user == null || user.groups().contains(AuthorizerChain.PRIVILEGED_GROUP) || rbac.get() == null) {
            return;
        }
        String namespace = object.path("metadata").path("namespace").asText();
        String name = object.path("metadata").path("name").asText();
        boolean binding = resource.endsWith("bindings");
        if (!binding) {
            if (allowed(user, "escalate", resource, namespace, old == null ? "" : name)) {
                return;
            }
            confirmNoEscalation(user, namespace, PolicyRule.listFromJson(object.path("rules")), name);
            boolean aggregated = object.path("aggregationRule").isObject() || (old != null && old.path("aggregationRule").isObject());
            if (resource.equals("clusterroles") && aggregated && !missing(user, "", FULL_AUTHORITY, new ArrayList<>()).isEmpty()) {
                throw Forbidden.forbidden("rbac.authorization.k8s.io", resource, name,
                        "must have cluster-admin privileges to use an aggregationRule");
            }
            return;
        }
        JsonNode ref = object.path("roleRef");
        String roleKind = ref.path("kind").asText();
        String roleName = ref.path("name").asText();
        if (allowed(user, "bind", roleKind.equals("ClusterRole") ? "clusterroles" : "roles", namespace, roleName)) {
            return;
        }
        List<PolicyRule> rules = rbac.get().roleRules(roleKind, namespace, roleName).orElseThrow(() ->
                StatusException.notFound(roleKind.equals("ClusterRole") ? "clusterroles.rbac.authorization.k8s.io"
                        : "roles.rbac.authorization.k8s.io", "rbac.authorization.k8s.io",
                        roleKind.equals("ClusterRole") ? "clusterroles" : "roles", roleName));
        confirmNoEscalation(user, namespace, rules, name);
    }

    private boolean allowed(User user, String verb, String resource, String namespace, String name) {
        return authorizer.get().authorize(RequestAttributes.resource(user, verb, "rbac.authorization.k8s.io", resource, "",
                namespace, name)).allowed();
    }

    private void confirmNoEscalation(User user, String namespace, List<PolicyRule> rules, String name) {
        List<String> errors = new ArrayList<>();
        List<PolicyRule> missing = missing(user, namespace, rules, errors);
        if (missing.isEmpty()) {
            return;
        }
        TreeSet<String> descriptions = new TreeSet<>();
        missing.forEach(rule -> descriptions.add(rule.compactString()));
        String message = "user " + Forbidden.quote(user.name()) + " (groups=" + PolicyRule.goList(user.groups())
                + ") is attempting to grant RBAC permissions not currently held:\n" + String.join("\n", descriptions);
        if (!errors.isEmpty()) {
            message += "; resolution errors: [" + String.join(" ", errors.stream().distinct().toList()) + "]";
        }
        throw Forbidden.forbidden("rbac.authorization.k8s.io", resource, name, message);
    }

    private List<PolicyRule> missing(User user, String namespace, List<PolicyRule> requested, List<String> errors) {
        List<PolicyRule> held = rbac.get().rulesFor(user, namespace, errors);
        List<PolicyRule> missing = new ArrayList<>();
        for (PolicyRule rule : requested) {
            for (PolicyRule simple : rule.breakdown()) {
                if (held.stream().noneMatch(owner -> owner.covers(simple))) {
                    missing.add(simple);
                }
            }
        }
        return missing;
    }

    /** Whether {@code held} grants every rule of {@code requested} (upstream's Covers). */
    public static boolean covers(List<PolicyRule> held, List<PolicyRule> requested) {
        for (PolicyRule rule : requested) {
            for (PolicyRule simple : rule.breakdown()) {
                if (held.stream().noneMatch(owner -> owner.covers(simple))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Only finalizers or owner references changed (what the garbage collector writes): no check, as upstream. */
    private static boolean onlyGcFields(ObjectNode object, ObjectNode old) {
        ObjectNode a = object.deepCopy();
        ObjectNode b = old.deepCopy();
        for (ObjectNode o : List.of(a, b)) {
            if (o.get("metadata") instanceof ObjectNode metadata) {
                metadata.remove(List.of("finalizers", "ownerReferences", "resourceVersion", "managedFields", "generation"));
            }
        }
        return a.equals(b);
    }
}
