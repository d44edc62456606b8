package dev.kj.controllers;

import dev.kj.controllers.clusterroleaggregation.ClusterRoleAggregationController;
import dev.kj.controllers.garbagecollector.GarbageCollector;
import dev.kj.controllers.namespace.NamespaceController;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The controllers kj has, by upstream's names (kube-controller-manager's, with its older aliases). */
public final class KnownControllers {
    private KnownControllers() {
    }

    public static final String GARBAGE_COLLECTOR = GarbageCollector.NAME;
    public static final String NAMESPACE = NamespaceController.NAME;
    public static final String CLUSTER_ROLE_AGGREGATION = ClusterRoleAggregationController.NAME;

    /**
     * One controller: its name, the names it was known by before 1.28, the kube-system service
     * account it runs as (upstream's --use-service-account-credentials, bound to its
     * system:controller: role), and how to build it.
     */
    record Descriptor(String name, List<String> aliases, boolean disabledByDefault, String serviceAccount,
                      Function<ControllerContext, ManagedController> factory) {
    }

    static final List<Descriptor> ALL = List.of(
            new Descriptor(CLUSTER_ROLE_AGGREGATION, List.of("clusterrole-aggregation"), false,
                    "clusterrole-aggregation-controller", ClusterRoleAggregationController::new),
            new Descriptor(GARBAGE_COLLECTOR, List.of("garbagecollector"), false, "generic-garbage-collector",
                    GarbageCollector::new),
            new Descriptor(NAMESPACE, List.of("namespace"), false, "namespace-controller", NamespaceController::new));

    /** Alias or name → canonical name. */
    static Map<String, String> names() {
        java.util.Map<String, String> names = new java.util.HashMap<>();
        for (Descriptor descriptor : ALL) {
            names.put(descriptor.name(), descriptor.name());
            descriptor.aliases().forEach(alias -> names.put(alias, descriptor.name()));
        }
        return names;
    }
}
