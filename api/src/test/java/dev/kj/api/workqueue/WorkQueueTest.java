package dev.kj.api.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The queue's rules, one per test, on a fake clock (no sleeping). */
class WorkQueueTest {
    private final FakeTicker ticker = new FakeTicker();
    private final WorkQueue<String> queue = new WorkQueue<>(RateLimiter.defaultControllerRateLimiter(ticker), ticker);

    private String take() throws InterruptedException {
        return queue.get().orElseThrow();
    }

    @Test
    void aKeyQueuedTwiceIsQueuedOnceInFirstAddOrder() throws Exception {
        queue.add("a");
        queue.add("b");
        queue.add("a");
        assertEquals(2, queue.len());
        assertEquals("a", take());
        assertEquals("b", take());
        assertEquals(0, queue.len());
    }

    @Test
    void anItemAddedWhileProcessingWaitsUntilDone() throws Exception {
        queue.add("a");
        assertEquals("a", take());
        queue.add("a");
        queue.add("a");
        assertEquals(0, queue.len(), "a second worker must not get an item being processed");
        queue.done("a");
        assertEquals(1, queue.len(), "done queues it again, once");
        assertEquals("a", take());
        queue.done("a");
        assertEquals(0, queue.len());
    }

    @Test
    void doneWithoutAReAddQueuesNothing() throws Exception {
        queue.add("a");
        take();
        queue.done("a");
        assertEquals(0, queue.len());
    }

    @Test
    void addAfterHoldsAnItemUntilItsTime() {
        queue.addAfter("a", Duration.ofMillis(10));
        assertEquals(0, queue.len());
        ticker.advance(Duration.ofMillis(9));
        assertEquals(0, queue.len());
        ticker.advance(Duration.ofMillis(1));
        assertEquals(1, queue.len());
        queue.addAfter("b", Duration.ZERO);
        assertEquals(2, queue.len(), "no delay adds at once");
    }

    @Test
    void anItemWaitingTwiceKeepsTheEarlierTime() {
        queue.addAfter("early-second", Duration.ofSeconds(10));
        queue.addAfter("early-second", Duration.ofSeconds(1));
        queue.addAfter("early-first", Duration.ofSeconds(1));
        queue.addAfter("early-first", Duration.ofSeconds(10));
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(2, queue.len());
        ticker.advance(Duration.ofSeconds(9));
        assertEquals(2, queue.len(), "the later times were dropped, not kept as second entries");
    }

    @Test
    void aWaitingItemThatIsAlsoQueuedIsQueuedOnce() {
        queue.add("a");
        queue.addAfter("a", Duration.ofMillis(5));
        ticker.advance(Duration.ofMillis(5));
        assertEquals(1, queue.len());
    }

