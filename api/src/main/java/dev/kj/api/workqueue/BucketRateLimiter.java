package dev.kj.api.workqueue;

import java.time.Duration;

/**
 * One token bucket for all items (golang.org/x/time/rate.Limiter as client-go uses it): it holds
 * up to {@code burst} tokens, refilled at {@code qps}; every retry takes a token, borrowing ahead
 * when none is left, and waits until its token would have been there.
 */
public final class BucketRateLimiter<T> implements RateLimiter<T> {
    private final double perSecond;
    private final int burst;
    private final Ticker ticker;
    private double tokens;
    private long lastNanos;

    public BucketRateLimiter(double qps, int burst, Ticker ticker) {
        this.perSecond = qps;
        this.burst = burst;
        this.ticker = ticker;
        this.tokens = burst;
        this.lastNanos = ticker.nanoTime();
    }

    @Override
    public synchronized Duration when(T item) {
        long now = ticker.nanoTime();
        long elapsed = Math.max(0, now - lastNanos);
        tokens = Math.min(burst, tokens + elapsed / 1e9 * perSecond);
        lastNanos = Math.max(lastNanos, now);
        tokens -= 1;
        if (tokens >= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil(-tokens * 1e9 / perSecond));
    }

    @Override
    public void forget(T item) {
        // one bucket for everything: nothing per item
    }

    @Override
    public int numRequeues(T item) {
        return 0;
    }
}
