package dev.kj.controllers.deployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A deployment's conditions and the rollout judgements made from them (upstream's deploymentutil). */
final class DeploymentConditions {
    static final String PROGRESSING = "Progressing";
    static final String AVAILABLE = "Available";
    static final String REPLICA_FAILURE = "ReplicaFailure";

    // upstream's reasons
    static final String NEW_RS_CREATED = "NewReplicaSetCreated";
    static final String FOUND_NEW_RS = "FoundNewReplicaSet";
    static final String RS_UPDATED = "ReplicaSetUpdated";
    static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
    static final String TIMED_OUT = "ProgressDeadlineExceeded";
    static final String FAILED_RS_CREATE = "ReplicaSetCreateError";
    static final String PAUSED = "DeploymentPaused";
    static final String RESUMED = "DeploymentResumed";
    static final String MINIMUM_AVAILABLE = "MinimumReplicasAvailable";
    static final String MINIMUM_UNAVAILABLE = "MinimumReplicasUnavailable";

    private DeploymentConditions() {
    }

    static DeploymentCondition create(String type, String status, String reason, String message, Instant now) {
        String time = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastUpdateTime(time).withLastTransitionTime(time).build();
    }

    static Optional<DeploymentCondition> get(DeploymentStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /**
     * Sets a condition; one with the same status and reason is kept as it is, and a new reason
     * with the same status keeps the lastTransitionTime. The condition goes to the end of the list.
     */
    static void set(DeploymentStatus status, DeploymentCondition condition) {
        Optional<DeploymentCondition> current = get(status, condition.getType());
        if (current.isPresent() && Objects.equals(current.get().getStatus(), condition.getStatus())
                && Objects.equals(current.get().getReason(), condition.getReason())) {
            return;
        }
        if (current.isPresent() && Objects.equals(current.get().getStatus(), condition.getStatus())) {
            condition.setLastTransitionTime(current.get().getLastTransitionTime());
        }
        List<DeploymentCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.removeIf(c -> condition.getType().equals(c.getType()));
        conditions.add(condition);
        status.setConditions(conditions);
    }

    static void remove(DeploymentStatus status, String type) {
        if (status.getConditions() != null) {
            List<DeploymentCondition> conditions = new ArrayList<>(status.getConditions());
            conditions.removeIf(c -> type.equals(c.getType()));
            status.setConditions(conditions.isEmpty() ? null : conditions);
        }
    }

    /** progressDeadlineSeconds set and not MaxInt32. */
    static boolean hasProgressDeadline(Deployment d) {
        Integer deadline = d.getSpec().getProgressDeadlineSeconds();
        return deadline != null && deadline != Integer.MAX_VALUE;
    }

    private static int value(Integer i) {
        return i == null ? 0 : i;
    }

    /** Every replica updated, present and available, and the status is of the current generation. */
    static boolean complete(Deployment d, DeploymentStatus status) {
        int desired = Fenceposts.replicas(d);
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        long observed = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
        return value(status.getUpdatedReplicas()) == desired && value(status.getReplicas()) == desired
                && value(status.getAvailableReplicas()) == desired && observed >= generation;
    }

    /** More replicas updated, fewer old ones, or more ready or available than the last status said. */
    static boolean progressing(Deployment d, DeploymentStatus status) {
        DeploymentStatus old = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        int oldOld = value(old.getReplicas()) - value(old.getUpdatedReplicas());
        int newOld = value(status.getReplicas()) - value(status.getUpdatedReplicas());
        return value(status.getUpdatedReplicas()) > value(old.getUpdatedReplicas()) || newOld < oldOld
                || value(status.getReadyReplicas()) > value(old.getReadyReplicas())
                || value(status.getAvailableReplicas()) > value(old.getAvailableReplicas());
    }

    /** The Progressing condition has not been updated for progressDeadlineSeconds. */
    static boolean timedOut(Deployment d, DeploymentStatus status, Instant now) {
        if (!hasProgressDeadline(d)) {
            return false;
        }
        Optional<DeploymentCondition> condition = get(status, PROGRESSING);
        if (condition.isEmpty() || NEW_RS_AVAILABLE.equals(condition.get().getReason())) {
            return false;
        }
        if (TIMED_OUT.equals(condition.get().getReason())) {
            return true;
        }
        Instant from = condition.get().getLastUpdateTime() == null ? Instant.EPOCH : Instant.parse(condition.get().getLastUpdateTime());
        return from.plus(Duration.ofSeconds(d.getSpec().getProgressDeadlineSeconds())).isBefore(now);
    }
}
