package dev.kj.api.leaderelection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * client-go's leader election over a coordination.k8s.io/v1 Lease. A candidate creates the Lease or
 * takes it over once it has seen no renewal for leaseDurationSeconds (measured from when this process
 * observed the record change, not from renewTime, so clocks need not agree); the leader renews every
 * retryPeriod and gives up when it cannot renew within renewDeadline. Every write is guarded by the
 * Lease's resourceVersion, so two candidates never both win. leaseTransitions counts changes of
 * holder; acquireTime and renewTime are MicroTimes.
 */
public final class LeaderElector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LeaderElector.class.getName());
    /** metav1.MicroTime's RFC 3339 form with microseconds. */
    static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final double JITTER = 1.2;

    /** What the leader's owner does when leadership starts and ends. */
    public interface Callbacks {
        /** Called on the elector's thread; must return promptly (start work elsewhere). */
        void onStartedLeading();

        /** Called when leadership was lost or given up; work must stop. */
        void onStoppedLeading();

        /** Someone (maybe this candidate) was seen to hold the Lease. */
        default void onNewLeader(String identity) {
        }
    }

    /** The holder record as client-go keeps it (LeaderElectionRecord). */
    record Record(String holderIdentity, int leaseDurationSeconds, String acquireTime, String renewTime,
                  int leaderTransitions) {
        static Record of(JsonNode spec) {
            return new Record(spec.path("holderIdentity").asText(""), spec.path("leaseDurationSeconds").asInt(0),
                    spec.path("acquireTime").asText(null), spec.path("renewTime").asText(null),
                    spec.path("leaseTransitions").asInt(0));
        }

        ObjectNode toSpec() {
            ObjectNode spec = JsonNodeFactory.instance.objectNode();
            spec.put("holderIdentity", holderIdentity);
            spec.put("leaseDurationSeconds", leaseDurationSeconds);
            if (acquireTime != null) {
                spec.put("acquireTime", acquireTime);
            }
            if (renewTime != null) {
                spec.put("renewTime", renewTime);
            }
            spec.put("leaseTransitions", leaderTransitions);
            return spec;
        }
    }

    private final ResourceClient<ObjectNode> leases;
    private final LeaderElectionConfig config;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private volatile boolean closed;
    /** The Lease as last read or written (its resourceVersion guards the next write). */
    private ObjectNode lease;
    private Record observed;
    private long observedNanos;
    private String reportedLeader;

    public LeaderElector(ApiClient client, LeaderElectionConfig config, Clock clock) {
        this.leases = client.generic(Resources.LEASES);
        this.config = config;
        this.clock = clock;
    }

    public LeaderElectionConfig config() {
        return config;
    }

    /** Whether this candidate held the Lease at its last successful read or write. */
    public boolean isLeader() {
        lock.lock();
        try {
            return observed != null && observed.holderIdentity().equals(config.identity());
        } finally {
            lock.unlock();
        }
    }

    /** The holder last observed, if any. */
    public Optional<String> leader() {
        lock.lock();
        try {
            return observed == null || observed.holderIdentity().isEmpty() ? Optional.empty()
                    : Optional.of(observed.holderIdentity());
        } finally {
            lock.unlock();
        }
    }

    /**
     * One attempt to acquire or renew (client-go's tryAcquireOrRenew): the leader first writes over
     * the Lease it last saw; otherwise the Lease is read (or created) and taken when nobody holds it
     * or its holder has not renewed for leaseDurationSeconds of this process's observation.
     */
    public boolean tryAcquireOrRenew() {
        lock.lock();
        try {
            String now = MICRO_TIME.format(clock.instant());
            int duration = (int) config.leaseDuration().toSeconds();
            if (isLeader() && leaseValid() && lease != null) {
                Record renewed = new Record(config.identity(), duration, observed.acquireTime(), now,
                        observed.leaderTransitions());
                if (update(renewed)) {
                    return true;
                }
                // fall back to reading the Lease
            }
            ObjectNode current;
            try {
                current = leases.get(config.namespace(), config.name());
            } catch (ApiException e) {
                if (!e.isNotFound()) {
                    LOG.log(System.Logger.Level.WARNING, "error retrieving resource lock {0}/{1}: {2}",
                            config.namespace(), config.name(), e.getMessage());
                    return false;
                }
                Record first = new Record(config.identity(), duration, now, now, 0);
                ObjectNode created = JsonNodeFactory.instance.objectNode();
                created.put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
                created.putObject("metadata").put("name", config.name()).put("namespace", config.namespace());
                created.set("spec", first.toSpec());
                try {
                    lease = leases.create(config.namespace(), created);
                } catch (ApiException createFailed) {
                    LOG.log(System.Logger.Level.WARNING, "error initially creating leader election record: {0}",
                            createFailed.getMessage());
                    return false;
                }
                observe(first);
                return true;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "error retrieving resource lock: " + e);
                return false;
            }
            Record stored = Record.of(current.path("spec"));
            lease = current;
            if (!stored.equals(observed)) {
                observe(stored);
            }
            if (!stored.holderIdentity().isEmpty() && leaseValid() && !isLeader()) {
                return false; // held, and renewed recently enough
            }
            Record next = isLeader()
                    ? new Record(config.identity(), duration, stored.acquireTime(), now, stored.leaderTransitions())
                    : new Record(config.identity(), duration, now, now, stored.leaderTransitions() + 1);
            return update(next);
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code record} over the Lease last seen; false when it changed meanwhile or the write failed. */
    private boolean update(Record record) {
        ObjectNode written = lease.deepCopy();
        ObjectNode spec = written.with("spec");
        spec.remove(java.util.List.of("holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime",
                "leaseTransitions"));
        spec.setAll(record.toSpec());
        try {
            lease = leases.update(written);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "failed to update lock: {0}", e.getMessage());
            return false;
        }
        observe(record);
        return true;
    }

    private void observe(Record record) {
        observed = record;
        observedNanos = System.nanoTime();
    }

    private boolean leaseValid() {
        return observed != null
                && System.nanoTime() - observedNanos < observed.leaseDurationSeconds() * 1_000_000_000L;
    }

    /**
     * Competes until leader, leads until the Lease cannot be renewed within renewDeadline, and
     * competes again, until {@link #close()} (which releases a held Lease when configured to).
     */
    public void run(Callbacks callbacks) throws InterruptedException {
        try {
            while (!closed) {
                if (!acquire(callbacks)) {
                    return;
                }
                callbacks.onStartedLeading();
                try {
                    renew(callbacks);
                } finally {
                    callbacks.onStoppedLeading();
                }
            }
        } finally {
            if (config.releaseOnCancel()) {
                release();
            }
        }
    }

    /** Tries at once, then every retryPeriod with jitter; false when closed first. */
    private boolean acquire(Callbacks callbacks) throws InterruptedException {
        while (!closed) {
            boolean acquired = tryAcquireOrRenew();
            reportLeader(callbacks);
            if (acquired) {
                LOG.log(System.Logger.Level.INFO, "successfully acquired lease {0}/{1}", config.namespace(), config.name());
                return true;
            }
            pause(jittered());
        }
        return false;
    }

    /** Renews every retryPeriod; returns when a renewal did not succeed within renewDeadline, or when closed. */
    private void renew(Callbacks callbacks) throws InterruptedException {
        while (!closed) {
            long deadline = System.nanoTime() + config.renewDeadline().toNanos();
            boolean renewed = false;
            while (!closed) {
                if (tryAcquireOrRenew()) {
                    renewed = true;
                    break;
                }
                if (System.nanoTime() + config.retryPeriod().toNanos() > deadline) {
                    break;
                }
                pause(config.retryPeriod().toMillis());
            }
            reportLeader(callbacks);
            if (closed) {
                return;
            }
            if (!renewed) {
                LOG.log(System.Logger.Level.WARNING, "failed to renew lease {0}/{1}: timed out waiting for the condition",
                        config.namespace(), config.name());
                return;
            }
            pause(config.retryPeriod().toMillis());
        }
    }

    private void reportLeader(Callbacks callbacks) {
        Optional<String> leader = leader();
        if (leader.isPresent() && !leader.get().equals(reportedLeader)) {
            reportedLeader = leader.get();
            callbacks.onNewLeader(reportedLeader);
        }
    }

    /**
     * Hands the Lease back if this candidate holds it (client-go's release): holder cleared,
     * leaseDurationSeconds 1, times now, transitions kept.
     */
    void release() {
        lock.lock();
        try {
            if (!isLeader() || lease == null) {
                return;
            }
            String now = MICRO_TIME.format(clock.instant());
            if (update(new Record("", 1, now, now, observed.leaderTransitions()))) {
                LOG.log(System.Logger.Level.INFO, "released lease {0}/{1}", config.namespace(), config.name());
            }
        } finally {
            lock.unlock();
        }
    }

    private long jittered() {
        long period = config.retryPeriod().toMillis();
        return period + (long) (ThreadLocalRandom.current().nextDouble() * JITTER * period);
    }

    private void pause(long millis) throws InterruptedException {
        lock.lock();
        try {
            if (!closed) {
                wake.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops {@link #run}: it returns after releasing the Lease (when configured to). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
