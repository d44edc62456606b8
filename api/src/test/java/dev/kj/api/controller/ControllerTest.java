package dev.kj.api.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.workqueue.WorkQueue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ControllerTest {
    @Test
    void workersStartOnlyOnceCachesHaveSynced() throws Exception {
        WorkQueue<String> queue = WorkQueue.create();
        AtomicBoolean synced = new AtomicBoolean();
        AtomicInteger syncs = new AtomicInteger();
        Controller<String> controller = new Controller<>("test", queue, key -> syncs.incrementAndGet(), 2,
                List.of(synced::get));
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                controller.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        queue.add("a");
        Thread.sleep(300);
        assertEquals(0, syncs.get(), "no sync before the caches are there");
        synced.set(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (syncs.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, syncs.get());
        controller.close();
        runner.join(20_000);
        assertFalse(runner.isAlive());
    }

    @Test
    void failuresAreRetriedWithBackoffAndSuccessForgetsThem() throws Exception {
        WorkQueue<String> queue = WorkQueue.create();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        Set<String> inFlight = ConcurrentHashMap.newKeySet();
        AtomicBoolean overlap = new AtomicBoolean();
        CountDownLatch allDone = new CountDownLatch(20);
        Controller<String> controller = new Controller<>("retries", queue, key -> {
            if (!inFlight.add(key)) {
                overlap.set(true);
            }
            try {
                Thread.sleep(2);
                int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                if (attempt <= 3) {
                    throw new IllegalStateException("not yet: attempt " + attempt);
                }
                allDone.countDown();
            } finally {
                inFlight.remove(key);
            }
        }, 4, List.of(() -> true));
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                controller.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 20; i++) {
                queue.add("key-" + i);
            }
        }
        assertTrue(allDone.await(30, TimeUnit.SECONDS), "every key succeeds on its fourth attempt");
        // The worker forgets a key only after its sync returns, so the last successes may still be
        // on their way from the sync function to forget().
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < 20; i++) {
            String key = "key-" + i;
            while (queue.numRequeues(key) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, queue.numRequeues(key), "success forgets the failures");
        }
        assertFalse(overlap.get(), "a key was synced by two workers at once");
        controller.close();
        runner.join(20_000);
        assertFalse(runner.isAlive());
    }

    @Test
    void requeueBringsAKeyBackAfterItsDelayWithoutCountingAFailure() throws Exception {
        dev.kj.api.workqueue.FakeTicker ticker = new dev.kj.api.workqueue.FakeTicker();
        WorkQueue<String> queue = new WorkQueue<>(dev.kj.api.workqueue.RateLimiter.defaultControllerRateLimiter(ticker), ticker);
        AtomicInteger syncs = new AtomicInteger();
        Controller<String> controller = new Controller<>("requeue", queue, key -> {
            if (syncs.incrementAndGet() == 1) {
                throw Requeue.after(java.time.Duration.ofSeconds(8), "content remains");
            }
        }, 1, List.of(() -> true));
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                controller.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        queue.add("ns");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (syncs.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        assertEquals(1, syncs.get(), "not back before its time");
        assertEquals(0, queue.numRequeues("ns"), "a requeue is not a failure");
        ticker.advance(java.time.Duration.ofSeconds(7));
        Thread.sleep(200);
        assertEquals(1, syncs.get());
        ticker.advance(java.time.Duration.ofSeconds(1));
        while (syncs.get() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, syncs.get(), "back after 8 s");
        controller.close();
        runner.join(20_000);
        assertFalse(runner.isAlive());
    }
}
