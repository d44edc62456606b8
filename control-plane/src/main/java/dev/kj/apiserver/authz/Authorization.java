package dev.kj.apiserver.authz;

import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.authz.node.NodeAuthorizer;
import dev.kj.apiserver.authz.node.NodeGraph;
import dev.kj.apiserver.authz.node.NodeRestriction;
import dev.kj.apiserver.authz.rbac.Escalation;
import dev.kj.apiserver.authz.rbac.PolicyReconciler;
import dev.kj.apiserver.authz.rbac.RbacAuthorizer;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ResourceCatalog;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.authorization.AccessReviews;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The API server's authorization, wired as upstream's default {@code --authorization-mode=Node,RBAC}:
 * the bootstrap policy reconciled, RBAC and the Node authorizer fed from the watch cache behind
 * the system:masters shortcut, the review resources, and the admission checks that live in the
 * stores (RBAC escalation prevention, NodeRestriction).
 */
public final class Authorization implements AutoCloseable {
    private final RbacAuthorizer rbac;
    private final NodeGraph graph;
    private final Authorizer authorizer;
    private final AccessReviews reviews;
    private final GenericStore nodes;

    private Authorization(RbacAuthorizer rbac, NodeGraph graph, GenericStore nodes) {
        this.nodes = nodes;
        this.rbac = rbac;
        this.graph = graph;
        this.authorizer = new AuthorizerChain(List.of(new NodeAuthorizer(graph), rbac));
        this.reviews = new AccessReviews(authorizer, rbac);
    }

    /** Reconciles the bootstrap policy, then starts the authorizers and waits until they have read everything once. */
    public static Authorization start(Map<ResourceDescription, GenericStore> stores, ResourceCatalog catalog) {
        GenericStore clusterRoles = store(stores, catalog, "rbac.authorization.k8s.io", "clusterroles");
        GenericStore clusterRoleBindings = store(stores, catalog, "rbac.authorization.k8s.io", "clusterrolebindings");
        GenericStore roles = store(stores, catalog, "rbac.authorization.k8s.io", "roles");
        GenericStore roleBindings = store(stores, catalog, "rbac.authorization.k8s.io", "rolebindings");
        new PolicyReconciler(clusterRoles, clusterRoleBindings, roles, roleBindings, store(stores, catalog, "", "namespaces"))
                .reconcile();
        RbacAuthorizer rbac = new RbacAuthorizer(roles, clusterRoles, roleBindings, clusterRoleBindings);
        NodeGraph graph = new NodeGraph(store(stores, catalog, "", "pods"), store(stores, catalog, "", "persistentvolumeclaims"),
                store(stores, catalog, "", "persistentvolumes"), store(stores, catalog, "storage.k8s.io", "volumeattachments"));
        Authorization authorization = new Authorization(rbac, graph, store(stores, catalog, "", "nodes"));
        try {
            rbac.awaitSynced();
            graph.awaitSynced();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            authorization.close();
            throw new IllegalStateException("interrupted while the authorizers read their objects", e);
        } catch (RuntimeException e) {
            authorization.close();
            throw e;
        }
        return authorization;
    }

    private static GenericStore store(Map<ResourceDescription, GenericStore> stores, ResourceCatalog catalog, String group,
                                      String plural) {
        return catalog.resources().stream().filter(r -> r.group().equals(group) && r.plural().equals(plural)
                && stores.containsKey(r)).map(stores::get).findFirst().orElseThrow();
    }

    /**
     * The write checks a resource's store runs before {@code next}: escalation prevention for the
     * RBAC kinds, NodeRestriction for pods, nodes and claims' status.
     */
    public static GenericStore.WriteHook writeHook(ResourceDescription resource, GenericStore.WriteHook next,
                                                   Supplier<Authorization> authorization) {
        if (resource.group().equals("rbac.authorization.k8s.io")) {
            return new Escalation(resource.plural(), () -> authorization.get().authorizer,
                    () -> authorization.get() == null ? null : authorization.get().rbac);
        }
        if (resource.group().isEmpty() && (resource.plural().equals("pods") || resource.plural().equals("nodes")
                || resource.plural().equals("persistentvolumeclaims"))) {
            return new NodeRestriction(resource.plural(), next, name -> authorization.get().nodes.get(null, name));
        }
        return next;
    }

    /** A kube-system service account's user, as its token would authenticate it. */
    public static User kubeSystemServiceAccount(String name) {
        return new User("system:serviceaccount:kube-system:" + name,
                List.of("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"));
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public AccessReviews reviews() {
        return reviews;
    }

    public RbacAuthorizer rbac() {
        return rbac;
    }

    @Override
    public void close() {
        rbac.close();
        graph.close();
    }
}
