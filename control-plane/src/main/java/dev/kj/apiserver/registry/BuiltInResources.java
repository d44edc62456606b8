package dev.kj.apiserver.registry;

import dev.kj.apiserver.registry.core.event.EventStrategy;
import dev.kj.apiserver.registry.core.namespace.NamespaceStrategy;
import dev.kj.apiserver.registry.core.secret.SecretStrategy;
import dev.kj.apiserver.printers.Printers;
import java.util.List;

/**
 * The built-in resources served so far: stored and served with upstream's keys, generic metadata
 * rules, the status subresource and generation counting where upstream has them. Their behaviours
 * (controllers, defaulting, full validation) come with later issues. Left out until their
 * strategies exist, because storing them without would mislead: pods (scheduling, status
 * defaulting), services (cluster IP allocation), and groups whose versions share storage through
 * conversion (autoscaling v1/v2, events.k8s.io) or whose objects act on requests (admission
 * webhooks, CRDs, certificate approval).
 */
public final class BuiltInResources {
    private BuiltInResources() {
    }

    /** Upstream's default --event-ttl. */
    public static final java.time.Duration DEFAULT_EVENT_TTL = java.time.Duration.ofHours(1);

    public static ResourceCatalog catalog() {
        return catalog(DEFAULT_EVENT_TTL);
    }

