package dev.kj.apiserver.storage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Hands out etcd leases for objects with a time to live (events), reusing one lease for a short
 * window instead of granting one per write, as upstream's lease manager does: the window is 5% of
 * the TTL, at most a minute, and the lease lasts TTL + window, so an object lives between its TTL
 * and TTL + window.
 */
public final class LeaseReuse {
    private static final Duration MAX_WINDOW = Duration.ofMinutes(1);

    private final Storage storage;
    private final Clock clock;
    private long lease;
    private long leaseTtlSeconds;
    private Instant reuseUntil = Instant.MIN;

    public LeaseReuse(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    public synchronized long leaseFor(Duration ttl) {
        Instant now = clock.instant();
        long seconds = Math.max(1, ttl.toSeconds());
        if (lease != 0 && seconds == leaseTtlSeconds && now.isBefore(reuseUntil)) {
            return lease;
        }
        Duration window = ttl.dividedBy(20).compareTo(MAX_WINDOW) > 0 ? MAX_WINDOW : ttl.dividedBy(20);
        lease = storage.grantLease(seconds + window.toSeconds());
        leaseTtlSeconds = seconds;
        reuseUntil = now.plus(window);
        return lease;
    }
}
