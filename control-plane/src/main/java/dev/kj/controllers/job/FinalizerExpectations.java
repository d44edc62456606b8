package dev.kj.controllers.job;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The pods whose tracking finalizer this controller has asked to remove and whose update it has
 * not seen yet, per Job (upstream's uidTrackingExpectations): a sync skips them, so a cache that
 * lags the removal never counts a finished pod twice.
 */
final class FinalizerExpectations {
    private final Map<String, Set<String>> byJob = new HashMap<>();

    synchronized void expectRemovals(String jobKey, Iterable<String> uids) {
        Set<String> expected = byJob.computeIfAbsent(jobKey, key -> new HashSet<>());
        uids.forEach(expected::add);
    }

    synchronized void removalObserved(String jobKey, String uid) {
        Set<String> expected = byJob.get(jobKey);
        if (expected != null && expected.remove(uid) && expected.isEmpty()) {
            byJob.remove(jobKey);
        }
    }

    synchronized Set<String> expected(String jobKey) {
        return Set.copyOf(byJob.getOrDefault(jobKey, Set.of()));
    }

    synchronized void forget(String jobKey) {
        byJob.remove(jobKey);
    }
}
