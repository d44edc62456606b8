package dev.kj.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The kubelet's prober: a worker per (container, probe kind), started when the pod workers report
 * the container started and ended when they report it stopped or the pod gone. Results are keyed
 * by container id, so a restarted container (a new id) starts over: readiness false, not started,
 * liveness healthy.
 *
 * <p>Workers are ticks on one small scheduler; each tick runs its probe on a virtual thread (a
 * tick that finds the previous probe still running is skipped, as upstream's ticker drops ticks).
 * Semantics as upstream's worker: nothing before initialDelaySeconds; liveness and readiness wait
 * for the startup probe to succeed, and the startup probe stops once it has; a result changes only
 * after successThreshold equal successes or failureThreshold equal failures in a row; a liveness or
 * startup failure is reported once per container instance (the worker then holds until the
 * container is replaced); a check that could not run (an error) is retried up to 3 times and then
 * not counted.
 *
 * <p>Events: the manager records none itself. Every event upstream's prober records (reason
 * {@link #UNHEALTHY} or {@link #PROBE_WARNING}, type Warning, upstream's message) goes to
 * {@link Listener#event}, which the caller turns into an Event on the pod.
 */
public final class ProbeManager implements AutoCloseable {
    /** Event reason of a failed or errored probe. */
    public static final String UNHEALTHY = "Unhealthy";
    /** Event reason of a probe that succeeded with a warning (an HTTP redirect to another host). */
    public static final String PROBE_WARNING = "ProbeWarning";
    /** What upstream's pod worker says when it kills a container for a failed liveness probe (%s: container name). */
    public static final String LIVENESS_KILL_MESSAGE = "Container %s failed liveness probe, will be restarted";
    /** Likewise for a failed startup probe. */
    public static final String STARTUP_KILL_MESSAGE = "Container %s failed startup probe, will be restarted";
    private static final int MAX_TRIES = 3;
    private static final System.Logger LOG = System.getLogger(ProbeManager.class.getName());

    /** What the pod workers hear from the prober. Called on the probing threads, never under a lock of the manager. */
    public interface Listener {
        /** The liveness probe failed failureThreshold times in a row: restart the container. Once per container id. */
        void livenessFailed(ContainerRef ref, String message);

        /** The startup probe failed failureThreshold times in a row: restart the container. Once per container id. */
        void startupFailed(ContainerRef ref, String message);

        /** A container of the pod became ready or not ready, or started: recompute the pod's status. */
        void readinessChanged(String podUid);

        /** An event upstream's prober records on the pod ({@code type} "Warning"). None by default. */
        default void event(ContainerRef ref, String type, String reason, String message) {
        }
    }

    private final Handlers handlers;
    private final Listener listener;
    private final Clock clock;
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("kj-prober-ticks").daemon().factory());
    private final Map<String, Probed> byContainerId = new ConcurrentHashMap<>();

    public ProbeManager(Handlers handlers, Listener listener, Clock clock) {
        this.handlers = handlers;
        this.listener = listener;
        this.clock = clock;
    }

    /**
     * Starts the probes of a container that the runtime started at {@code startedAt}. A container
     * with no probes is tracked too: it is started and ready from now on. An earlier instance of
     * the same container of the pod, if the caller did not stop it, is stopped.
     */
    public void containerStarted(Pod pod, String containerName, String containerId, String podIP, Instant startedAt) {
        String podUid = pod.getMetadata().getUid();
        ContainerRef ref = new ContainerRef(podUid, pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                containerName, containerId);
        byContainerId.values().stream()
                .filter(p -> p.ref.podUid().equals(podUid) && p.ref.containerName().equals(containerName)
                        && !p.ref.containerId().equals(containerId))
                .toList().forEach(p -> containerStopped(p.ref.containerId()));
        Optional<Container> container = find(pod, containerName);
        Probed probed = new Probed(ref, new Target(container.orElseGet(Container::new), containerId, podIP), startedAt);
        for (ProbeKind kind : ProbeKind.values()) {
            Probe probe = container.map(kind::of).orElse(null);
            if (probe != null) {
                Action.of(probe).ifPresent(action -> probed.workers.put(kind, new Worker(probed, kind, probe, action)));
            }
        }
        probed.started = !probed.workers.containsKey(ProbeKind.STARTUP);
        Probed previous = byContainerId.put(containerId, probed);
        if (previous != null) {
            previous.stop();
        }
        probed.workers.values().forEach(Worker::schedule);
    }

    /** Ends the probes of a container (it exited or was killed) and forgets its results. */
    public void containerStopped(String containerId) {
        Probed probed = byContainerId.remove(containerId);
        if (probed != null) {
            probed.stop();
        }
    }

    /** Ends the probes of every container of a pod. */
    public void podRemoved(String podUid) {
        byContainerId.values().stream().filter(p -> p.ref.podUid().equals(podUid)).map(p -> p.ref.containerId())
                .toList().forEach(this::containerStopped);
    }

    /** Ready: started, and its readiness probe (if any) succeeded last. False for a container not known. */
    public boolean ready(String containerId) {
        Probed probed = byContainerId.get(containerId);
        return probed != null && probed.started && (!probed.workers.containsKey(ProbeKind.READINESS) || probed.readinessPassed);
    }

    /** Started: it has no startup probe, or that probe succeeded. False for a container not known. */
    public boolean started(String containerId) {
        Probed probed = byContainerId.get(containerId);
        return probed != null && probed.started;
    }

    @Override
    public void close() {
        List.copyOf(byContainerId.keySet()).forEach(this::containerStopped);
        ticks.shutdownNow();
    }

    private static Optional<Container> find(Pod pod, String name) {
        var spec = pod.getSpec();
        if (spec == null) {
            return Optional.empty();
        }
        // Sidecars (restartable init containers) may have probes too.
        return Stream.concat(Optional.ofNullable(spec.getContainers()).stream().flatMap(List::stream),
                        Optional.ofNullable(spec.getInitContainers()).stream().flatMap(List::stream))
                .filter(c -> name.equals(c.getName())).findFirst();
    }

    /** One container instance being probed. */
    private final class Probed {
        final ContainerRef ref;
        final Target target;
        final Instant startedAt;
        final Map<ProbeKind, Worker> workers = new EnumMap<>(ProbeKind.class);
        volatile boolean started;
        volatile boolean readinessPassed;
        volatile boolean stopped;

        Probed(ContainerRef ref, Target target, Instant startedAt) {
            this.ref = ref;
            this.target = target;
            this.startedAt = startedAt;
        }

        void stop() {
            stopped = true;
            workers.values().forEach(Worker::cancel);
        }
    }

    /** The probing of one kind for one container instance. */
    private final class Worker implements Runnable {
        private final Probed container;
        private final ProbeKind kind;
        private final Action action;
        private final Duration period;
        private final Duration timeout;
        private final int initialDelaySeconds;
        private final int successThreshold;
        private final int failureThreshold;
        private final AtomicBoolean busy = new AtomicBoolean();
        private volatile ScheduledFuture<?> future;
        // Touched only by the one probe running at a time (busy hands them over with a happens-before edge).
        private Boolean lastPassed;
        private int run;
        private boolean onHold;

        Worker(Probed container, ProbeKind kind, Probe probe, Action action) {
            this.container = container;
            this.kind = kind;
            this.action = action;
            this.period = Duration.ofSeconds(atLeastOne(probe.getPeriodSeconds(), 10));
            this.timeout = Duration.ofSeconds(atLeastOne(probe.getTimeoutSeconds(), 1));
            this.initialDelaySeconds = probe.getInitialDelaySeconds() == null ? 0 : Math.max(0, probe.getInitialDelaySeconds());
            this.successThreshold = atLeastOne(probe.getSuccessThreshold(), 1);
            this.failureThreshold = atLeastOne(probe.getFailureThreshold(), 3);
        }

        private static int atLeastOne(Integer value, int otherwise) {
            return value == null || value < 1 ? otherwise : value;
        }

        void schedule() {
            long untilDelay = Duration.between(clock.instant(), container.startedAt.plusSeconds(initialDelaySeconds)).toMillis();
            try {
                future = ticks.scheduleAtFixedRate(this, Math.max(0, untilDelay), period.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.log(System.Logger.Level.DEBUG, "prober closed; not probing {0}", container.ref);
            }
            if (container.stopped) {
                cancel();
            }
        }

        void cancel() {
            ScheduledFuture<?> scheduled = future;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }

        /** A tick: probe on a virtual thread unless the last probe is still running. */
        @Override
        public void run() {
            if (container.stopped || !busy.compareAndSet(false, true)) {
                return;
            }
            Thread.ofVirtual().name("kj-probe-" + kind.word() + "-" + container.ref.containerName()).start(() -> {
                try {
                    probeOnce();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "probe of " + container.ref + " threw", e);
                } finally {
                    busy.set(false);
                }
            });
        }

        private void probeOnce() {
            if (onHold || Duration.between(container.startedAt, clock.instant()).toSeconds() < initialDelaySeconds) {
                return;
            }
            // The startup probe gates the others, and has nothing left to do once it passed.
            if ((kind == ProbeKind.STARTUP) == container.started) {
                return;
            }
            Outcome outcome = null;
            HandlerException error = null;
            for (int attempt = 0; attempt < MAX_TRIES && outcome == null; attempt++) {
                try {
                    outcome = handlers.probe(action, container.target, timeout);
                } catch (HandlerException e) {
                    error = e;
                }
            }
            if (container.stopped) {
                return;
            }
            ContainerRef ref = container.ref;
            if (outcome == null) {
                listener.event(ref, "Warning", UNHEALTHY, kind.word() + " probe errored and resulted in unknown state: " + error.getMessage());
                return;
            }
            boolean passed = outcome.succeeded();
            String message = null;
            if (outcome.result() == Outcome.Result.WARNING) {
                listener.event(ref, "Warning", PROBE_WARNING, kind.word() + " probe warning: " + outcome.output());
            } else if (!passed) {
                message = kind.word() + " probe failed: " + outcome.output();
                listener.event(ref, "Warning", UNHEALTHY, message);
            }
            if (lastPassed != null && lastPassed == passed) {
                run++;
            } else {
                lastPassed = passed;
                run = 1;
            }
            if (run < (passed ? successThreshold : failureThreshold)) {
                return;
            }
            switch (kind) {
                case READINESS -> {
                    if (container.readinessPassed != passed) {
                        container.readinessPassed = passed;
                        listener.readinessChanged(ref.podUid());
                    }
                }
                case STARTUP -> {
                    if (passed) {
                        container.started = true;
                        listener.readinessChanged(ref.podUid());
                    } else {
                        hold();
                        listener.startupFailed(ref, message);
                    }
                }
                case LIVENESS -> {
                    if (!passed) {
                        hold();
                        listener.livenessFailed(ref, message);
                    }
                }
            }
        }

        /** After a liveness or startup failure: no more probes of this instance, the next one starts over. */
        private void hold() {
            onHold = true;
            run = 0;
        }
    }
}
