package dev.kj.apiserver.validation;

import dev.kj.apiserver.validation.admissionregistration.ValidatingAdmissionPolicyRules;
import dev.kj.apiserver.validation.admissionregistration.WebhookConfigurationRules;
import dev.kj.apiserver.validation.apiextensions.CustomResourceDefinitionRules;
import dev.kj.apiserver.validation.apps.AppsRules;
import dev.kj.apiserver.validation.autoscaling.HorizontalPodAutoscalerRules;
import dev.kj.apiserver.validation.batch.BatchRules;
import dev.kj.apiserver.validation.core.ConfigRules;
import dev.kj.apiserver.validation.core.EndpointsRules;
import dev.kj.apiserver.validation.core.EventRules;
import dev.kj.apiserver.validation.events.EventsV1Rules;
import dev.kj.apiserver.validation.certificates.CertificateSigningRequestRules;
import dev.kj.apiserver.validation.core.NodeRules;
import dev.kj.apiserver.validation.core.QuotaRules;
import dev.kj.apiserver.validation.core.NamespaceRules;
import dev.kj.apiserver.validation.core.PodRules;
import dev.kj.apiserver.validation.core.ServiceRules;
import dev.kj.apiserver.validation.core.PodTemplateRules;
import dev.kj.apiserver.validation.core.ReplicationControllerRules;
import dev.kj.apiserver.validation.networking.IngressClassRules;
import dev.kj.apiserver.validation.networking.NetworkingRules;
import dev.kj.apiserver.validation.node.RuntimeClassRules;
import dev.kj.apiserver.validation.rbac.RbacRules;
import dev.kj.apiserver.validation.scheduling.PriorityClassRules;
import dev.kj.apiserver.validation.storage.CsiRules;
import dev.kj.apiserver.validation.storage.StorageClassRules;
import dev.kj.apiserver.validation.storage.StorageRules;
import java.util.Map;

/** Which built-in kinds (by group and kind of their storage version) have defaulting and validation of their own. */
public final class BuiltInRules {
    private BuiltInRules() {
    }

    private static final Map<String, KindRules> RULES = Map.ofEntries(
            Map.entry("/Pod", new PodRules()),
            Map.entry("/PodTemplate", new PodTemplateRules()),
            Map.entry("/ReplicationController", new ReplicationControllerRules()),
            Map.entry("apps/Deployment", AppsRules.DEPLOYMENT),
            Map.entry("apps/ReplicaSet", AppsRules.REPLICA_SET),
            Map.entry("apps/DaemonSet", AppsRules.DAEMON_SET),
            Map.entry("apps/StatefulSet", AppsRules.STATEFUL_SET),
            Map.entry("admissionregistration.k8s.io/ValidatingWebhookConfiguration", WebhookConfigurationRules.VALIDATING),
            Map.entry("admissionregistration.k8s.io/MutatingWebhookConfiguration", WebhookConfigurationRules.MUTATING),
            Map.entry("apiextensions.k8s.io/CustomResourceDefinition", new CustomResourceDefinitionRules()),
            Map.entry("admissionregistration.k8s.io/ValidatingAdmissionPolicy", ValidatingAdmissionPolicyRules.POLICY),
            Map.entry("admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding", ValidatingAdmissionPolicyRules.BINDING),
            Map.entry("autoscaling/HorizontalPodAutoscaler", new HorizontalPodAutoscalerRules()),
            Map.entry("batch/Job", BatchRules.JOB),
            Map.entry("batch/CronJob", BatchRules.CRON_JOB),
            Map.entry("/ConfigMap", ConfigRules.CONFIG_MAP),
            Map.entry("/Secret", ConfigRules.SECRET),
            Map.entry("/Namespace", new NamespaceRules()),
            Map.entry("/Service", new ServiceRules()),
            Map.entry("/Node", new NodeRules()),
            Map.entry("/Endpoints", new EndpointsRules()),
            Map.entry("/Event", new EventRules()),
            // events.k8s.io stores core Events; its store looks up by the request's group
            Map.entry("events.k8s.io/Event", new EventsV1Rules()),
            Map.entry("certificates.k8s.io/CertificateSigningRequest", new CertificateSigningRequestRules()),
            Map.entry("/ResourceQuota", QuotaRules.RESOURCE_QUOTA),
            Map.entry("/LimitRange", QuotaRules.LIMIT_RANGE),
            Map.entry("/PersistentVolumeClaim", StorageRules.CLAIM),
            Map.entry("/PersistentVolume", StorageRules.VOLUME),
            Map.entry("policy/PodDisruptionBudget", StorageRules.DISRUPTION_BUDGET),
            Map.entry("storage.k8s.io/StorageClass", new StorageClassRules()),
            Map.entry("storage.k8s.io/CSIDriver", CsiRules.CSI_DRIVER),
            Map.entry("storage.k8s.io/CSINode", CsiRules.CSI_NODE),
            Map.entry("storage.k8s.io/VolumeAttachment", CsiRules.VOLUME_ATTACHMENT),
            Map.entry("scheduling.k8s.io/PriorityClass", new PriorityClassRules()),
            Map.entry("node.k8s.io/RuntimeClass", new RuntimeClassRules()),
            Map.entry("networking.k8s.io/IngressClass", new IngressClassRules()),
            Map.entry("rbac.authorization.k8s.io/Role", RbacRules.ROLE),
            Map.entry("rbac.authorization.k8s.io/ClusterRole", RbacRules.CLUSTER_ROLE),
            Map.entry("rbac.authorization.k8s.io/RoleBinding", RbacRules.ROLE_BINDING),
            Map.entry("rbac.authorization.k8s.io/ClusterRoleBinding", RbacRules.CLUSTER_ROLE_BINDING),
            Map.entry("networking.k8s.io/NetworkPolicy", NetworkingRules.NETWORK_POLICY),
            Map.entry("networking.k8s.io/Ingress", NetworkingRules.INGRESS),
            Map.entry("discovery.k8s.io/EndpointSlice", NetworkingRules.ENDPOINT_SLICE),
            Map.entry("coordination.k8s.io/Lease", NetworkingRules.LEASE));

    /** The kind's rules, {@link KindRules#NONE} for kinds with only the generic metadata checks. */
    public static KindRules forKind(String group, String kind) {
        return RULES.getOrDefault(group + "/" + kind, KindRules.NONE);
    }
}
