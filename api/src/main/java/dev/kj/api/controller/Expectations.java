package dev.kj.api.controller;

import dev.kj.api.workqueue.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What a controller has asked the API for and not yet seen in its caches (upstream's
 * ControllerExpectations): before creating or deleting N objects for a key it records N; each
 * observed add or delete counts one down. Until all are observed, or five minutes pass, the
 * controller skips managing the key, so it never acts twice on a cache that lags its own writes.
 */
public final class Expectations {
    /** Upstream's ExpectationsTimeout. */
    public static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Ticker ticker;
    private final Map<String, Expected> byKey = new HashMap<>();

    private static final class Expected {
        long adds;
        long deletes;
        final long setAt;

        Expected(long adds, long deletes, long setAt) {
            this.adds = adds;
            this.deletes = deletes;
            this.setAt = setAt;
        }
    }

    public Expectations(Ticker ticker) {
        this.ticker = ticker;
    }

    /** Replaces the key's expectations: this many creations are on their way. */
    public synchronized void expectCreations(String key, long adds) {
        byKey.put(key, new Expected(adds, 0, ticker.nanoTime()));
    }

    /** Replaces the key's expectations: this many deletions are on their way. */
    public synchronized void expectDeletions(String key, long deletes) {
        byKey.put(key, new Expected(0, deletes, ticker.nanoTime()));
    }

    public synchronized void raiseExpectations(String key, long adds, long deletes) {
        Expected expected = byKey.get(key);
        if (expected != null) {
            expected.adds += adds;
            expected.deletes += deletes;
        }
    }

    /** Also what a controller calls for each create or delete that failed (it will never be observed). */
    public synchronized void lowerExpectations(String key, long adds, long deletes) {
        Expected expected = byKey.get(key);
        if (expected != null) {
            expected.adds -= adds;
            expected.deletes -= deletes;
        }
    }

    public void creationObserved(String key) {
        lowerExpectations(key, 1, 0);
    }

    public void deletionObserved(String key) {
        lowerExpectations(key, 0, 1);
    }

    /**
     * True when the controller may manage the key: nothing is expected (no record: a new key),
     * everything expected has been observed, or the expectations are older than {@link #TIMEOUT}.
     */
    public synchronized boolean satisfied(String key) {
        Expected expected = byKey.get(key);
        if (expected == null) {
            return true;
        }
        return expected.adds <= 0 && expected.deletes <= 0 || ticker.nanoTime() - expected.setAt > TIMEOUT.toNanos();
    }

    /** Forgets the key (its object was deleted). */
    public synchronized void deleteExpectations(String key) {
        byKey.remove(key);
    }
}
