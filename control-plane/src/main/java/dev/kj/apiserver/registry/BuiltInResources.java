package dev.kj.apiserver.registry;

import dev.kj.apiserver.registry.apiextensions.CustomResourceDefinitionStrategy;
import dev.kj.apiserver.registry.autoscaling.HorizontalPodAutoscalerConversion;
import dev.kj.apiserver.registry.autoscaling.HorizontalPodAutoscalerStrategy;
import dev.kj.apiserver.registry.certificates.CertificateSigningRequestStrategy;
import dev.kj.apiserver.registry.core.event.EventStrategy;
import dev.kj.apiserver.registry.core.pod.PodStrategy;
import dev.kj.apiserver.registry.core.service.ServiceStrategy;
import dev.kj.apiserver.registry.events.EventConversion;
import dev.kj.apiserver.registry.core.namespace.NamespaceStrategy;
import dev.kj.apiserver.registry.core.secret.SecretStrategy;
import dev.kj.apiserver.printers.CorePrinters;
import dev.kj.apiserver.printers.GroupPrinters;
import dev.kj.apiserver.printers.Printers;
import java.util.List;

/**
 * The built-in resources served so far: stored and served with upstream's keys, generic metadata
 * rules, the status subresource and generation counting where upstream has them, and upstream's
 * strategies where they decide more than that (pods, services, HPAs, CSRs, CRDs). Versions that
 * share storage (autoscaling v1 over v2, events.k8s.io over core events) carry a
 * {@link StorageVersion}. Defaulting and validation are the store's, per kind (see
 * {@code dev.kj.apiserver.validation.BuiltInRules}); controllers, calling webhooks and serving custom
 * resources come with later issues; Services' addresses and node ports
 * are allocated by the store's write hook (see ApiServer).
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
        List<String> apiExtensions = List.of("api-extensions");
        java.time.Clock clock = java.time.Clock.systemUTC();
        return new ResourceCatalog(List.of(
                // core/v1
                ResourceDescription.of("", "v1", "Binding", "bindings", true, "", List.of())
                        .withVerbs(java.util.Set.of(Verb.CREATE)),
                ResourceDescription.of("", "v1", "ConfigMap", "configmaps", true, "configmaps", List.of("cm")).withPrinter(Printers.CONFIG_MAP),
                ResourceDescription.of("", "v1", "Endpoints", "endpoints", true, "services/endpoints", List.of("ep")).withPrinter(CorePrinters.ENDPOINTS),
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
                        .withStatusSubresource().withFinalizeSubresource()
                        // upstream's namespace REST has no deletecollection: each namespace goes through its own delete
                        .withVerbs(java.util.EnumSet.complementOf(java.util.EnumSet.of(Verb.DELETECOLLECTION)))
                        .withStrategy(new NamespaceStrategy()).withPrinter(Printers.NAMESPACE),
                ResourceDescription.of("", "v1", "Node", "nodes", false, "minions", List.of("no"))
                        .withSelectableFields(List.of("spec.unschedulable")).withStatusSubresource()
                        .withPrinter(Printers.NODE),
                ResourceDescription.of("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true,
                        "persistentvolumeclaims", List.of("pvc")).withStatusSubresource().withStrategy(Strategy.RETURNS_DELETED_OBJECT).withPrinter(CorePrinters.PERSISTENT_VOLUME_CLAIM),
                ResourceDescription.of("", "v1", "PersistentVolume", "persistentvolumes", false, "persistentvolumes",
                        List.of("pv")).withStatusSubresource().withStrategy(Strategy.RETURNS_DELETED_OBJECT).withPrinter(CorePrinters.PERSISTENT_VOLUME),
                ResourceDescription.of("", "v1", "Pod", "pods", true, "pods", List.of("po"))
                        .withCategories(all).withStatusSubresource().withBindingSubresource()
                        .withSelectableFields(List.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                                "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
                                "status.nominatedNodeName"))
                        .withStrategy(new PodStrategy()).withPrinter(CorePrinters.POD),
                ResourceDescription.of("", "v1", "PodTemplate", "podtemplates", true, "podtemplates", List.of())
                        .withPrinter(CorePrinters.POD_TEMPLATE),
                ResourceDescription.of("", "v1", "ReplicationController", "replicationcontrollers", true, "controllers",
                        List.of("rc")).withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.ORPHANING).withPrinter(Printers.REPLICATION_CONTROLLER),
                ResourceDescription.of("", "v1", "ResourceQuota", "resourcequotas", true, "resourcequotas",
                        List.of("quota")).withStatusSubresource().withPrinter(CorePrinters.RESOURCE_QUOTA),
                ResourceDescription.of("", "v1", "Secret", "secrets", true, "secrets", List.of())
                        .withSelectableFields(List.of("type"))
                        .withStrategy(new SecretStrategy()).withPrinter(Printers.SECRET),
                ResourceDescription.of("", "v1", "ServiceAccount", "serviceaccounts", true, "serviceaccounts", List.of("sa"))
                        .withStrategy(Strategy.RETURNS_DELETED_OBJECT).withPrinter(Printers.SERVICE_ACCOUNT)
                        .withTokenSubresource(),
                ResourceDescription.of("", "v1", "Service", "services", true, "services/specs", List.of("svc"))
                        .withCategories(all).withStatusSubresource().withStrategy(new ServiceStrategy())
                        .withPrinter(CorePrinters.SERVICE),
                // admissionregistration.k8s.io/v1: stored and served; webhooks and policies are not applied yet
                ResourceDescription.of("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
                        "mutatingwebhookconfigurations", false, "mutatingwebhookconfigurations", List.of())
                        .withCategories(apiExtensions).withStrategy(WorkloadStrategy.countingChangesOf("webhooks"))
                        .withPrinter(GroupPrinters.WEBHOOK_CONFIGURATION),
                ResourceDescription.of("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy",
                        "validatingadmissionpolicies", false, "validatingadmissionpolicies", List.of())
                        .withCategories(apiExtensions).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE)
                        .withPrinter(GroupPrinters.VALIDATING_ADMISSION_POLICY),
                ResourceDescription.of("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding",
                        "validatingadmissionpolicybindings", false, "validatingadmissionpolicybindings", List.of())
                        .withCategories(apiExtensions).withStrategy(WorkloadStrategy.INSTANCE)
                        .withPrinter(GroupPrinters.VALIDATING_ADMISSION_POLICY_BINDING),
                ResourceDescription.of("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
                        "validatingwebhookconfigurations", false, "validatingwebhookconfigurations", List.of())
                        .withCategories(apiExtensions).withStrategy(WorkloadStrategy.countingChangesOf("webhooks"))
                        .withPrinter(GroupPrinters.WEBHOOK_CONFIGURATION),
                // apiextensions.k8s.io/v1: stored and served; custom resources are not served yet
                ResourceDescription.of("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
                        "customresourcedefinitions", false, "apiextensions.k8s.io/customresourcedefinitions",
                        List.of("crd", "crds")).withCategories(apiExtensions).withStatusSubresource()
                        .withStrategy(new CustomResourceDefinitionStrategy()),
                // apps/v1
                ResourceDescription.of("apps", "v1", "ControllerRevision", "controllerrevisions", true,
                        "controllerrevisions", List.of()).withPrinter(GroupPrinters.CONTROLLER_REVISION),
                ResourceDescription.of("apps", "v1", "DaemonSet", "daemonsets", true, "daemonsets", List.of("ds"))
                        .withCategories(all).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.DAEMON_SET),
                ResourceDescription.of("apps", "v1", "Deployment", "deployments", true, "deployments", List.of("deploy"))
                        .withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.DEPLOYMENTS).withPrinter(Printers.DEPLOYMENT),
                ResourceDescription.of("apps", "v1", "ReplicaSet", "replicasets", true, "replicasets", List.of("rs"))
                        .withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.REPLICA_SET),
                ResourceDescription.of("apps", "v1", "StatefulSet", "statefulsets", true, "statefulsets", List.of("sts"))
                        .withCategories(all).withStatusSubresource().withScaleSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.STATEFUL_SET),
                // authentication.k8s.io/v1: TokenReview takes requests only (see ApiRouter)
                ResourceDescription.of("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false, "", List.of())
                        .withVerbs(java.util.Set.of(Verb.CREATE)),
                // autoscaling: v2 is the storage version (and preferred), v1 converts to it
                ResourceDescription.of("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true,
                        "horizontalpodautoscalers", List.of("hpa")).withCategories(all).withStatusSubresource()
                        .withStrategy(new HorizontalPodAutoscalerStrategy()).withStorageVersion(HorizontalPodAutoscalerConversion.V2)
                        .withPrinter(GroupPrinters.HORIZONTAL_POD_AUTOSCALER),
                ResourceDescription.of("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true,
                        "horizontalpodautoscalers", List.of("hpa")).withCategories(all).withStatusSubresource()
                        .withStrategy(new HorizontalPodAutoscalerStrategy())
                        .withStorageVersion(HorizontalPodAutoscalerConversion.V1)
                        .withPrinter(GroupPrinters.HORIZONTAL_POD_AUTOSCALER.converting(HorizontalPodAutoscalerConversion.V1.converter()::toStorage)),
                // batch/v1
                ResourceDescription.of("batch", "v1", "CronJob", "cronjobs", true, "cronjobs", List.of("cj"))
                        .withCategories(all).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(Printers.CRON_JOB),
                ResourceDescription.of("batch", "v1", "Job", "jobs", true, "jobs", List.of())
                        .withCategories(all).withStatusSubresource().withStrategy(WorkloadStrategy.ORPHANING).withPrinter(Printers.JOB),
                // certificates.k8s.io/v1: stored, approved and denied; signing is a controller's (later)
                ResourceDescription.of("certificates.k8s.io", "v1", "CertificateSigningRequest",
                        "certificatesigningrequests", false, "certificatesigningrequests", List.of("csr"))
                        .withStatusSubresource().withApprovalSubresource()
                        .withSelectableFields(List.of("spec.signerName"))
                        .withStrategy(new CertificateSigningRequestStrategy(clock))
                        .withPrinter(GroupPrinters.CERTIFICATE_SIGNING_REQUEST),
                // coordination.k8s.io/v1
                ResourceDescription.of("coordination.k8s.io", "v1", "Lease", "leases", true, "leases", List.of()).withPrinter(Printers.LEASE),
                // discovery.k8s.io/v1
                ResourceDescription.of("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true,
                        "endpointslices", List.of()).withPrinter(GroupPrinters.ENDPOINT_SLICE),
                // events.k8s.io/v1: the same objects as core/v1 events, stored as those
                ResourceDescription.of("events.k8s.io", "v1", "Event", "events", true, "events", List.of("ev"))
                        .withSelectableFields(EventConversion.SELECTABLE_FIELDS)
                        .withStrategy(new EventStrategy(eventTtl)).withStorageVersion(EventConversion.STORAGE)
                        .withPrinter(Printers.EVENT.converting(EventConversion.STORAGE.converter()::toStorage)),
                // networking.k8s.io/v1
                ResourceDescription.of("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false,
                        "ingressclasses", List.of()).withPrinter(GroupPrinters.INGRESS_CLASS),
                ResourceDescription.of("networking.k8s.io", "v1", "Ingress", "ingresses", true, "ingress", List.of("ing"))
                        .withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(GroupPrinters.INGRESS),
                ResourceDescription.of("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true,
                        "networkpolicies", List.of("netpol")).withStrategy(WorkloadStrategy.INSTANCE).withPrinter(GroupPrinters.NETWORK_POLICY),
                // node.k8s.io/v1
                ResourceDescription.of("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, "runtimeclasses",
                        List.of()).withPrinter(GroupPrinters.RUNTIME_CLASS),
                // policy/v1
                ResourceDescription.of("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true,
                        "poddisruptionbudgets", List.of("pdb")).withStatusSubresource().withStrategy(WorkloadStrategy.INSTANCE).withPrinter(GroupPrinters.POD_DISRUPTION_BUDGET),
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
                ResourceDescription.of("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false, "csidrivers", List.of()).withPrinter(GroupPrinters.CSI_DRIVER),
                ResourceDescription.of("storage.k8s.io", "v1", "CSINode", "csinodes", false, "csinodes", List.of()).withPrinter(GroupPrinters.CSI_NODE),
                ResourceDescription.of("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, "storageclasses",
                        List.of("sc")).withPrinter(GroupPrinters.STORAGE_CLASS),
                ResourceDescription.of("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false,
                        "volumeattachments", List.of()).withStatusSubresource().withPrinter(GroupPrinters.VOLUME_ATTACHMENT)));
    }
}
