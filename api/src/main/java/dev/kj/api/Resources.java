package dev.kj.api;

import java.util.List;
import java.util.Optional;

/**
 * Upstream's built-in resources (the preferred version of each), for clients that address them
 * by constant or look them up by kind, as owner references and events name them.
 */
public final class Resources {
    private Resources() {
    }

    // core/v1
    public static final Resource BINDINGS = core("bindings", true, "Binding");
    public static final Resource CONFIG_MAPS = core("configmaps", true, "ConfigMap");
    public static final Resource ENDPOINTS = core("endpoints", true, "Endpoints");
    public static final Resource EVENTS = core("events", true, "Event");
    public static final Resource LIMIT_RANGES = core("limitranges", true, "LimitRange");
    public static final Resource NAMESPACES = core("namespaces", false, "Namespace");
    public static final Resource NODES = core("nodes", false, "Node");
    public static final Resource PERSISTENT_VOLUME_CLAIMS = core("persistentvolumeclaims", true, "PersistentVolumeClaim");
    public static final Resource PERSISTENT_VOLUMES = core("persistentvolumes", false, "PersistentVolume");
    public static final Resource PODS = core("pods", true, "Pod");
    public static final Resource POD_TEMPLATES = core("podtemplates", true, "PodTemplate");
    public static final Resource REPLICATION_CONTROLLERS = core("replicationcontrollers", true, "ReplicationController");
    public static final Resource RESOURCE_QUOTAS = core("resourcequotas", true, "ResourceQuota");
    public static final Resource SECRETS = core("secrets", true, "Secret");
    public static final Resource SERVICE_ACCOUNTS = core("serviceaccounts", true, "ServiceAccount");
    public static final Resource SERVICES = core("services", true, "Service");
    // apps/v1
    public static final Resource CONTROLLER_REVISIONS = of("apps", "controllerrevisions", true, "ControllerRevision");
    public static final Resource DAEMON_SETS = of("apps", "daemonsets", true, "DaemonSet");
    public static final Resource DEPLOYMENTS = of("apps", "deployments", true, "Deployment");
    public static final Resource REPLICA_SETS = of("apps", "replicasets", true, "ReplicaSet");
    public static final Resource STATEFUL_SETS = of("apps", "statefulsets", true, "StatefulSet");
    // batch/v1
    public static final Resource CRON_JOBS = of("batch", "cronjobs", true, "CronJob");
    public static final Resource JOBS = of("batch", "jobs", true, "Job");
    // coordination.k8s.io/v1
    public static final Resource LEASES = of("coordination.k8s.io", "leases", true, "Lease");
    // discovery.k8s.io/v1
    public static final Resource ENDPOINT_SLICES = of("discovery.k8s.io", "endpointslices", true, "EndpointSlice");
    // events.k8s.io/v1
    public static final Resource EVENTS_V1 = of("events.k8s.io", "events", true, "Event");
    // networking.k8s.io/v1
    public static final Resource INGRESS_CLASSES = of("networking.k8s.io", "ingressclasses", false, "IngressClass");
    public static final Resource INGRESSES = of("networking.k8s.io", "ingresses", true, "Ingress");
    public static final Resource NETWORK_POLICIES = of("networking.k8s.io", "networkpolicies", true, "NetworkPolicy");
    // node.k8s.io/v1
    public static final Resource RUNTIME_CLASSES = of("node.k8s.io", "runtimeclasses", false, "RuntimeClass");
    // policy/v1
    public static final Resource POD_DISRUPTION_BUDGETS = of("policy", "poddisruptionbudgets", true, "PodDisruptionBudget");
    // rbac.authorization.k8s.io/v1
    public static final Resource CLUSTER_ROLE_BINDINGS = of("rbac.authorization.k8s.io", "clusterrolebindings", false, "ClusterRoleBinding");
    public static final Resource CLUSTER_ROLES = of("rbac.authorization.k8s.io", "clusterroles", false, "ClusterRole");
    public static final Resource ROLE_BINDINGS = of("rbac.authorization.k8s.io", "rolebindings", true, "RoleBinding");
    public static final Resource ROLES = of("rbac.authorization.k8s.io", "roles", true, "Role");
    // scheduling.k8s.io/v1
    public static final Resource PRIORITY_CLASSES = of("scheduling.k8s.io", "priorityclasses", false, "PriorityClass");
    // storage.k8s.io/v1
    public static final Resource CSI_DRIVERS = of("storage.k8s.io", "csidrivers", false, "CSIDriver");
    public static final Resource CSI_NODES = of("storage.k8s.io", "csinodes", false, "CSINode");
    public static final Resource STORAGE_CLASSES = of("storage.k8s.io", "storageclasses", false, "StorageClass");
    public static final Resource VOLUME_ATTACHMENTS = of("storage.k8s.io", "volumeattachments", false, "VolumeAttachment");

    /** Every constant above, in that order. */
    public static final List<Resource> ALL = List.of(BINDINGS, CONFIG_MAPS, ENDPOINTS, EVENTS, LIMIT_RANGES, NAMESPACES,
            NODES, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, PODS, POD_TEMPLATES, REPLICATION_CONTROLLERS,
            RESOURCE_QUOTAS, SECRETS, SERVICE_ACCOUNTS, SERVICES, CONTROLLER_REVISIONS, DAEMON_SETS, DEPLOYMENTS,
            REPLICA_SETS, STATEFUL_SETS, CRON_JOBS, JOBS, LEASES, ENDPOINT_SLICES, EVENTS_V1, INGRESS_CLASSES, INGRESSES,
            NETWORK_POLICIES, RUNTIME_CLASSES, POD_DISRUPTION_BUDGETS, CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES,
            ROLE_BINDINGS, ROLES, PRIORITY_CLASSES, CSI_DRIVERS, CSI_NODES, STORAGE_CLASSES, VOLUME_ATTACHMENTS);

    /** The built-in resource whose objects have this apiVersion and kind (an owner reference's pair). */
    public static Optional<Resource> forKind(String apiVersion, String kind) {
        return ALL.stream().filter(r -> r.apiVersion().equals(apiVersion) && r.kind().equals(kind)).findFirst();
    }

    /** The built-in resource served at this group, version and plural. */
    public static Optional<Resource> find(String group, String version, String plural) {
        return ALL.stream().filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural))
                .findFirst();
    }

    private static Resource core(String plural, boolean namespaced, String kind) {
        return new Resource("", "v1", plural, namespaced, kind);
    }

    private static Resource of(String group, String plural, boolean namespaced, String kind) {
        return new Resource(group, "v1", plural, namespaced, kind);
    }
}
