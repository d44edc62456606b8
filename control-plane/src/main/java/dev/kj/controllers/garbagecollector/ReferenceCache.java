package dev.kj.controllers.garbagecollector;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Owners known not to exist (upstream's absentOwnerCache): a bounded LRU set, so dependents of one
 * deleted owner do not each ask the API server again.
 */
final class ReferenceCache {
    private final Map<ObjectReference, Boolean> entries;

    ReferenceCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ObjectReference, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized void add(ObjectReference reference) {
        entries.put(reference, Boolean.TRUE);
    }

    synchronized boolean has(ObjectReference reference) {
        return entries.get(reference) != null;
    }
}
