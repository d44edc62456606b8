package dev.kj.apiserver.authz.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.authz.Authorizer;
import dev.kj.apiserver.authz.RequestAttributes;
import dev.kj.apiserver.authz.StoreMirror;
import dev.kj.apiserver.registry.GenericStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Upstream's RBAC authorizer over Roles, ClusterRoles, RoleBindings and ClusterRoleBindings kept
 * in memory from the watch cache: a request is allowed when a rule of a role bound to the user
 * (cluster-wide, or in the request's namespace) allows it; otherwise no opinion, with the
 * resolution errors (a binding to a missing role) as the reason.
 */
public final class RbacAuthorizer implements Authorizer, AutoCloseable {
    private final List<StoreMirror> mirrors;
    private final StoreMirror roles;
    private final StoreMirror clusterRoles;
    private final StoreMirror roleBindings;
    private final StoreMirror clusterRoleBindings;
    private volatile Snapshot snapshot;

    public RbacAuthorizer(GenericStore roles, GenericStore clusterRoles, GenericStore roleBindings,
                          GenericStore clusterRoleBindings) {
        Runnable changed = () -> snapshot = null;
        this.roles = new StoreMirror(roles, changed);
        this.clusterRoles = new StoreMirror(clusterRoles, changed);
        this.roleBindings = new StoreMirror(roleBindings, changed);
        this.clusterRoleBindings = new StoreMirror(clusterRoleBindings, changed);
        this.mirrors = List.of(this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings);
    }

    public void awaitSynced() throws InterruptedException {
        for (StoreMirror mirror : mirrors) {
            if (!mirror.awaitSynced(60)) {
                throw new IllegalStateException("RBAC objects were not listed within 60 s");
            }
        }
    }

    /** A role binding's subjects and role. */
    private record Binding(String namespace, String name, List<JsonNode> subjects, String roleKind, String roleName) {
        static Binding of(ObjectNode object) {
            List<JsonNode> subjects = new ArrayList<>();
            object.path("subjects").forEach(subjects::add);
            JsonNode ref = object.path("roleRef");
            return new Binding(object.path("metadata").path("namespace").asText(), object.path("metadata").path("name").asText(),
                    subjects, ref.path("kind").asText(), ref.path("name").asText());
        }
    }

    /** An immutable view of the four mirrors, rebuilt after any of them changed. */
    private record Snapshot(List<Binding> clusterBindings, Map<String, List<Binding>> bindingsByNamespace,
                            Map<String, List<PolicyRule>> clusterRoleRules, Map<String, List<PolicyRule>> roleRules) {
    }

    private Snapshot snapshot() {
        Snapshot current = snapshot;
        if (current != null) {
            return current;
        }
        Map<String, List<PolicyRule>> clusterRoleRules = new HashMap<>();
        clusterRoles.objects().forEach(o -> clusterRoleRules.put(o.path("metadata").path("name").asText(),
                PolicyRule.listFromJson(o.path("rules"))));
        Map<String, List<PolicyRule>> roleRules = new HashMap<>();
        roles.objects().forEach(o -> roleRules.put(o.path("metadata").path("namespace").asText() + "/"
                + o.path("metadata").path("name").asText(), PolicyRule.listFromJson(o.path("rules"))));
        List<Binding> cluster = clusterRoleBindings.objects().stream().map(Binding::of)
                .sorted(java.util.Comparator.comparing(Binding::name)).toList();
        Map<String, List<Binding>> byNamespace = new HashMap<>();
        roleBindings.objects().stream().map(Binding::of).sorted(java.util.Comparator.comparing(Binding::name))
                .forEach(b -> byNamespace.computeIfAbsent(b.namespace(), n -> new ArrayList<>()).add(b));
        current = new Snapshot(cluster, byNamespace, clusterRoleRules, roleRules);
        snapshot = current;
        return current;
    }

    @Override
    public Decision authorize(RequestAttributes attributes) {
        List<String> errors = new ArrayList<>();
        String[] allowedBy = new String[1];
        boolean allowed = visitRules(attributes.user(), attributes.namespace(), errors, (source, rule) -> {
            if (rule.allows(attributes)) {
                allowedBy[0] = source;
                return true;
            }
            return false;
        });
        if (allowed) {
            return new Decision(Decision.Kind.ALLOW, "RBAC: allowed by " + allowedBy[0]);
        }
        return Decision.noOpinion(errors.isEmpty() ? "" : "RBAC: " + aggregate(errors));
    }

    /** Every rule that applies to {@code user} in {@code namespace} (all cluster-wide ones when it is empty). */
    public List<PolicyRule> rulesFor(User user, String namespace, List<String> errors) {
        List<PolicyRule> rules = new ArrayList<>();
        visitRules(user, namespace, errors, (source, rule) -> {
            rules.add(rule);
            return false;
        });
        return rules;
    }

    /** Visits the user's rules until {@code visitor} returns true (upstream's VisitRulesFor). */
    private boolean visitRules(User user, String namespace, List<String> errors,
                               java.util.function.BiPredicate<String, PolicyRule> visitor) {
        Snapshot view = snapshot();
        for (Binding binding : view.clusterBindings()) {
            JsonNode subject = appliesTo(binding, user, "");
            if (subject == null) {
                continue;
            }
            String source = "ClusterRoleBinding " + quote(binding.name()) + " of " + binding.roleKind() + " "
                    + quote(binding.roleName()) + " to " + describe(subject, "");
            List<PolicyRule> rules = view.clusterRoleRules().get(binding.roleName());
            if (rules == null) {
                errors.add("clusterrole.rbac.authorization.k8s.io \"" + binding.roleName() + "\" not found");
                continue;
            }
            for (PolicyRule rule : rules) {
                if (visitor.test(source, rule)) {
                    return true;
                }
            }
        }
        if (namespace == null || namespace.isEmpty()) {
            return false;
        }
        for (Binding binding : view.bindingsByNamespace().getOrDefault(namespace, List.of())) {
            JsonNode subject = appliesTo(binding, user, namespace);
            if (subject == null) {
                continue;
            }
            String source = "RoleBinding " + quote(binding.name() + "/" + namespace) + " of " + binding.roleKind() + " "
                    + quote(binding.roleName()) + " to " + describe(subject, namespace);
            List<PolicyRule> rules = binding.roleKind().equals("ClusterRole")
                    ? view.clusterRoleRules().get(binding.roleName())
                    : view.roleRules().get(namespace + "/" + binding.roleName());
            if (rules == null) {
                errors.add((binding.roleKind().equals("ClusterRole") ? "clusterrole" : "role")
                        + ".rbac.authorization.k8s.io \"" + binding.roleName() + "\" not found");
                continue;
            }
            for (PolicyRule rule : rules) {
                if (visitor.test(source, rule)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The rules a role reference names: a ClusterRole's, or a Role's in {@code namespace}. */
    public java.util.Optional<List<PolicyRule>> roleRules(String kind, String namespace, String name) {
        Snapshot view = snapshot();
        return java.util.Optional.ofNullable(kind.equals("ClusterRole") ? view.clusterRoleRules().get(name)
                : view.roleRules().get(namespace + "/" + name));
    }

    /** The ClusterRoles as stored (the aggregation controller and tests read them). */
    public java.util.Collection<ObjectNode> clusterRoles() {
        return clusterRoles.objects();
    }

    /** Upstream's appliesToUser: the first subject of the binding that is the user, or null. */
    private static JsonNode appliesTo(Binding binding, User user, String bindingNamespace) {
        for (JsonNode subject : binding.subjects()) {
            String name = subject.path("name").asText();
            boolean applies = switch (subject.path("kind").asText()) {
                case "User" -> user.name().equals(name);
                case "Group" -> user.groups().contains(name);
                case "ServiceAccount" -> {
                    // upstream defaults the account's namespace to the binding's
                    String namespace = subject.path("namespace").asText().isEmpty() ? bindingNamespace
                            : subject.path("namespace").asText();
                    yield !namespace.isEmpty() && user.name().equals("system:serviceaccount:" + namespace + ":" + name);
                }
                default -> false;
            };
            if (applies) {
                return subject;
            }
        }
        return null;
    }

    /** Upstream's describeSubject: {@code Group "x"}, {@code ServiceAccount "name/namespace"}. */
    private static String describe(JsonNode subject, String bindingNamespace) {
        String kind = subject.path("kind").asText();
        String name = subject.path("name").asText();
        if (kind.equals("ServiceAccount")) {
            String namespace = subject.path("namespace").asText();
            return kind + " " + quote(name + "/" + (namespace.isEmpty() ? bindingNamespace : namespace));
        }
        return kind + " " + quote(name);
    }

    private static String quote(String value) {
        return dev.kj.apiserver.authz.Forbidden.quote(value);
    }

    /** utilerrors.NewAggregate's text: one error alone, else {@code [a, b]}. */
    static String aggregate(List<String> errors) {
        List<String> distinct = errors.stream().distinct().toList();
        return distinct.size() == 1 ? distinct.getFirst() : "[" + String.join(", ", distinct) + "]";
    }

    @Override
    public void close() {
        mirrors.forEach(StoreMirror::close);
    }
}
