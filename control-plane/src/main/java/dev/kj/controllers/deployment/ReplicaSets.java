package dev.kj.controllers.deployment;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Counting and ordering a deployment's ReplicaSets (upstream's deploymentutil and controller sort helpers). */
final class ReplicaSets {
    private ReplicaSets() {
    }

    static int specReplicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    /** Sum of spec.replicas. */
    static int replicaCount(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull).mapToInt(ReplicaSets::specReplicas).sum();
    }

    /** Sum of status.replicas. */
    static int actualReplicaCount(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull).mapToInt(rs -> status(rs.getStatus() == null ? null : rs.getStatus().getReplicas())).sum();
    }

    static int readyReplicaCount(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull).mapToInt(rs -> status(rs.getStatus() == null ? null : rs.getStatus().getReadyReplicas())).sum();
    }

    static int availableReplicaCount(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull).mapToInt(ReplicaSets::available).sum();
    }

    static int available(ReplicaSet rs) {
        return status(rs.getStatus() == null ? null : rs.getStatus().getAvailableReplicas());
    }

    private static int status(Integer value) {
        return value == null ? 0 : value;
    }

    /** The ones with spec.replicas above zero. */
    static List<ReplicaSet> active(Collection<ReplicaSet> sets) {
        return sets.stream().filter(rs -> rs != null && specReplicas(rs) > 0).toList();
    }

    private static Instant created(ReplicaSet rs) {
        String value = rs.getMetadata().getCreationTimestamp();
        return value == null ? Instant.EPOCH : Instant.parse(value);
    }

    /** Older first; equal times by name. */
    static final Comparator<ReplicaSet> BY_CREATION = Comparator.comparing(ReplicaSets::created)
            .thenComparing(rs -> rs.getMetadata().getName());

    /** Larger first; equal sizes older first (scaling down). */
    static final Comparator<ReplicaSet> BY_SIZE_OLDER = Comparator.comparingInt(ReplicaSets::specReplicas).reversed()
            .thenComparing(BY_CREATION);

    /** Larger first; equal sizes newer first (scaling up). */
    static final Comparator<ReplicaSet> BY_SIZE_NEWER = Comparator.comparingInt(ReplicaSets::specReplicas).reversed()
            .thenComparing(BY_CREATION.reversed());

    /** Lower revision first; equal revisions by creation. */
    static final Comparator<ReplicaSet> BY_REVISION = Comparator.comparingLong(Revisions::revision).thenComparing(BY_CREATION);
}
