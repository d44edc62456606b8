package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Set;

/**
 * A pod in the scheduling queue: when it was (re)queued, how often it was tried, and which plugins
 * rejected it last (only events those plugins registered move it back).
 */
public record QueuedPodInfo(Pod pod, Instant timestamp, Instant initialAttempt, int attempts,
                            Set<String> unschedulablePlugins) {
    public QueuedPodInfo {
        unschedulablePlugins = Set.copyOf(unschedulablePlugins);
    }

    public static QueuedPodInfo first(Pod pod, Instant now) {
        return new QueuedPodInfo(pod, now, null, 0, Set.of());
    }

    public QueuedPodInfo withPod(Pod updated) {
        return new QueuedPodInfo(updated, timestamp, initialAttempt, attempts, unschedulablePlugins);
    }

    public QueuedPodInfo requeued(Instant now) {
        return new QueuedPodInfo(pod, now, initialAttempt, attempts, unschedulablePlugins);
    }

    /** Popped for a scheduling attempt. */
    public QueuedPodInfo attempted(Instant now) {
        return new QueuedPodInfo(pod, timestamp, initialAttempt == null ? now : initialAttempt, attempts + 1, Set.of());
    }

    public QueuedPodInfo rejectedBy(Set<String> plugins) {
        return new QueuedPodInfo(pod, timestamp, initialAttempt, attempts, plugins);
    }

    public String key() {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
