package dev.kj.api.informers;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The reflector's pause between failed attempts (client-go's wait.Backoff with DelayWithReset):
 * the delay doubles from {@code initial} up to {@code cap}, each pause drawn from [delay, 2 × delay)
 * (jitter 1.0), and starts over once two minutes pass without a pause.
 */
final class Backoff {
    private static final long RESET_NANOS = Duration.ofMinutes(2).toNanos();

    private final long initialNanos;
    private final long capNanos;
    private long currentNanos;
    private long lastPauseNanos;
    private boolean paused;

    Backoff(Duration initial, Duration cap) {
        this.initialNanos = initial.toNanos();
        this.capNanos = cap.toNanos();
        this.currentNanos = initialNanos;
    }

    /** The next pause, as of {@code nowNanos} (System.nanoTime). */
    synchronized Duration next(long nowNanos) {
        if (paused && nowNanos - lastPauseNanos > RESET_NANOS) {
            currentNanos = initialNanos;
        }
        long delay = currentNanos + (long) (ThreadLocalRandom.current().nextDouble() * currentNanos);
        currentNanos = Math.min(capNanos, currentNanos * 2);
        lastPauseNanos = nowNanos;
        paused = true;
        return Duration.ofNanos(delay);
    }
}
