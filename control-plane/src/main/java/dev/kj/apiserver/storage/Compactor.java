package dev.kj.apiserver.storage;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps etcd's history bounded as upstream's API server does (--etcd-compaction-interval): every
 * interval, compact to the revision seen one interval earlier, so watchers keep at least one
 * interval of history. Several API servers on one etcd coordinate through the version of
 * {@code compact_rev_key}, the key upstream uses, so kj and kube-apiserver can share a store.
 */
public final class Compactor implements AutoCloseable {
    public static final String COMPACT_REV_KEY = "compact_rev_key";
    private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

    private final EtcdStorage storage;
    private long version;
    private long lastRevision;
    private ScheduledFuture<?> schedule;

    public Compactor(EtcdStorage storage) {
        this.storage = storage;
    }

    public synchronized Compactor start(ScheduledExecutorService timers, Duration interval) {
        long millis = interval.toMillis();
        schedule = timers.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "etcd compaction failed: {0}", e.getMessage());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One round; returns the revision compacted to, or 0 when this round did not compact (first
     * round, or another API server won it).
     */
    public synchronized long tick() {
        long target = lastRevision;
        EtcdStorage.CompactionStep step = storage.claimCompaction(COMPACT_REV_KEY, version, target);
        version = step.version();
        lastRevision = step.revision();
        if (!step.won() || target == 0) {
            return 0;
        }
        storage.compact(target);
        LOG.log(System.Logger.Level.DEBUG, "compacted etcd history to revision {0}", target);
        return target;
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }
}
