package dev.kj.controllers.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.List;
import java.util.Objects;

/**
 * A Job's spec.podFailurePolicy applied to a failed pod (upstream's matchPodFailurePolicy): the
 * first rule whose exit codes (app containers, then init containers) or pod conditions match
 * decides. FailJob fails the Job with a message naming the pod; Ignore does not count the failure
 * against backoffLimit; Count counts it. FailIndex needs backoffLimitPerIndex, which kj lacks, so
 * such a rule is passed over as upstream passes over it without that feature.
 */
final class PodFailurePolicies {
    private PodFailurePolicies() {
    }

    /** The outcome for one failed pod: the FailJob message (or null) and whether it counts as a failure. */
    record Match(String failJobMessage, boolean countFailed) {
        static final Match NONE = new Match(null, true);
    }

    static Match match(Job job, Pod pod) {
        if (job.getSpec().getPodFailurePolicy() == null || pod.getStatus() == null) {
            return Match.NONE;
        }
        List<PodFailurePolicyRule> rules = JobController.nonNull(job.getSpec().getPodFailurePolicy().getRules());
        for (int index = 0; index < rules.size(); index++) {
            PodFailurePolicyRule rule = rules.get(index);
            String matched;
            if (rule.getOnExitCodes() != null) {
                ContainerStatus container = matchExitCodes(pod, rule.getOnExitCodes());
                matched = container == null ? null : "Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d"
                        .formatted(container.getName(), pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                                container.getState().getTerminated().getExitCode(), rule.getAction(), index);
            } else if (rule.getOnPodConditions() != null && !rule.getOnPodConditions().isEmpty()) {
                PodCondition condition = matchConditions(pod, rule.getOnPodConditions());
                matched = condition == null ? null : "Pod %s/%s has condition %s matching %s rule at index %d"
                        .formatted(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), condition.getType(),
                                rule.getAction(), index);
            } else {
                continue;
            }
            if (matched == null) {
                continue;
            }
            switch (Objects.requireNonNullElse(rule.getAction(), "")) {
                case "Ignore":
                    return new Match(null, false);
                case "Count":
                    return new Match(null, true);
                case "FailJob":
                    return new Match(matched, true);
                default:
                    // FailIndex without backoffLimitPerIndex: the next rules decide
            }
        }
        return Match.NONE;
    }

    private static ContainerStatus matchExitCodes(Pod pod, PodFailurePolicyOnExitCodesRequirement requirement) {
        ContainerStatus found = matchExitCodes(pod.getStatus().getContainerStatuses(), requirement);
        return found != null ? found : matchExitCodes(pod.getStatus().getInitContainerStatuses(), requirement);
    }

    private static ContainerStatus matchExitCodes(List<ContainerStatus> statuses, PodFailurePolicyOnExitCodesRequirement requirement) {
        for (ContainerStatus status : JobController.nonNull(statuses)) {
            if (status.getState() == null || status.getState().getTerminated() == null) {
                continue;
            }
            int exitCode = JobController.intOf(status.getState().getTerminated().getExitCode());
            if (exitCode == 0 || requirement.getContainerName() != null && !requirement.getContainerName().equals(status.getName())) {
                continue;
            }
            boolean listed = JobController.nonNull(requirement.getValues()).contains(exitCode);
            if ("In".equals(requirement.getOperator()) ? listed : "NotIn".equals(requirement.getOperator()) && !listed) {
                return status;
            }
        }
        return null;
    }

    private static PodCondition matchConditions(Pod pod, List<PodFailurePolicyOnPodConditionsPattern> patterns) {
        for (PodFailurePolicyOnPodConditionsPattern pattern : patterns) {
            String wanted = Objects.requireNonNullElse(pattern.getStatus(), "True");
            for (PodCondition condition : JobController.nonNull(pod.getStatus().getConditions())) {
                if (Objects.equals(pattern.getType(), condition.getType()) && wanted.equals(condition.getStatus())) {
                    return condition;
                }
            }
        }
        return null;
    }
}
