package dev.kj.api.workqueue;

import java.time.Duration;
import java.util.List;

/** How long an item waits before its next retry (client-go's workqueue.TypedRateLimiter). Thread-safe. */
public interface RateLimiter<T> {
    /** Records one more failure of {@code item} and returns the wait before it is retried. */
    Duration when(T item);

    /** The item succeeded: its failures are forgotten. */
    void forget(T item);

    /** How many failures of the item are remembered. */
    int numRequeues(T item);

    /**
     * client-go's DefaultControllerRateLimiter: per item 5 ms doubling to 1000 s, and over all
     * items a token bucket of 10 per second with bursts of 100; the longer wait wins.
     */
    static <T> RateLimiter<T> defaultControllerRateLimiter(Ticker ticker) {
        return new MaxOfRateLimiter<>(List.of(
                new ItemExponentialFailureRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000)),
                new BucketRateLimiter<>(10, 100, ticker)));
    }
}