    public static ResourceCatalog catalog(java.time.Duration eventTtl) {
        List<String> all = List.of("all");
        return new ResourceCatalog(List.of(
                // core/v1
                ResourceDescription.of("", "v1", "ConfigMap", "configmaps", true, "configmaps", List.of("cm")).withPrinter(Printers.CONFIG_MAP),
                ResourceDescription.of("", "v1", "Endpoints", "endpoints", true, "services/endpoints", List.of("ep")),
                ResourceDescription.of("", "v1", "Event", "events", true, "events", List.of("ev"))
                        .withSelectableFields(List.of("involvedObject.kind", "involvedObject.namespace",
                                "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
                                "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                                "reportingComponent", "type"))
                        .withStrategy(new EventStrategy(eventTtl)).withPrinter(Printers.EVENT),
                ResourceDescription.of("", "v1", "LimitRange", "limitranges", true, "limitranges", List.of("limits")),
                ResourceDescription.of("", "v1", "Namespace", "namespaces", false, "namespaces", List.of("ns"))
                        .withNameRule(NameRule.DNS1123_LABEL)
                        .withSelectableFields(List.of("status.phase"))
                        .withStrategy(new NamespaceStrategy()).withPrinter(Printers.NAMESPACE),
                ResourceDescription.of("", "v1", "Node", "nodes", false, "minions", List.of("no"))
                        .withSelectableFields(List.of("spec.unschedulable")).withStatusSubresource()
                        .withPrinter(Printers.NODE),
                ResourceDescription.of("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true,
                        "persistentvolumeclaims", List.of("pvc")).withStatusSubresource().withStrategy(Strategy.RETURNS_DELETED_OBJECT),
                ResourceDescription.of("", "v1", "PersistentVolume", "persistentvolumes", false, "persistentvolumes",
                        List.of("pv")).withStatusSubresource().withStrategy(Strategy.RETURNS_DELETED_OBJECT),
                ResourceDescription.of("", "v1", "PodTemplate", "podtemplates", true, "podtemplates", List.of()),
                ResourceDescription.of("", "v1", "ReplicationController", "replicationcontrollers", true, "controllers",
                        List.of("rc")).withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.ORPHANING).withPrinter(Printers.REPLICATION_CONTROLLER),
                ResourceDescription.of("", "v1", "ResourceQuota", "resourcequotas", true, "resourcequotas",
                        List.of("quota")).withStatusSubresource(),
                ResourceDescription.of("", "v1", "Secret", "secrets", true, "secrets", List.of())
                        .withSelectableFields(List.of("type"))
                        .withStrategy(new SecretStrategy()).withPrinter(Printers.SECRET),
                ResourceDescription.of("", "v1", "ServiceAccount", "serviceaccounts", true, "serviceaccounts", List.of("sa"))
                        .withStrategy(Strategy.RETURNS_DELETED_OBJECT).withPrinter(Printers.SERVICE_ACCOUNT),
                // apps/v1
                ResourceDescription.of("apps", "v1", "ControllerRevision", "controllerrevisions", true,
                        "controllerrevisions", List.of()),
                ResourceDescription.of("apps", "v1", "DaemonSet", "daemonsets", true, "daemonsets", List.of("ds"))
                        .withCategories(all).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.DAEMON_SET),
                ResourceDescription.of("apps", "v1", "Deployment", "deployments", true, "deployments", List.of("deploy"))
                        .withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.DEPLOYMENT),
                ResourceDescription.of("apps", "v1", "ReplicaSet", "replicasets", true, "replicasets", List.of("rs"))
                        .withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.REPLICA_SET),
                ResourceDescription.of("apps", "v1", "StatefulSet", "statefulsets", true, "statefulsets", List.of("sts"))
                        .withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.STATEFUL_SET),
                // batch/v1
                ResourceDescription.of("batch", "v1", "CronJob", "cronjobs", true, "cronjobs", List.of("cj"))
                        .withCategories(all).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.CRON_JOB),
                ResourceDescription.of("batch", "v1", "Job", "jobs", true, "jobs", List.of())
                        .withCategories(all).withStatusSubresource().withStrategy(WorkloadStrategy.ORPHANING).withPrinter(Printers.JOB),
                // coordination.k8s.io/v1
                ResourceDescription.of("coordination.k8s.io", "v1", "Lease", "leases", true, "leases", List.of()).withPrinter(Printers.LEASE),
                // discovery.k8s.io/v1
                ResourceDescription.of("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true,
                        "endpointslices", List.of()),
                // networking.k8s.io/v1
                ResourceDescription.of("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false,
                        "ingressclasses", List.of()),
                ResourceDescription.of("networking.k8s.io", "v1", "Ingress", "ingresses", true, "ingress", List.of("ing"))
                        .withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE),
                ResourceDescription.of("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true,
                        "networkpolicies", List.of("netpol")).withStrategy(WorkloadStrategy.INSTANCE),
                // node.k8s.io/v1
                ResourceDescription.of("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, "runtimeclasses",
                        List.of()),
                // policy/v1
                ResourceDescription.of("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true,
                        "poddisruptionbudgets", List.of("pdb")).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE),
                // rbac.authorization.k8s.io/v1: stored and served; enforcing them is issue #6
                ResourceDescription.of("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
                        false, "clusterrolebindings", List.of()).withNameRule(NameRule.PATH_SEGMENT).withPrinter(Printers.ROLE_BINDING),
                ResourceDescription.of("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false,
                        "clusterroles", List.of()).withNameRule(NameRule.PATH_SEGMENT),
                ResourceDescription.of("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true,
                        "rolebindings", List.of()).withNameRule(NameRule.PATH_SEGMENT).withPrinter(Printers.ROLE_BINDING),
                ResourceDescription.of("rbac.authorization.k8s.io", "v1", "Role", "roles", true, "roles", List.of())
                        .withNameRule(NameRule.PATH_SEGMENT),
                // scheduling.k8s.io/v1
                ResourceDescription.of("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false,
                        "priorityclasses", List.of("pc")).withPrinter(Printers.PRIORITY_CLASS),
                // storage.k8s.io/v1
                ResourceDescription.of("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false, "csidrivers", List.of()),
                ResourceDescription.of("storage.k8s.io", "v1", "CSINode", "csinodes", false, "csinodes", List.of()),
                ResourceDescription.of("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, "storageclasses",
                        List.of("sc")),
                ResourceDescription.of("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false,
                        "volumeattachments", List.of()).withStatusSubresource()));
    }
}
