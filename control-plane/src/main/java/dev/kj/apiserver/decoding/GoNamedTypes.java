package dev.kj.apiserver.decoding;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Go types of string fields that upstream declares as named string types (v1.RestartPolicy,
 * []v1.PersistentVolumeAccessMode): the protobuf model says only "string", but encoding/json's
 * and the unstructured converter's errors name the Go type. Data, one field a line:
 * {@code <model type> <json field> <Go type as the error prints it>}; a pointer field prints its
 * element type, as Go's errors do.
 */
final class GoNamedTypes {
    private static final String TABLE = """
            core.v1.PodSpec restartPolicy v1.RestartPolicy
            core.v1.PodSpec dnsPolicy v1.DNSPolicy
            core.v1.PodSpec preemptionPolicy v1.PreemptionPolicy
            core.v1.Container imagePullPolicy v1.PullPolicy
            core.v1.Container terminationMessagePolicy v1.TerminationMessagePolicy
            core.v1.EphemeralContainerCommon imagePullPolicy v1.PullPolicy
            core.v1.EphemeralContainerCommon terminationMessagePolicy v1.TerminationMessagePolicy
            core.v1.ContainerPort protocol v1.Protocol
            core.v1.ServicePort protocol v1.Protocol
            core.v1.EndpointPort protocol v1.Protocol
            core.v1.ServiceSpec type v1.ServiceType
            core.v1.ServiceSpec sessionAffinity v1.ServiceAffinity
            core.v1.ServiceSpec externalTrafficPolicy v1.ServiceExternalTrafficPolicy
            core.v1.ServiceSpec internalTrafficPolicy v1.ServiceInternalTrafficPolicy
            core.v1.ServiceSpec ipFamilyPolicy v1.IPFamilyPolicy
            core.v1.ServiceSpec ipFamilies []v1.IPFamily
            core.v1.Secret type v1.SecretType
            core.v1.Toleration operator v1.TolerationOperator
            core.v1.Toleration effect v1.TaintEffect
            core.v1.Taint effect v1.TaintEffect
            core.v1.NodeSelectorRequirement operator v1.NodeSelectorOperator
            core.v1.Capabilities add []v1.Capability
            core.v1.Capabilities drop []v1.Capability
            core.v1.PersistentVolumeClaimSpec accessModes []v1.PersistentVolumeAccessMode
            core.v1.PersistentVolumeClaimSpec volumeMode v1.PersistentVolumeMode
            core.v1.PersistentVolumeSpec accessModes []v1.PersistentVolumeAccessMode
            core.v1.PersistentVolumeSpec volumeMode v1.PersistentVolumeMode
            core.v1.PersistentVolumeSpec persistentVolumeReclaimPolicy v1.PersistentVolumeReclaimPolicy
            core.v1.HostPathVolumeSource type v1.HostPathType
            core.v1.EmptyDirVolumeSource medium v1.StorageMedium
            core.v1.NamespaceSpec finalizers []v1.FinalizerName
            core.v1.PodCondition type v1.PodConditionType
            core.v1.PodCondition status v1.ConditionStatus
            core.v1.NodeCondition type v1.NodeConditionType
            core.v1.NodeCondition status v1.ConditionStatus
            core.v1.PodStatus phase v1.PodPhase
            core.v1.PodStatus qosClass v1.PodQOSClass
            core.v1.LimitRangeItem type v1.LimitType
            core.v1.ScopedResourceSelectorRequirement scopeName v1.ResourceQuotaScope
            core.v1.ScopedResourceSelectorRequirement operator v1.ScopeSelectorOperator
            core.v1.ResourceQuotaSpec scopes []v1.ResourceQuotaScope
            core.v1.TopologySpreadConstraint whenUnsatisfiable v1.UnsatisfiableConstraintAction
            core.v1.TopologySpreadConstraint nodeAffinityPolicy v1.NodeInclusionPolicy
            core.v1.TopologySpreadConstraint nodeTaintsPolicy v1.NodeInclusionPolicy
            core.v1.PodSecurityContext fsGroupChangePolicy v1.PodFSGroupChangePolicy
            core.v1.SeccompProfile type v1.SeccompProfileType
            core.v1.AppArmorProfile type v1.AppArmorProfileType
            core.v1.ContainerResizePolicy restartPolicy v1.ResourceResizeRestartPolicy
            meta.v1.LabelSelectorRequirement operator v1.LabelSelectorOperator
            apps.v1.DeploymentStrategy type v1.DeploymentStrategyType
            apps.v1.DaemonSetUpdateStrategy type v1.DaemonSetUpdateStrategyType
            apps.v1.StatefulSetUpdateStrategy type v1.StatefulSetUpdateStrategyType
            apps.v1.StatefulSetSpec podManagementPolicy v1.PodManagementPolicyType
            apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy whenDeleted v1.PersistentVolumeClaimRetentionPolicyType
            apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy whenScaled v1.PersistentVolumeClaimRetentionPolicyType
            batch.v1.CronJobSpec concurrencyPolicy v1.ConcurrencyPolicy
            batch.v1.JobSpec completionMode v1.CompletionMode
            batch.v1.JobSpec podReplacementPolicy v1.PodReplacementPolicy
            batch.v1.PodFailurePolicyRule action v1.PodFailurePolicyAction
            batch.v1.PodFailurePolicyOnExitCodesRequirement operator v1.PodFailurePolicyOnExitCodesOperator
            networking.v1.NetworkPolicySpec policyTypes []v1.PolicyType
            networking.v1.HTTPIngressPath pathType v1.PathType
            autoscaling.v2.MetricSpec type v2.MetricSourceType
            autoscaling.v2.MetricTarget type v2.MetricTargetType
            autoscaling.v2.HPAScalingPolicy type v2.HPAScalingPolicyType
            autoscaling.v2.HPAScalingRules selectPolicy v2.ScalingPolicySelect
            admissionregistration.v1.ValidatingWebhook failurePolicy v1.FailurePolicyType
            admissionregistration.v1.ValidatingWebhook sideEffects v1.SideEffectClass
            admissionregistration.v1.ValidatingWebhook matchPolicy v1.MatchPolicyType
            admissionregistration.v1.MutatingWebhook failurePolicy v1.FailurePolicyType
            admissionregistration.v1.MutatingWebhook sideEffects v1.SideEffectClass
            admissionregistration.v1.MutatingWebhook matchPolicy v1.MatchPolicyType
            admissionregistration.v1.MutatingWebhook reinvocationPolicy v1.ReinvocationPolicyType
            admissionregistration.v1.RuleWithOperations operations []v1.OperationType
            admissionregistration.v1.Rule scope v1.ScopeType
            admissionregistration.v1.ValidatingAdmissionPolicySpec failurePolicy v1.FailurePolicyType
            admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec validationActions []v1.ValidationAction
            certificates.v1.CertificateSigningRequestSpec usages []v1.KeyUsage
            certificates.v1.CertificateSigningRequestCondition type v1.RequestConditionType
            storage.v1.StorageClass reclaimPolicy v1.PersistentVolumeReclaimPolicy
            storage.v1.StorageClass volumeBindingMode v1.VolumeBindingMode
            storage.v1.CSIDriverSpec fsGroupPolicy v1.FSGroupPolicy
            storage.v1.CSIDriverSpec volumeLifecycleModes []v1.VolumeLifecycleMode
            discovery.v1.EndpointPort protocol v1.Protocol
            apiextensions.v1.CustomResourceDefinitionSpec scope v1.ResourceScope
            apiextensions.v1.CustomResourceDefinitionCondition type v1.CustomResourceDefinitionConditionType
            apiextensions.v1.CustomResourceDefinitionCondition status v1.ConditionStatus
            """;

    private static final Map<String, String> TYPES = parse();

    private GoNamedTypes() {
    }

    private static Map<String, String> parse() {
        Map<String, String> types = new HashMap<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] parts = line.strip().split(" ");
            types.put(parts[0] + "." + parts[1], parts[2]);
        }
        return Map.copyOf(types);
    }

    /** The Go type of {@code field} of the model type {@code typeName} when it is a named string type. */
    static Optional<String> of(String typeName, String field) {
        return Optional.ofNullable(TYPES.get(typeName + "." + field));
    }
}
