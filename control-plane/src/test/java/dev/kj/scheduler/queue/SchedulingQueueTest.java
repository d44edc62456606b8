package dev.kj.scheduler.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.QueuedPodInfo;
import dev.kj.scheduler.framework.plugins.queuesort.PrioritySort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The queue's rules with a fixed clock (the background flush needs real seconds, so it is not relied on). */
class SchedulingQueueTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static Pod pod(String name, int priority) {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName(name).withUid(name).endMetadata()
                .withNewSpec().withPriority(priority).endSpec().build();
    }

    private static SchedulingQueue queue() {
        Map<String, Set<ClusterEvent>> events = Map.of("NodeResourcesFit", Set.of(ClusterEvent.NODE_ADD, ClusterEvent.ASSIGNED_POD_DELETE));
        return new SchedulingQueue(new PrioritySort().less(), plugin -> events.getOrDefault(plugin, Set.of()),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** A clock one millisecond later at every reading, so pods queued one after the other have distinct times. */
    private static final class Ticking extends Clock {
        private Instant now = NOW;

        @Override
        public synchronized Instant instant() {
            now = now.plusMillis(1);
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void higherPriorityFirstThenFirstQueued() throws Exception {
        try (SchedulingQueue queue = new SchedulingQueue(new PrioritySort().less(), plugin -> Set.of(), new Ticking())) {
            queue.add(pod("low", 1));
            queue.add(pod("high", 100));
            queue.add(pod("low-2", 1));
            assertEquals("high", queue.pop().pod().getMetadata().getName());
            assertEquals("low", queue.pop().pod().getMetadata().getName());
            assertEquals("low-2", queue.pop().pod().getMetadata().getName());
        }
    }

    @Test
    void backoffDoublesFromOneSecondToTen() {
        QueuedPodInfo info = QueuedPodInfo.first(pod("p", 0), NOW);
        long[] expected = {1, 2, 4, 8, 10, 10};
        for (long seconds : expected) {
            info = info.attempted(NOW);
            assertEquals(NOW.plus(Duration.ofSeconds(seconds)), SchedulingQueue.backoffExpiry(info));
        }
    }

    @Test
    void onlyEventsARejectingPluginRegisteredMoveAPod() throws Exception {
        try (SchedulingQueue queue = queue()) {
            queue.add(pod("p", 0));
            QueuedPodInfo popped = queue.pop();
            long cycle = queue.schedulingCycle();
            queue.addUnschedulable(popped.rejectedBy(Set.of("NodeResourcesFit")), cycle);
            assertTrue(queue.isUnschedulable("ns/p"));
            queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_UPDATE);
            assertTrue(queue.isUnschedulable("ns/p"), "NodeResourcesFit did not register node updates");
            queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_ADD);
            assertEquals(0, queue.sizes()[2]);
            assertEquals(1, queue.sizes()[1], "still backing off (the clock stands still)");
        }
    }

    @Test
    void anEventDuringTheCycleSendsTheFailedPodToBackoff() throws Exception {
        try (SchedulingQueue queue = queue()) {
            queue.add(pod("p", 0));
            QueuedPodInfo popped = queue.pop();
            long cycle = queue.schedulingCycle();
            queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE); // while p is being scheduled
            queue.addUnschedulable(popped.rejectedBy(Set.of("NodeResourcesFit")), cycle);
            assertEquals(1, queue.sizes()[1]);
            assertEquals(0, queue.sizes()[2]);
        }
    }

    @Test
    void aSpecChangeMovesAnUnschedulablePod() throws Exception {
        try (SchedulingQueue queue = queue()) {
            Pod original = pod("p", 0);
            queue.add(original);
            QueuedPodInfo popped = queue.pop();
            queue.addUnschedulable(popped.rejectedBy(Set.of("NodeResourcesFit")), queue.schedulingCycle());
            Pod relabeled = new PodBuilder(original).editMetadata().withLabels(Map.of("a", "b")).endMetadata().build();
            queue.update(original, relabeled);
            assertEquals(0, queue.sizes()[2]);
        }
    }
}
