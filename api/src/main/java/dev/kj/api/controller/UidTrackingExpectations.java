package dev.kj.api.controller;

import dev.kj.api.workqueue.Ticker;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@link Expectations} that also remember which objects a controller deleted (upstream's
 * UIDTrackingControllerExpectations): a pod deleted gracefully is seen twice — first with a
 * deletionTimestamp, then gone — and must count once, or the controller would believe a deletion
 * it has not seen yet was observed and delete another pod.
 */
public final class UidTrackingExpectations {
    private final Expectations expectations;
    private final Map<String, Set<String>> deletedKeys = new HashMap<>();

    public UidTrackingExpectations(Ticker ticker) {
        this.expectations = new Expectations(ticker);
    }

    public void expectCreations(String key, long adds) {
        expectations.expectCreations(key, adds);
    }

    public void creationObserved(String key) {
        expectations.creationObserved(key);
    }

    /** A create that failed (it will never be observed). */
    public void lowerCreations(String key, long adds) {
        expectations.lowerExpectations(key, adds, 0);
    }

    /** The objects (their namespace/name keys) about to be deleted for {@code key}. */
    public void expectDeletions(String key, Collection<String> objectKeys) {
        synchronized (deletedKeys) {
            deletedKeys.put(key, new HashSet<>(objectKeys));
        }
        expectations.expectDeletions(key, objectKeys.size());
    }

    /** Counts the deletion of {@code objectKey} once, and only when it was expected. */
    public void deletionObserved(String key, String objectKey) {
        synchronized (deletedKeys) {
            Set<String> pending = deletedKeys.get(key);
            if (pending == null || !pending.remove(objectKey)) {
                return;
            }
        }
        expectations.deletionObserved(key);
    }

    public boolean satisfied(String key) {
        return expectations.satisfied(key);
    }

    public void deleteExpectations(String key) {
        synchronized (deletedKeys) {
            deletedKeys.remove(key);
        }
        expectations.deleteExpectations(key);
    }
}
