package dev.kj.api.controller;

import java.time.Duration;

/**
 * Thrown by a {@link Reconciler} that is not done with a key but did nothing wrong: the key comes
 * back after {@code delay} (upstream's queue.AddAfter, e.g. the namespace controller waiting for
 * content to go), or, without a delay, after the queue's rate-limited backoff (AddRateLimited)
 * without being logged as a failure. Its failures so far are not forgotten.
 */
public final class Requeue extends Exception {
    private final Duration delay;

    private Requeue(String why, Duration delay) {
        super(why, null, false, false);
        this.delay = delay;
    }

    /** Back after {@code delay}. */
    public static Requeue after(Duration delay, String why) {
        return new Requeue(why, delay);
    }

    /** Back after the rate limiter's wait for this key. */
    public static Requeue rateLimited(String why) {
        return new Requeue(why, null);
    }

    /** Null for the rate limiter's wait. */
    public Duration delay() {
        return delay;
    }
}
