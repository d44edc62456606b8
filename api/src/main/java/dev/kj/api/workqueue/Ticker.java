package dev.kj.api.workqueue;

/**
 * Monotonic time for queues and rate limiters; injected so tests move time by hand
 * ({@link FakeTicker}) instead of sleeping.
 */
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanoTime();

    /** Registers a callback for when time jumps (only a fake ticker jumps; the system one never calls it). */
    default void onAdvance(Runnable wake) {
    }
}
