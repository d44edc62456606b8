package dev.kj.rhino.lease;

import dev.kj.rhino.api.etcdserverpb.LeaseGrantResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseLeasesResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseRevokeResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseStatus;
import dev.kj.rhino.api.etcdserverpb.LeaseTimeToLiveResponse;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.mvcc.WriteContext;
import com.google.protobuf.ByteString;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Leases: granted and revoked through the store's writer (so they are durable and ordered with
 * writes), kept alive in memory, expired by a background loop that revokes each lease — deleting
 * its keys in one revision — exactly as a client's revoke would. Expiry instants are persisted as
 * wall-clock times, so a restart resumes each lease with the time it had left.
 *
 * <p>On a shared backend several rhino processes serve the same leases, and the persisted row is
 * the truth: a keep-alive or TimeToLive through this process checks the row (a lease granted or
 * revoked elsewhere is seen at once), renewals are persisted twice a second so other processes do
 * not expire a lease kept alive here, and every process looks for expired rows, including those of
 * a process that died. Revocation re-reads the row inside the write transaction, and write
 * transactions of all processes serialize, so exactly one process revokes an expired lease.
 */
public final class Lessor implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Lessor.class.getName());

    /** etcd's minimum TTL with the default election timeout (1 s) and heartbeat (100 ms). */
    public static final long MIN_TTL_SECONDS = 2;
    /** etcd's MaxLeaseTTL. */
    public static final long MAX_TTL_SECONDS = 9_000_000_000L;
    private static final long CHECK_INTERVAL_MILLIS = 250;
    private static final long PERSIST_INTERVAL_MILLIS = 1_000;
    private static final long SHARED_PERSIST_INTERVAL_MILLIS = 500;
    /** How often a process on a shared backend scans persisted leases for expired ones. */
    private static final long SHARED_SCAN_INTERVAL_MILLIS = 1_000;

    private final MvccStore store;
    private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    private final Set<Long> revoking = ConcurrentHashMap.newKeySet();
    private final Set<Long> renewed = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();
    private final boolean shared;
    private final Thread loop;
    private volatile boolean closed;

    /** A live lease; the deadline is on the monotonic clock. */
    private static final class Lease {
        final long id;
        final long ttlSeconds;
        volatile long deadlineNanos;

        Lease(long id, long ttlSeconds, long deadlineNanos) {
            this.id = id;
            this.ttlSeconds = ttlSeconds;
            this.deadlineNanos = deadlineNanos;
        }

        long remainingNanos() {
            return deadlineNanos - System.nanoTime();
        }
    }

    public Lessor(MvccStore store, List<ReadTxn.LeaseRow> persisted) {
        this.store = store;
        this.shared = store.backend().shared();
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        for (ReadTxn.LeaseRow row : persisted) {
            leases.put(row.id(), fromRow(row, nowNanos, nowMillis));
        }
        this.loop = Thread.ofPlatform().name("rhino-lessor").daemon(true).unstarted(this::run);
    }

    private static Lease fromRow(ReadTxn.LeaseRow row, long nowNanos, long nowMillis) {
        long remainingMillis = row.expiresAtMillis() - nowMillis;
        return new Lease(row.id(), row.ttlSeconds(), nowNanos + TimeUnit.MILLISECONDS.toNanos(remainingMillis));
    }

    /** The persisted row (shared backends: what every process agrees on). */
    private ReadTxn.LeaseRow persisted(long id) {
        try (ReadTxn txn = store.beginRead()) {
            return txn.lease(id);
        }
    }

    /**
     * The lease as this process should see it: on a shared backend, checked against its row (absent
     * there → revoked or expired elsewhere) and with the later of the two deadlines.
     */
    private Lease current(long id) {
        Lease local = leases.get(id);
        if (!shared) {
            return local;
        }
        ReadTxn.LeaseRow row = persisted(id);
        if (row == null) {
            leases.remove(id);
            return null;
        }
        Lease fromRow = fromRow(row, System.nanoTime(), System.currentTimeMillis());
        if (local == null) {
            Lease raced = leases.putIfAbsent(id, fromRow);
            return raced != null ? raced : fromRow;
        }
        if (fromRow.deadlineNanos - local.deadlineNanos > 0) {
            local.deadlineNanos = fromRow.deadlineNanos; // renewed through another process
        }
        return local;
    }

    public void start() {
        loop.start();
    }

    /** Grants a lease; id 0 lets the server choose. */
    public CompletableFuture<LeaseGrantResponse> grant(long requestedId, long ttlSeconds) {
        if (ttlSeconds > MAX_TTL_SECONDS) {
            return CompletableFuture.failedFuture(EtcdError.LEASE_TTL_TOO_LARGE.exception());
        }
        long ttl = Math.max(ttlSeconds, MIN_TTL_SECONDS);
        long id = requestedId != 0 ? requestedId : newId();
        return store.write(ctx -> {
            WriteTxn txn = ctx.txn();
            if (txn.lease(id) != null) {
                throw EtcdError.LEASE_EXIST.exception();
            }
            long nowNanos = System.nanoTime();
            txn.putLease(new ReadTxn.LeaseRow(id, ttl, System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(ttl)));
            ctx.afterCommit(() -> leases.put(id, new Lease(id, ttl, nowNanos + TimeUnit.SECONDS.toNanos(ttl))));
            return ctx.currentRevision();
        }).thenApply(rev -> LeaseGrantResponse.newBuilder()
                .setHeader(store.header(rev))
                .setID(id)
                .setTTL(ttl)
                .build());
    }

    private long newId() {
        while (true) {
            long id = random.nextLong() & Long.MAX_VALUE;
            if (id != 0 && !leases.containsKey(id)) {
                return id;
            }
        }
    }

    /** Revokes a lease, deleting its keys in one revision. */
    public CompletableFuture<LeaseRevokeResponse> revoke(long id) {
        return store.write(ctx -> revokeIn(ctx, id))
                .thenApply(rev -> LeaseRevokeResponse.newBuilder().setHeader(store.header(rev)).build());
    }

    private long revokeIn(WriteContext ctx, long id) {
        WriteTxn txn = ctx.txn();
        if (txn.lease(id) == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        for (byte[] key : txn.keysWithLease(id)) {
            List<Row> rows = txn.range(KeyRange.single(key), ctx.currentRevision(), 1, false);
            if (!rows.isEmpty()) {
                ctx.delete(rows.getFirst());
            }
        }
        txn.deleteLease(id);
        ctx.afterCommit(() -> leases.remove(id));
        return ctx.currentRevision();
    }

    /** Renews a lease to its full TTL; throws LEASE_NOT_FOUND for a missing or expired lease. */
    public LeaseKeepAliveResponse keepAlive(long id) {
        Lease lease = current(id);
        if (lease == null || lease.remainingNanos() <= 0) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        lease.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(lease.ttlSeconds);
        renewed.add(id);
        return LeaseKeepAliveResponse.newBuilder()
                .setHeader(store.header())
                .setID(id)
                .setTTL(lease.ttlSeconds)
                .build();
    }

    /** TTL of a lease; a missing lease answers TTL -1 as etcd does. */
    public LeaseTimeToLiveResponse timeToLive(long id, boolean withKeys) {
        Lease lease = current(id);
        if (lease == null) {
            return LeaseTimeToLiveResponse.newBuilder().setHeader(store.header()).setID(id).setTTL(-1).build();
        }
        long remaining = Math.max(0, TimeUnit.NANOSECONDS.toSeconds(lease.remainingNanos()));
        LeaseTimeToLiveResponse.Builder resp = LeaseTimeToLiveResponse.newBuilder()
                .setID(id)
                .setTTL(remaining)
                .setGrantedTTL(lease.ttlSeconds);
        if (withKeys) {
            try (ReadTxn txn = store.beginRead()) {
                for (byte[] key : txn.keysWithLease(id)) {
                    resp.addKeys(ByteString.copyFrom(key));
                }
                resp.setHeader(store.header(txn.revision()));
            }
        } else {
            resp.setHeader(store.header());
        }
        return resp.build();
    }

    public LeaseLeasesResponse leases() {
        List<Long> ids;
        if (shared) {
            try (ReadTxn txn = store.beginRead()) {
                ids = new ArrayList<>(txn.leases().stream().map(ReadTxn.LeaseRow::id).toList());
            }
        } else {
            ids = new ArrayList<>(leases.keySet());
        }
        ids.sort(null);
        LeaseLeasesResponse.Builder resp = LeaseLeasesResponse.newBuilder().setHeader(store.header());
        for (long id : ids) {
            resp.addLeases(LeaseStatus.newBuilder().setID(id));
        }
        return resp.build();
    }

    /** Whether a lease is currently live (for lock and election recipes). */
    public boolean exists(long id) {
        Lease lease = current(id);
        return lease != null && lease.remainingNanos() > 0;
    }

    private void run() {
        long lastPersist = System.nanoTime();
        long lastScan = System.nanoTime();
        long persistNanos = TimeUnit.MILLISECONDS.toNanos(shared ? SHARED_PERSIST_INTERVAL_MILLIS : PERSIST_INTERVAL_MILLIS);
        while (!closed) {
            try {
                Thread.sleep(CHECK_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (shared && System.nanoTime() - lastScan >= TimeUnit.MILLISECONDS.toNanos(SHARED_SCAN_INTERVAL_MILLIS)) {
                    adoptExpiredRows();
                    lastScan = System.nanoTime();
                }
                expireDue();
                if (System.nanoTime() - lastPersist >= persistNanos) {
                    persistRenewals();
                    lastPersist = System.nanoTime();
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "lease maintenance failed; retrying", e);
                }
            }
        }
    }

    /** Shared backends: persisted leases past their expiry that this process did not know of (their process died). */
    private void adoptExpiredRows() {
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        try (ReadTxn txn = store.beginRead()) {
            for (ReadTxn.LeaseRow row : txn.leases()) {
                if (row.expiresAtMillis() <= nowMillis) {
                    leases.putIfAbsent(row.id(), fromRow(row, nowNanos, nowMillis));
                }
            }
        }
    }

    private void expireDue() {
        for (Lease lease : leases.values()) {
            if (lease.remainingNanos() > 0 || !revoking.add(lease.id)) {
                continue;
            }
            store.write(ctx -> {
                // A keep-alive may have raced with us; only revoke what is still expired.
                Lease current = leases.get(lease.id);
                ReadTxn.LeaseRow row = ctx.txn().lease(lease.id);
                if (row == null) {
                    ctx.afterCommit(() -> leases.remove(lease.id));
                    return ctx.currentRevision();
                }
                if (shared && current != null && row.expiresAtMillis() > System.currentTimeMillis()) {
                    // Renewed through another process: take its deadline.
                    Lease renewed = fromRow(row, System.nanoTime(), System.currentTimeMillis());
                    if (renewed.deadlineNanos - current.deadlineNanos > 0) {
                        current.deadlineNanos = renewed.deadlineNanos;
                    }
                }
                if (current == null || current.remainingNanos() > 0) {
                    return ctx.currentRevision();
                }
                return revokeIn(ctx, lease.id);
            }).whenComplete((rev, err) -> {
                revoking.remove(lease.id);
                if (err != null && !closed) {
                    LOG.log(Level.WARNING, "expiring lease " + Long.toHexString(lease.id) + " failed", err);
                }
            });
        }
    }

    /** Keep-alives are in memory; their new deadlines reach disk once a second, without a revision. */
    private void persistRenewals() {
        if (renewed.isEmpty()) {
            return;
        }
        List<Long> ids = new ArrayList<>(renewed);
        renewed.removeAll(ids);
        store.write(ctx -> {
            long nowNanos = System.nanoTime();
            long nowMillis = System.currentTimeMillis();
            for (long id : ids) {
                Lease lease = leases.get(id);
                ReadTxn.LeaseRow row = lease == null ? null : ctx.txn().lease(id);
                if (row != null) {
                    long remainingMillis = TimeUnit.NANOSECONDS.toMillis(lease.deadlineNanos - nowNanos);
                    // Never shorten a deadline another process persisted later.
                    long expiresAt = Math.max(row.expiresAtMillis(), nowMillis + remainingMillis);
                    ctx.txn().putLease(new ReadTxn.LeaseRow(id, lease.ttlSeconds, expiresAt));
                }
            }
            return null;
        });
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        persistRenewals();
    }
}