    @Test
    void aBlockedGetWakesWhenAWaitingItemBecomesReady() throws Exception {
        CompletableFuture<String> got = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                got.complete(take());
            } catch (InterruptedException e) {
                got.completeExceptionally(e);
            }
        });
        queue.addAfter("a", Duration.ofHours(1));
        Thread.sleep(50);
        assertFalse(got.isDone());
        ticker.advance(Duration.ofHours(1));
        assertEquals("a", got.get(10, TimeUnit.SECONDS));
    }

    @Test
    void perItemBackoffDoublesFromFiveMillisecondsToAThousandSeconds() {
        ItemExponentialFailureRateLimiter<String> limiter =
                new ItemExponentialFailureRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000));
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waits.add(limiter.when("a"));
        }
        assertEquals(Duration.ofMillis(5), waits.get(0));
        assertEquals(Duration.ofMillis(10), waits.get(1));
        assertEquals(Duration.ofMillis(20), waits.get(2));
        assertEquals(Duration.ofMillis(5L << 17), waits.get(17)); // 655.36 s
        assertEquals(Duration.ofSeconds(1000), waits.get(18), "5 ms × 2^18 = 1310.72 s is capped");
        assertEquals(Duration.ofSeconds(1000), waits.get(19));
        assertEquals(20, limiter.numRequeues("a"));
        assertEquals(Duration.ofMillis(5), limiter.when("b"), "items count separately");
        for (int i = 0; i < 200; i++) {
            limiter.when("c");
        }
        assertEquals(Duration.ofSeconds(1000), limiter.when("c"), "no overflow however many failures");
        limiter.forget("a");
        assertEquals(0, limiter.numRequeues("a"));
        assertEquals(Duration.ofMillis(5), limiter.when("a"));
    }

    @Test
    void theBucketAllowsABurstOfAHundredThenTenPerSecond() {
        BucketRateLimiter<String> bucket = new BucketRateLimiter<>(10, 100, ticker);
        for (int i = 0; i < 100; i++) {
            assertEquals(Duration.ZERO, bucket.when("item-" + i));
        }
        assertEquals(Duration.ofMillis(100), bucket.when("x"));
        assertEquals(Duration.ofMillis(200), bucket.when("y"), "each retry borrows one more token ahead");
        ticker.advance(Duration.ofSeconds(1)); // ten tokens back: -2 + 10 = 8
        for (int i = 0; i < 8; i++) {
            assertEquals(Duration.ZERO, bucket.when("z-" + i));
        }
        assertEquals(Duration.ofMillis(100), bucket.when("w"));
        ticker.advance(Duration.ofHours(1));
        for (int i = 0; i < 100; i++) {
            assertEquals(Duration.ZERO, bucket.when("again-" + i), "refilled to the burst, never beyond");
        }
        assertEquals(Duration.ofMillis(100), bucket.when("over"));
    }

    @Test
    void addRateLimitedWaitsTheLongerOfItemBackoffAndBucket() {
        queue.addRateLimited("a");
        ticker.advance(Duration.ofMillis(4));
        assertEquals(0, queue.len());
        ticker.advance(Duration.ofMillis(1));
        assertEquals(1, queue.len(), "first failure: 5 ms");
        queue.addRateLimited("b");
        queue.addRateLimited("b");
        assertEquals(2, queue.numRequeues("b"));
        queue.forget("b");
        assertEquals(0, queue.numRequeues("b"));
        for (int i = 0; i < 97; i++) {
            queue.addRateLimited("burst-" + i); // tokens 100 → 0 over these 100 retries
        }
        queue.addRateLimited("bucket-bound"); // 0.05 tokens were earned in 5 ms: it waits 95 ms
        ticker.advance(Duration.ofMillis(5));
        assertEquals(99, queue.len(), "a, b and the burst are ready after 5 ms; the bucket holds the last one");
        ticker.advance(Duration.ofMillis(84));
        assertEquals(99, queue.len());
        ticker.advance(Duration.ofMillis(7));
        assertEquals(100, queue.len());
    }

    @Test
    void shutDownHandsOutWhatIsQueuedThenNothing() throws Exception {
        queue.add("a");
        queue.add("b");
        queue.addAfter("later", Duration.ofSeconds(1));
        queue.shutDown();
        assertTrue(queue.isShuttingDown());
        queue.add("ignored");
        queue.addRateLimited("ignored-too");
        assertEquals("a", take());
        assertEquals("b", take());
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), queue.get(), "waiting items are dropped and adds ignored");
    }

    @Test
    void shutDownWakesABlockedGet() throws Exception {
        CompletableFuture<Optional<String>> got = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                got.complete(queue.get());
            } catch (InterruptedException e) {
                got.completeExceptionally(e);
            }
        });
        Thread.sleep(50);
        queue.shutDown();
        assertEquals(Optional.empty(), got.get(10, TimeUnit.SECONDS));
    }

    @Test
    void shutDownWithDrainWaitsForItemsInProcessing() throws Exception {
        queue.add("a");
        take();
        CompletableFuture<Boolean> drained = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                drained.complete(queue.shutDownWithDrain(Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                drained.completeExceptionally(e);
            }
        });
        Thread.sleep(100);
        assertFalse(drained.isDone(), "a is still being processed");
        queue.done("a");
        assertTrue(drained.get(10, TimeUnit.SECONDS));
    }

    /** Many workers, keys added all the time: no key is ever held by two workers, and nothing added is lost. */
    @Test
    void noKeyIsProcessedByTwoWorkersAtOnce() throws Exception {
        WorkQueue<Integer> shared = new WorkQueue<>(RateLimiter.defaultControllerRateLimiter(Ticker.SYSTEM), Ticker.SYSTEM);
        Set<Integer> inFlight = ConcurrentHashMap.newKeySet();
        AtomicBoolean overlap = new AtomicBoolean();
        AtomicInteger processed = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            workers.add(Thread.ofVirtual().start(() -> {
                try {
                    for (Optional<Integer> key = shared.get(); key.isPresent(); key = shared.get()) {
                        if (!inFlight.add(key.get())) {
                            overlap.set(true);
                        }
                        Thread.onSpinWait();
                        if (ThreadLocalRandom.current().nextInt(4) == 0) {
                            Thread.sleep(1);
                        }
                        inFlight.remove(key.get());
                        processed.incrementAndGet();
                        shared.done(key.get());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (int i = 0; i < 20_000; i++) {
            shared.add(ThreadLocalRandom.current().nextInt(10));
        }
        assertTrue(shared.shutDownWithDrain(Duration.ofSeconds(60)));
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        assertFalse(overlap.get(), "a key was processed by two workers at once");
        assertTrue(processed.get() >= 10 && processed.get() <= 20_000, "processed " + processed.get());
    }
}
