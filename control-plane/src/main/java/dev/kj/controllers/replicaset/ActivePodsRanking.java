package dev.kj.controllers.replicaset;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which pods a ReplicaSet deletes first when it has too many (upstream's ActivePodsWithRanks with
 * the PodDeletionCost and LogarithmicScaleDown gates on, their defaults): unscheduled before
 * scheduled; Pending before Unknown before Running; not ready before ready; lower
 * {@code controller.kubernetes.io/pod-deletion-cost} first; pods doubled up on a node with related
 * pods (of ReplicaSets sharing this one's controller) before others; among ready pods the one ready
 * for less time (in log2 buckets of age); more container restarts first; newer (again in log2
 * buckets) before older; ties in a bucket by uid.
 */
public final class ActivePodsRanking {
    static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

    private ActivePodsRanking() {
    }

    /** The {@code count} pods to delete of {@code pods}, ranked against the related pods per node. */
    public static List<Pod> podsToDelete(List<Pod> pods, List<Pod> related, int count, Instant now) {
        if (count >= pods.size()) {
            return pods;
        }
        Map<String, Integer> onNode = new HashMap<>();
        for (Pod pod : related) {
            if (PodStates.isActive(pod)) {
                onNode.merge(nodeName(pod), 1, Integer::sum);
            }
        }
        List<Ranked> ranked = new ArrayList<>();
        for (Pod pod : pods) {
            ranked.add(new Ranked(pod, onNode.getOrDefault(nodeName(pod), 0)));
        }
        // an insertion sort: the log2 buckets can make the order intransitive, which List.sort may reject
        for (int k = 1; k < ranked.size(); k++) {
            for (int m = k; m > 0 && less(ranked.get(m), ranked.get(m - 1), now); m--) {
                java.util.Collections.swap(ranked, m, m - 1);
            }
        }
        return ranked.subList(0, count).stream().map(Ranked::pod).toList();
    }

    record Ranked(Pod pod, int rank) {
    }

    private static boolean less(Ranked a, Ranked b, Instant now) {
        Pod i = a.pod();
        Pod j = b.pod();
        // 1. unassigned < assigned
        if (!nodeName(i).equals(nodeName(j)) && (nodeName(i).isEmpty() || nodeName(j).isEmpty())) {
            return nodeName(i).isEmpty();
        }
        // 2. Pending < Unknown < Running
        if (phaseOrdinal(i) != phaseOrdinal(j)) {
            return phaseOrdinal(i) < phaseOrdinal(j);
        }
        // 3. not ready < ready
        if (PodStates.isReady(i) != PodStates.isReady(j)) {
            return !PodStates.isReady(i);
        }
        // 4. lower deletion cost first
        int costI = deletionCost(i);
        int costJ = deletionCost(j);
        if (costI != costJ) {
            return costI < costJ;
        }
        // 5. doubled up < not doubled up
        if (a.rank() != b.rank()) {
            return a.rank() > b.rank();
        }
        // 6. ready for less time first
        if (PodStates.isReady(i) && PodStates.isReady(j)) {
            Instant readyI = readyTime(i);
            Instant readyJ = readyTime(j);
            if (!java.util.Objects.equals(readyI, readyJ)) {
                return newerFirst(readyI, readyJ, i, j, now);
            }
        }
        // 7. more restarts first
        int restartsI = maxRestarts(i);
        int restartsJ = maxRestarts(j);
        if (restartsI != restartsJ) {
            return restartsI > restartsJ;
        }
        // 8. empty creation time < newer < older
        Instant createdI = PodStates.time(i.getMetadata().getCreationTimestamp());
        Instant createdJ = PodStates.time(j.getMetadata().getCreationTimestamp());
        if (!java.util.Objects.equals(createdI, createdJ)) {
            return newerFirst(createdI, createdJ, i, j, now);
        }
        return false;
    }

    private static boolean newerFirst(Instant t1, Instant t2, Pod i, Pod j, Instant now) {
        if (now == null || t1 == null || t2 == null) {
            return afterOrZero(t1, t2);
        }
        long rankDiff = log2Rank(Duration.between(t1, now)) - log2Rank(Duration.between(t2, now));
        if (rankDiff == 0) {
            return uid(i).compareTo(uid(j)) < 0;
        }
        return rankDiff < 0;
    }

    /** The zero time counts as after any other. */
    private static boolean afterOrZero(Instant t1, Instant t2) {
        if (t1 == null || t2 == null) {
            return t1 == null;
        }
        return t1.isAfter(t2);
    }

    /** floor(log2(nanoseconds)), -1 for no age. */
    static long log2Rank(Duration age) {
        long nanos = age.toNanos();
        return nanos > 0 ? (long) (Math.log(nanos) / Math.log(2)) : -1;
    }

    private static String nodeName(Pod pod) {
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        return node == null ? "" : node;
    }

    private static int phaseOrdinal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return switch (phase == null ? "" : phase) {
            case "Pending" -> 0;
            case "Unknown" -> 1;
            case "Running" -> 2;
            default -> 0; // upstream's map lookup yields 0 for anything else
        };
    }

    private static int deletionCost(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(DELETION_COST);
        if (value == null) {
            return 0;
        }
        try {
            return Integer.parseInt(value); // validation allows only int32 values
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Instant readyTime(Pod pod) {
        return PodStates.readyCondition(pod).filter(c -> "True".equals(c.getStatus()))
                .map(c -> PodStates.time(c.getLastTransitionTime())).orElse(null);
    }

    private static int maxRestarts(Pod pod) {
        int max = 0;
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
                max = Math.max(max, status.getRestartCount() == null ? 0 : status.getRestartCount());
            }
        }
        return max;
    }

    private static String uid(Pod pod) {
        return pod.getMetadata().getUid() == null ? "" : pod.getMetadata().getUid();
    }
}
