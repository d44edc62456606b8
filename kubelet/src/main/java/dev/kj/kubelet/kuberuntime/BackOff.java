package dev.kj.kubelet.kuberuntime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * client-go's flowcontrol.Backoff as the kubelet uses it for crash loops and image pulls: per key a
 * delay that starts at {@code initial} and doubles on each {@link #next} up to {@code max}; an entry
 * not touched for twice the maximum (10 minutes with the kubelet's 5) starts over.
 */
public final class BackOff {
    private record Entry(Duration delay, Instant lastUpdate) {
    }

    private final Clock clock;
    private final Duration initial;
    private final Duration max;
    private final Map<String, Entry> entries = new HashMap<>();

    public BackOff(Clock clock, Duration initial, Duration max) {
        this.clock = clock;
        this.initial = initial;
        this.max = max;
    }

    /** The current delay of the key (zero when it has none). */
    public synchronized Duration get(String key) {
        Entry entry = entries.get(key);
        return entry == null ? Duration.ZERO : entry.delay();
    }

    /** Records a failure at {@code eventTime}: the first delay, or the doubled one. */
    public synchronized void next(String key, Instant eventTime) {
        Entry entry = entries.get(key);
        Duration delay = entry == null || expired(eventTime, entry) ? initial : min(entry.delay().multipliedBy(2), max);
        entries.put(key, new Entry(delay, clock.instant()));
    }

    /** Whether, for a failure at {@code eventTime}, the key's delay has not passed yet. */
    public synchronized boolean inBackOffSince(String key, Instant eventTime) {
        Entry entry = entries.get(key);
        if (entry == null || expired(eventTime, entry)) {
            return false;
        }
        return Duration.between(eventTime, clock.instant()).compareTo(entry.delay()) < 0;
    }

    /** Whether the key's delay since its last {@link #next} has not passed yet (image pulls). */
    public synchronized boolean inBackOffSinceUpdate(String key) {
        Entry entry = entries.get(key);
        if (entry == null || expired(clock.instant(), entry)) {
            return false;
        }
        return Duration.between(entry.lastUpdate(), clock.instant()).compareTo(entry.delay()) < 0;
    }

    /** The instant a failure at {@code eventTime} may be retried. */
    public synchronized Instant retryAt(String key, Instant eventTime) {
        return eventTime.plus(get(key));
    }

    public synchronized void reset(String key) {
        entries.remove(key);
    }

    /** Drops the keys of a pod that is gone (every key names the pod's uid). */
    public synchronized void forget(String podUid) {
        entries.keySet().removeIf(k -> k.contains(podUid));
    }

    private boolean expired(Instant eventTime, Entry entry) {
        return Duration.between(entry.lastUpdate(), eventTime).compareTo(max.multipliedBy(2)) > 0;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A duration as Go's time.Duration prints it ({@code 10s}, {@code 1m20s}, {@code 5m0s}, {@code 1.5s}). */
    public static String goString(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long hours = d.toHours();
        long minutes = d.toMinutesPart();
        long seconds = d.toSecondsPart();
        long nanos = d.toNanosPart();
        if (hours == 0 && minutes == 0 && seconds == 0) {
            if (nanos % 1_000_000 == 0) {
                return nanos / 1_000_000 + "ms";
            }
            return java.math.BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString() + "ms";
        }
        String secs = nanos == 0 ? Long.toString(seconds)
                : java.math.BigDecimal.valueOf(seconds * 1_000_000_000L + nanos, 9).stripTrailingZeros().toPlainString();
        StringBuilder out = new StringBuilder();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        return out.append(secs).append('s').toString();
    }
}
