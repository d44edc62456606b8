package dev.kj.api.workqueue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code base × 2^failures}, at most {@code max}, counted per item until it is forgotten. */
public final class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
    private final long baseNanos;
    private final long maxNanos;
    private final Map<T, Integer> failures = new HashMap<>();

    public ItemExponentialFailureRateLimiter(Duration base, Duration max) {
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
    }

    @Override
    public synchronized Duration when(T item) {
        int exponent = failures.getOrDefault(item, 0);
        failures.put(item, exponent + 1);
        // beyond 2^62 a long overflows; the cap has long been reached by then
        if (exponent >= 62 || baseNanos > (maxNanos >> exponent)) {
            return Duration.ofNanos(maxNanos);
        }
        return Duration.ofNanos(Math.min(maxNanos, baseNanos << exponent));
    }

    @Override
    public synchronized void forget(T item) {
        failures.remove(item);
    }

    @Override
    public synchronized int numRequeues(T item) {
        return failures.getOrDefault(item, 0);
    }
}
