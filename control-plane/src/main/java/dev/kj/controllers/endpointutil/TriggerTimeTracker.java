package dev.kj.controllers.endpointutil;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's TriggerTimeTracker: the value of {@code endpoints.kubernetes.io/last-change-trigger-time}
 * — the earliest time among the changes a sync is the first to see: a pod's Ready condition's
 * lastTransitionTime that moved since the last sync of its service, or the service's creation.
 * Null when no such change is seen (the annotation is then removed).
 */
public final class TriggerTimeTracker {
    public static final String ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

    private record State(Map<String, Instant> podTriggerTimes, Instant serviceTriggerTime) {
    }

    private final Map<String, State> byService = new ConcurrentHashMap<>();

    /** Called once per sync of the service (even one that writes nothing), so the state stays current. */
    public Instant compute(String serviceKey, Service service, List<Pod> pods) {
        State last = byService.getOrDefault(serviceKey, new State(Map.of(), null));
        Instant earliest = null;
        Map<String, Instant> podTimes = new HashMap<>();
        for (Pod pod : pods) {
            Instant podTime = podTriggerTime(pod);
            if (podTime == null) {
                continue;
            }
            podTimes.put(pod.getMetadata().getName(), podTime);
            Instant before = last.podTriggerTimes().get(pod.getMetadata().getName());
            if (before == null || podTime.isAfter(before)) {
                earliest = min(earliest, podTime);
            }
        }
        Instant serviceTime = parse(service.getMetadata().getCreationTimestamp());
        if (serviceTime != null && (last.serviceTriggerTime() == null || serviceTime.isAfter(last.serviceTriggerTime()))) {
            earliest = min(earliest, serviceTime);
        }
        byService.put(serviceKey, new State(podTimes, serviceTime));
        return earliest;
    }

    public void forget(String serviceKey) {
        byService.remove(serviceKey);
    }

    private static Instant podTriggerTime(Pod pod) {
        PodCondition ready = PodEndpoints.readyCondition(pod);
        return ready == null ? null : parse(ready.getLastTransitionTime());
    }

    private static Instant min(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    static Instant parse(String time) {
        return time == null || time.isEmpty() ? null : Instant.parse(time);
    }

    /** RFC 3339 with nanoseconds as Go's time.RFC3339Nano writes them (trailing zeros dropped). */
    public static String format(Instant time) {
        String seconds = java.time.format.DateTimeFormatter.ISO_INSTANT.format(time.with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0));
        if (time.getNano() == 0) {
            return seconds;
        }
        String fraction = String.format("%09d", time.getNano()).replaceAll("0+$", "");
        return seconds.substring(0, seconds.length() - 1) + "." + fraction + "Z";
    }
}
