package dev.kj.scheduler.queue;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.QueuedPodInfo;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Function;

/**
 * upstream's PriorityQueue: pending pods wait in one of three places. activeQ (ordered by the
 * profile's queue sort: priority, then time queued) feeds the scheduling loop; backoffQ holds pods
 * that failed until their per-pod backoff (1 s doubling per attempt to 10 s) ends; the unschedulable
 * pool holds pods the filters rejected until a cluster event that one of the rejecting plugins
 * registered (node added, pod deleted, ...) moves them back — or five minutes pass. A pod that
 * fails while such an event arrived during its own cycle goes to backoffQ instead, so the event is
 * not lost. The queue also remembers nominated pods (preemptors waiting for their victims).
 */
public final class SchedulingQueue implements AutoCloseable {
    public static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    public static final Duration MAX_IN_UNSCHEDULABLE = Duration.ofMinutes(5);

    private final Clock clock;
    private final Function<String, Set<ClusterEvent>> eventsOfPlugin;
    private final Object lock = new Object();
    private final PriorityQueue<QueuedPodInfo> activeQ;
    private final Map<String, QueuedPodInfo> active = new HashMap<>();
    private final Map<String, QueuedPodInfo> backoff = new HashMap<>();
    private final Map<String, QueuedPodInfo> unschedulable = new LinkedHashMap<>();
    private final Map<String, Pod> inFlight = new HashMap<>();
    private final Map<String, Pod> nominated = new HashMap<>();
    private final Thread flusher;
    private long schedulingCycle;
    private long moveRequestCycle = -1;
    private boolean closed;

    /**
     * @param order          the profile's queue sort
     * @param eventsOfPlugin the cluster events after which a pod rejected by this plugin may fit
     */
    public SchedulingQueue(Comparator<QueuedPodInfo> order, Function<String, Set<ClusterEvent>> eventsOfPlugin, Clock clock) {
        this.activeQ = new PriorityQueue<>(order);
        this.eventsOfPlugin = eventsOfPlugin;
        this.clock = clock;
        this.flusher = Thread.ofVirtual().name("scheduler-queue-flush").start(this::flushLoop);
    }

    static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /** A new pending pod. */
    public void add(Pod pod) {
        synchronized (lock) {
            String key = key(pod);
            if (active.containsKey(key) || backoff.containsKey(key) || unschedulable.containsKey(key) || inFlight.containsKey(key)) {
                return;
            }
            toActive(QueuedPodInfo.first(pod, clock.instant()));
            nominate(pod);
        }
    }

    /** A pending pod changed: replaced where it waits; a change to an unschedulable pod may make it fit. */
    public void update(Pod old, Pod pod) {
        synchronized (lock) {
            String key = key(pod);
            nominate(pod);
            if (active.containsKey(key)) {
                QueuedPodInfo info = active.get(key);
                activeQ.remove(info);
                toActive(info.withPod(pod));
                return;
            }
            if (backoff.containsKey(key)) {
                backoff.put(key, backoff.get(key).withPod(pod));
                return;
            }
            QueuedPodInfo waiting = unschedulable.get(key);
            if (waiting != null) {
                QueuedPodInfo updated = waiting.withPod(pod);
                if (old != null && !schedulingRelevantEqual(old, pod)) {
                    unschedulable.remove(key);
                    requeue(updated);
                } else {
                    unschedulable.put(key, updated);
                }
                return;
            }
            if (inFlight.containsKey(key)) {
                inFlight.put(key, pod);
                moveRequestCycle = schedulingCycle; // retried sooner if this attempt fails
                return;
            }
            toActive(QueuedPodInfo.first(pod, clock.instant()));
        }
    }

