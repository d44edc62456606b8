package dev.kj.controllers.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The pod-failure back-off of each Job (upstream's backoffStore): failures since the last success
 * and when the last one happened; a replacement pod waits 10 s × 2^(failures−1), at most 10 min,
 * from that moment. Kept in memory, as upstream's, so a restarted controller starts afresh.
 */
final class PodBackoff {
    static final Duration DEFAULT = Duration.ofSeconds(10);
    static final Duration MAX = Duration.ofMinutes(10);

    record Record(String key, int failuresAfterLastSuccess, Instant lastFailure) {
        /** How long to wait before creating a pod, zero when it may be created now. */
        Duration remaining(Clock clock) {
            if (failuresAfterLastSuccess == 0 || lastFailure == null) {
                return Duration.ZERO;
            }
            Duration backoff = DEFAULT;
            for (int i = 1; i < failuresAfterLastSuccess && backoff.compareTo(MAX) < 0; i++) {
                backoff = backoff.multipliedBy(2);
            }
            if (backoff.compareTo(MAX) > 0) {
                backoff = MAX;
            }
            Duration elapsed = Duration.between(lastFailure, clock.instant());
            return elapsed.compareTo(backoff) >= 0 ? Duration.ZERO : backoff.minus(elapsed);
        }
    }

    private final Clock clock;
    private final Map<String, Record> records = new ConcurrentHashMap<>();

    PodBackoff(Clock clock) {
        this.clock = clock;
    }

    /** The record the job would have once these newly finished pods are counted. */
    Record next(String key, Collection<Pod> newSucceeded, Collection<Pod> newFailed) {
        Record previous = records.getOrDefault(key, new Record(key, 0, null));
        Instant lastSuccess = newSucceeded.stream().map(this::finishTime).max(Instant::compareTo).orElse(null);
        List<Instant> failures = newFailed.stream().map(this::finishTime).toList();
        if (lastSuccess == null) {
            if (failures.isEmpty()) {
                return previous;
            }
            Instant last = Stream.concat(failures.stream(), Stream.ofNullable(previous.lastFailure()))
                    .max(Instant::compareTo).orElseThrow();
            return new Record(key, previous.failuresAfterLastSuccess() + failures.size(), last);
        }
        List<Instant> after = failures.stream().filter(time -> time.isAfter(lastSuccess)).toList();
        return new Record(key, after.size(), after.stream().max(Instant::compareTo).orElse(null));
    }

    void save(Record record) {
        records.put(record.key(), record);
    }

    void remove(String key) {
        records.remove(key);
    }

    /** When a pod finished: its last container's end, else its deletion, else its Ready=False turn, else now. */
    Instant finishTime(Pod pod) {
        var status = pod.getStatus();
        if (status != null) {
            Instant latest = Stream.concat(
                            status.getContainerStatuses() == null ? Stream.<ContainerStatus>empty() : status.getContainerStatuses().stream(),
                            status.getInitContainerStatuses() == null ? Stream.<ContainerStatus>empty() : status.getInitContainerStatuses().stream())
                    .map(s -> s.getState() == null || s.getState().getTerminated() == null ? null
                            : s.getState().getTerminated().getFinishedAt())
                    .filter(Objects::nonNull).map(Instant::parse).max(Instant::compareTo).orElse(null);
            if (latest != null) {
                return latest;
            }
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return Instant.parse(pod.getMetadata().getDeletionTimestamp());
        }
        if (status != null && status.getConditions() != null) {
            for (PodCondition condition : status.getConditions()) {
                if ("Ready".equals(condition.getType()) && "False".equals(condition.getStatus())
                        && condition.getLastTransitionTime() != null) {
                    return Instant.parse(condition.getLastTransitionTime());
                }
            }
        }
        return clock.instant();
    }
}
