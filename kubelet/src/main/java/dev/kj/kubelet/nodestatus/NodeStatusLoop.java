package dev.kj.kubelet.nodestatus;

import dev.kj.kubelet.cri.RuntimeClient;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The kubelet's node loops, as upstream's: register the Node (retried with back-off until the API
 * server answers), then post its status every {@code nodeStatusUpdateFrequency} (10 s) when it
 * changed or {@code nodeStatusReportFrequency} (5 min) passed, renew its Lease every 10 s, and ask
 * the runtime for its Status every 5 s. Until the runtime first reports ready it is asked every
 * quarter second, and a change of the runtime's readiness posts status at once, so a fresh node
 * turns Ready as soon as its runtime does rather than up to 10 s later.
 */
public final class NodeStatusLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeStatusLoop.class.getName());

    /** Upstream's defaults; tests may shorten them. */
    public record Timing(Duration statusUpdate, Duration statusReport, Duration leaseRenew, Duration runtimePoll,
                         Duration runtimeStartupPoll, Duration maxRegisterBackoff) {
        public static final Timing UPSTREAM = new Timing(Duration.ofSeconds(10), Duration.ofMinutes(5), NodeLease.RENEW_INTERVAL,
                Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofSeconds(7));
    }

    private final String nodeName;
    private final NodeRegistration nodes;
    private final NodeLease lease;
    private final RuntimeState runtime;
    private final Supplier<Optional<RuntimeClient>> runtimeClient;
    /** The Node to create on first registration, from its first conditions. */
    private final Function<List<NodeCondition>, Node> initial;
    /** The status to post, from the conditions. */
    private final Function<List<NodeCondition>, NodeStatus> status;
    private final Clock clock;
    private final Timing timing;
    private final ScheduledExecutorService executor;

    // touched on the executor's threads only, under this object's lock
    private Node registered;
    private Instant lastPost;
    private List<String> lastRuntimeErrors = List.of();
    private boolean runtimeSeenReady;
    private volatile Instant lastLeaseRenew;

    public NodeStatusLoop(String nodeName, NodeRegistration nodes, NodeLease lease, RuntimeState runtime,
                          Supplier<Optional<RuntimeClient>> runtimeClient, Function<List<NodeCondition>, Node> initial,
                          Function<List<NodeCondition>, NodeStatus> status, Clock clock, Timing timing) {
        this.nodeName = nodeName;
        this.nodes = nodes;
        this.lease = lease;
        this.runtime = runtime;
        this.runtimeClient = runtimeClient;
        this.initial = initial;
        this.status = status;
        this.clock = clock;
        this.timing = timing;
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
            Thread thread = new Thread(r, "kubelet-node-status");
            thread.setDaemon(true);
            return thread;
        });
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.executor = pool;
    }

    public void start() {
        executor.execute(this::pollRuntime);
        executor.execute(() -> register(Duration.ofMillis(100)));
    }

    /** The Node as last written by this kubelet, once registered. */
    public synchronized Optional<Node> node() {
        return Optional.ofNullable(registered);
    }

    /** When the Lease was last renewed, if ever. */
    public Optional<Instant> lastLeaseRenew() {
        return Optional.ofNullable(lastLeaseRenew);
    }

    private void register(Duration backoff) {
        try {
            synchronized (this) {
                List<NodeCondition> conditions = NodeConditions.compute(runtime, List.of(), clock.instant());
                Node wanted = initial.apply(conditions);
                registered = nodes.ensurePodCidrs(nodes.register(wanted), wanted.getSpec() == null ? List.of() : wanted.getSpec().getPodCIDRs());
                lastPost = clock.instant();
            }
            LOG.log(Level.INFO, "registered node {0}", nodeName);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "registering node {0} failed, retrying in {1} ms: {2}", nodeName, backoff.toMillis(), e.toString());
            Duration next = backoff.multipliedBy(2).compareTo(timing.maxRegisterBackoff()) > 0 ? timing.maxRegisterBackoff() : backoff.multipliedBy(2);
            schedule(() -> register(next), backoff);
            return;
        }
        executor.scheduleWithFixedDelay(this::renewLease, 0, timing.leaseRenew().toMillis(), TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(() -> syncStatus(), timing.statusUpdate().toMillis(), timing.statusUpdate().toMillis(),
                TimeUnit.MILLISECONDS);
        // the runtime may have become ready while the API server was not answering yet
        executor.execute(() -> syncStatus());
    }

    private void schedule(Runnable task, Duration delay) {
        if (!executor.isShutdown()) {
            executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Posts status when it changed or the report frequency passed. */
    private synchronized void syncStatus() {
        if (registered == null) {
            return;
        }
        try {
            Instant now = clock.instant();
            List<NodeCondition> previous = registered.getStatus() == null ? List.of() : registered.getStatus().getConditions();
            List<NodeCondition> next = NodeConditions.compute(runtime, previous, now);
            if (NodeConditions.changed(previous, next) || !lastPost.plus(timing.statusReport()).isAfter(now)) {
                registered = nodes.postStatus(nodeName, status.apply(next));
                lastPost = now;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "updating node {0} status failed (next try in {1}s): {2}", nodeName,
                    timing.statusUpdate().toSeconds(), e.toString());
        }
    }

    private void renewLease() {
        Node node;
        synchronized (this) {
            node = registered;
        }
        try {
            lease.renew(node, clock.instant());
            lastLeaseRenew = clock.instant();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "renewing node {0}''s lease failed: {1}", nodeName, e.toString());
        }
    }

    /** One CRI Status call into the RuntimeState; readiness changes post status at once. */
    private void pollRuntime() {
        try {
            Optional<RuntimeClient> client = runtimeClient.get();
            if (client.isPresent()) {
                try {
                    runtime.observe(client.get().status(false));
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, "container runtime status check failed: {0}", e.toString());
                }
            }
            List<String> errors = new java.util.ArrayList<>(runtime.runtimeErrors());
            errors.addAll(runtime.networkErrors());
            boolean changed;
            synchronized (this) {
                changed = !errors.equals(lastRuntimeErrors);
                lastRuntimeErrors = List.copyOf(errors);
                runtimeSeenReady |= errors.isEmpty();
            }
            if (changed) {
                syncStatus();
            }
        } finally {
            boolean ready;
            synchronized (this) {
                ready = runtimeSeenReady;
            }
            schedule(this::pollRuntime, ready ? timing.runtimePoll() : timing.runtimeStartupPoll());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