    /** Whether a change may affect scheduling: anything but status and metadata other than labels and annotations. */
    private static boolean schedulingRelevantEqual(Pod old, Pod pod) {
        return Objects.equals(old.getSpec(), pod.getSpec()) && Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels());
    }

    public void delete(Pod pod) {
        synchronized (lock) {
            String key = key(pod);
            QueuedPodInfo info = active.remove(key);
            if (info != null) {
                activeQ.remove(info);
            }
            backoff.remove(key);
            unschedulable.remove(key);
            nominated.remove(key);
        }
    }

    /** Blocks until a pod is active; the pod is then in flight until {@link #done}. */
    public QueuedPodInfo pop() throws InterruptedException {
        synchronized (lock) {
            while (activeQ.isEmpty() && !closed) {
                lock.wait();
            }
            if (closed) {
                throw new InterruptedException("scheduling queue closed");
            }
            QueuedPodInfo info = activeQ.poll();
            active.remove(info.key());
            inFlight.put(info.key(), info.pod());
            schedulingCycle++;
            return info.attempted(clock.instant());
        }
    }

    /** The cycle number of the pod popped last. */
    public long schedulingCycle() {
        synchronized (lock) {
            return schedulingCycle;
        }
    }

    public void done(String key) {
        synchronized (lock) {
            inFlight.remove(key);
        }
    }

    /**
     * A pod that could not be scheduled in cycle {@code cycle}: to backoffQ when it failed with an
     * error or a move request came during its cycle, else to the unschedulable pool.
     */
    public void addUnschedulable(QueuedPodInfo info, long cycle) {
        synchronized (lock) {
            String key = info.key();
            inFlight.remove(key);
            if (active.containsKey(key) || backoff.containsKey(key) || unschedulable.containsKey(key)) {
                return;
            }
            QueuedPodInfo failed = info.requeued(clock.instant());
            if (moveRequestCycle >= cycle || info.unschedulablePlugins().isEmpty()) {
                backoff.put(key, failed);
            } else {
                unschedulable.put(key, failed);
            }
        }
    }

    /** A cluster event: the unschedulable pods it may help move to backoffQ or activeQ. */
    public void moveAllToActiveOrBackoff(ClusterEvent event) {
        synchronized (lock) {
            List<String> moving = new ArrayList<>();
            unschedulable.forEach((key, info) -> {
                if (info.unschedulablePlugins().isEmpty()
                        || info.unschedulablePlugins().stream().anyMatch(p -> eventsOfPlugin.apply(p).contains(event))) {
                    moving.add(key);
                }
            });
            for (String key : moving) {
                requeue(unschedulable.remove(key));
            }
            moveRequestCycle = schedulingCycle;
        }
    }

    private void requeue(QueuedPodInfo info) {
        if (backoffExpiry(info).isAfter(clock.instant())) {
            backoff.put(info.key(), info);
        } else {
            toActive(info);
        }
    }

    private void toActive(QueuedPodInfo info) {
        active.put(info.key(), info);
        activeQ.add(info);
        lock.notifyAll();
    }

    /** The end of the pod's backoff: 1 s doubled per earlier attempt, at most 10 s, from when it was requeued. */
    static Instant backoffExpiry(QueuedPodInfo info) {
        Duration duration = INITIAL_BACKOFF;
        for (int i = 1; i < info.attempts() && duration.compareTo(MAX_BACKOFF) < 0; i++) {
            duration = duration.multipliedBy(2);
        }
        if (duration.compareTo(MAX_BACKOFF) > 0) {
            duration = MAX_BACKOFF;
        }
        return info.timestamp().plus(duration);
    }

    private void flushLoop() {
        long rounds = 0;
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (closed) {
                    return;
                }
                Instant now = clock.instant();
                List<String> expired = new ArrayList<>();
                backoff.forEach((key, info) -> {
                    if (!backoffExpiry(info).isAfter(now)) {
                        expired.add(key);
                    }
                });
                expired.forEach(key -> toActive(backoff.remove(key)));
                if (++rounds % 30 == 0) {
                    List<String> stale = new ArrayList<>();
                    unschedulable.forEach((key, info) -> {
                        if (!info.timestamp().plus(MAX_IN_UNSCHEDULABLE).isAfter(now)) {
                            stale.add(key);
                        }
                    });
                    stale.forEach(key -> requeue(unschedulable.remove(key)));
                }
            }
        }
    }

    // ---- nominated pods ----

    private void nominate(Pod pod) {
        String node = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
        if (node == null || node.isEmpty()) {
            nominated.remove(key(pod));
        } else {
            nominated.put(key(pod), pod);
        }
    }

    /** Records (or with "" clears) the node a pod is nominated to, ahead of the informer seeing the status. */
    public void nominate(Pod pod, String node) {
        synchronized (lock) {
            if (node == null || node.isEmpty()) {
                nominated.remove(key(pod));
            } else {
                Pod copy = new io.fabric8.kubernetes.api.model.PodBuilder(pod).editOrNewStatus().withNominatedNodeName(node)
                        .endStatus().build();
                nominated.put(key(pod), copy);
            }
        }
    }

    public void removeNomination(Pod pod) {
        synchronized (lock) {
            nominated.remove(key(pod));
        }
    }

    public List<Pod> nominatedPods(String node) {
        synchronized (lock) {
            return nominated.values().stream().filter(p -> node.equals(p.getStatus().getNominatedNodeName())).toList();
        }
    }

    /** Counts for tests and logs: active, backoff, unschedulable. */
    public int[] sizes() {
        synchronized (lock) {
            return new int[] {active.size(), backoff.size(), unschedulable.size()};
        }
    }

    public boolean isUnschedulable(String key) {
        synchronized (lock) {
            return unschedulable.containsKey(key);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        flusher.interrupt();
    }
}
