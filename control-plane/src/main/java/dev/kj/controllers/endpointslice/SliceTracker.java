package dev.kj.controllers.endpointslice;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's endpointSliceTracker: what this controller last wrote per service, so a sync reading
 * an informer cache that has not caught up with its own writes waits instead of acting on the old
 * state (creating a slice twice, updating over a newer one). Writes are remembered by the
 * resourceVersion they produced (etcd revisions here, so ordered) or as deletions.
 */
final class SliceTracker {
    private static final long DELETED = -1;

    private final Map<String, Map<String, Long>> byService = new ConcurrentHashMap<>();

    void written(String serviceKey, EndpointSlice slice) {
        byService.computeIfAbsent(serviceKey, k -> new ConcurrentHashMap<>())
                .put(slice.getMetadata().getName(), Long.parseLong(slice.getMetadata().getResourceVersion()));
    }

    void deleted(String serviceKey, String sliceName) {
        byService.computeIfAbsent(serviceKey, k -> new ConcurrentHashMap<>()).put(sliceName, DELETED);
    }

    /** Whether the cached slices still miss one of this controller's writes; entries seen through are dropped. */
    boolean stale(String serviceKey, List<EndpointSlice> cached) {
        Map<String, Long> expected = byService.get(serviceKey);
        if (expected == null) {
            return false;
        }
        Map<String, Long> seen = new java.util.HashMap<>();
        cached.forEach(slice -> seen.put(slice.getMetadata().getName(), Long.parseLong(slice.getMetadata().getResourceVersion())));
        boolean stale = false;
        for (Map.Entry<String, Long> entry : expected.entrySet()) {
            Long version = seen.get(entry.getKey());
            boolean caughtUp = entry.getValue() == DELETED ? version == null : version != null && version >= entry.getValue();
            if (caughtUp) {
                expected.remove(entry.getKey(), entry.getValue());
            } else {
                stale = true;
            }
        }
        return stale;
    }

    void forget(String serviceKey) {
        byService.remove(serviceKey);
    }
}
