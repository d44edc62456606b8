package dev.kj.apiserver.authz.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.GenericStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Upstream's rbac/bootstrap-roles post-start hook: every default ClusterRole and
 * ClusterRoleBinding, and the Roles and RoleBindings of the kube-* namespaces (each namespace
 * created first when missing, as upstream's RoleModifier does), is created when missing and, unless its autoupdate annotation is
 * {@code "false"}, topped up — missing rules, labels, annotations, aggregation selectors and
 * subjects added, nothing removed. An aggregated role's rules belong to the aggregation controller.
 */
public final class PolicyReconciler {
    private static final System.Logger LOG = System.getLogger(PolicyReconciler.class.getName());

    private final GenericStore clusterRoles;
    private final GenericStore clusterRoleBindings;
    private final GenericStore roles;
    private final GenericStore roleBindings;
    private final GenericStore namespaces;

    public PolicyReconciler(GenericStore clusterRoles, GenericStore clusterRoleBindings, GenericStore roles,
                            GenericStore roleBindings, GenericStore namespaces) {
        this.clusterRoles = clusterRoles;
        this.clusterRoleBindings = clusterRoleBindings;
        this.roles = roles;
        this.roleBindings = roleBindings;
        this.namespaces = namespaces;
    }

    public void reconcile() {
        List<BootstrapPolicy.Role> wantedClusterRoles = new ArrayList<>(BootstrapPolicy.clusterRoles());
        wantedClusterRoles.addAll(BootstrapPolicy.controllerRoles());
        for (BootstrapPolicy.Role role : wantedClusterRoles) {
            reconcile(clusterRoles, role.toJson(), role.aggregationSelector() == null);
        }
        List<BootstrapPolicy.Binding> bindings = new ArrayList<>(BootstrapPolicy.clusterRoleBindings());
        bindings.addAll(BootstrapPolicy.controllerRoleBindings());
        for (BootstrapPolicy.Binding binding : bindings) {
            reconcile(clusterRoleBindings, null, binding.toJson(), false);
        }
        for (BootstrapPolicy.NamespacedRole role : BootstrapPolicy.namespaceRoles()) {
            ensureNamespace(role.namespace());
            reconcile(roles, role.namespace(), role.toJson(), true);
        }
        for (BootstrapPolicy.RoleBinding binding : BootstrapPolicy.namespaceRoleBindings()) {
            ensureNamespace(binding.namespace());
            reconcile(roleBindings, binding.namespace(), binding.toJson(), false);
        }
    }

    private void ensureNamespace(String name) {
        try {
            namespaces.get(null, name);
        } catch (StatusException e) {
            if (e.code() != 404) {
                throw e;
            }
            ObjectNode namespace = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            namespace.putObject("metadata").put("name", name);
            try {
                namespaces.create(null, namespace, false);
            } catch (StatusException raced) {
                if (raced.code() != 409) {
                    throw raced;
                }
            }
        }
    }

    private void reconcile(GenericStore store, ObjectNode wanted, boolean ownRules) {
        reconcile(store, null, wanted, ownRules);
    }

    private void reconcile(GenericStore store, String namespace, ObjectNode wanted, boolean ownRules) {
        String name = wanted.path("metadata").path("name").asText();
        for (int attempt = 0; attempt < 5; attempt++) {
            ObjectNode existing;
            try {
                existing = store.get(namespace, name);
            } catch (StatusException e) {
                if (e.code() != 404) {
                    throw e;
                }
                try {
                    store.create(namespace, wanted.deepCopy(), false);
                    return;
                } catch (StatusException raced) {
                    if (raced.code() == 409) {
                        continue;
                    }
                    throw raced;
                }
            }
            if (existing.path("metadata").path("annotations").path(BootstrapPolicy.AUTOUPDATE).asText().equals("false")) {
                return; // the administrator took the object over
            }
            ObjectNode merged = existing.deepCopy();
            boolean changed = mergeMap(merged, wanted, "labels") | mergeMap(merged, wanted, "annotations");
            if (wanted.has("roleRef") && !wanted.get("roleRef").equals(existing.get("roleRef"))) {
                // a binding's role cannot change: upstream deletes and recreates it
                store.delete(namespace, name, dev.kj.apiserver.registry.DeleteOptions.fromQuery(java.util.Map.of()));
                continue;
            }
            if (wanted.has("subjects")) {
                changed |= mergeArray(merged, wanted.path("subjects"), "subjects");
            }
            if (wanted.has("aggregationRule")) {
                ObjectNode rule = merged.has("aggregationRule") && merged.get("aggregationRule").isObject()
                        ? (ObjectNode) merged.get("aggregationRule") : merged.putObject("aggregationRule");
                changed |= mergeArray(rule, wanted.path("aggregationRule").path("clusterRoleSelectors"), "clusterRoleSelectors");
            }
            if (ownRules && wanted.has("rules")) {
                List<PolicyRule> held = PolicyRule.listFromJson(existing.path("rules"));
                ArrayNode rules = merged.has("rules") && merged.get("rules").isArray()
                        ? (ArrayNode) merged.get("rules") : merged.putArray("rules");
                for (JsonNode rule : wanted.path("rules")) {
                    PolicyRule needed = PolicyRule.fromJson(rule);
                    if (!Escalation.covers(held, List.of(needed))) {
                        rules.add(rule);
                        changed = true;
                    }
                }
            }
            if (!changed) {
                return;
            }
            try {
                store.update(namespace, name, merged, false);
                LOG.log(System.Logger.Level.INFO, "reconciled {0} {1}", store.resource().kind(),
                        namespace == null ? name : namespace + "/" + name);
                return;
            } catch (StatusException e) {
                if (e.code() != 409) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("could not reconcile " + store.resource().kind() + " " + name);
    }

    private static boolean mergeMap(ObjectNode merged, ObjectNode wanted, String field) {
        JsonNode want = wanted.path("metadata").path(field);
        if (!want.isObject() || want.isEmpty()) {
            return false;
        }
        ObjectNode metadata = (ObjectNode) merged.get("metadata");
        ObjectNode have = metadata.has(field) && metadata.get(field).isObject()
                ? (ObjectNode) metadata.get(field) : metadata.putObject(field);
        boolean changed = false;
        var names = want.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!have.has(key)) {
                have.set(key, want.get(key));
                changed = true;
            }
        }
        return changed;
    }

    private static boolean mergeArray(ObjectNode target, JsonNode wanted, String field) {
        ArrayNode have = target.has(field) && target.get(field).isArray() ? (ArrayNode) target.get(field) : target.putArray(field);
        boolean changed = false;
        for (JsonNode item : wanted) {
            boolean present = false;
            for (JsonNode existing : have) {
                present |= existing.equals(item);
            }
            if (!present) {
                have.add(item);
                changed = true;
            }
        }
        return changed;
    }
}
