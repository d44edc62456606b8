package dev.kj.controllers.replicaset;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What controllers read off a pod's status (upstream's podutil.IsPodReady / IsPodAvailable, controller.IsPodActive). */
public final class PodStates {
    private PodStates() {
    }

    /** Not finished (Succeeded/Failed) and not being deleted. */
    public static boolean isActive(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    public static Optional<PodCondition> readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    public static boolean isReady(Pod pod) {
        return readyCondition(pod).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Ready for at least {@code minReadySeconds} (measured from the Ready condition's lastTransitionTime). */
    public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (!isReady(pod)) {
            return false;
        }
        if (minReadySeconds == 0) {
            return true;
        }
        Instant since = readyCondition(pod).map(PodCondition::getLastTransitionTime).map(PodStates::time).orElse(null);
        return since != null && since.plus(Duration.ofSeconds(minReadySeconds)).isBefore(now);
    }

    /** A metav1.Time; null for an absent one. */
    public static Instant time(String value) {
        return value == null || value.isEmpty() ? null : Instant.parse(value);
    }
}
