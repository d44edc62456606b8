package dev.kj.api.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.workqueue.FakeTicker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ExpectationsTest {
    private final FakeTicker ticker = new FakeTicker();
    private final Expectations expectations = new Expectations(ticker);

    @Test
    void aKeyWithoutExpectationsMayBeManaged() {
        assertTrue(expectations.satisfied("default/web"));
    }

    @Test
    void creationsMustAllBeObserved() {
        expectations.expectCreations("default/web", 2);
        assertFalse(expectations.satisfied("default/web"));
        expectations.creationObserved("default/web");
        assertFalse(expectations.satisfied("default/web"));
        expectations.creationObserved("default/web");
        assertTrue(expectations.satisfied("default/web"));
        assertTrue(expectations.satisfied("default/other"), "keys are separate");
    }

    @Test
    void aFailedCreateLowersWhatIsExpected() {
        expectations.expectCreations("k", 3);
        expectations.lowerExpectations("k", 2, 0); // two creates failed: never observed
        assertFalse(expectations.satisfied("k"));
        expectations.creationObserved("k");
        assertTrue(expectations.satisfied("k"));
    }

    @Test
    void deletionsAndRaises() {
        expectations.expectDeletions("k", 1);
        expectations.raiseExpectations("k", 1, 1);
        expectations.deletionObserved("k");
        expectations.deletionObserved("k");
        assertFalse(expectations.satisfied("k"), "one creation still expected");
        expectations.creationObserved("k");
        assertTrue(expectations.satisfied("k"));
    }

    @Test
    void expectationsExpireAfterFiveMinutes() {
        expectations.expectCreations("k", 1);
        ticker.advance(Duration.ofMinutes(5));
        assertFalse(expectations.satisfied("k"));
        ticker.advance(Duration.ofNanos(1));
        assertTrue(expectations.satisfied("k"), "an add the cache never saw must not block the key forever");
        expectations.deleteExpectations("k");
        assertTrue(expectations.satisfied("k"));
    }

    @Test
    void slowStartStopsAtTheFirstBatchWithAFailure() {
        AtomicInteger calls = new AtomicInteger();
        // batches of 1, 2, 4: calls 5 and later fail, so the batch of 4 is the last
        int successes = SlowStart.run(10, 1, () -> {
            if (calls.incrementAndGet() >= 5) {
                throw new IllegalStateException("quota exceeded");
            }
        });
        assertEquals(7, calls.get());
        assertEquals(4, successes);
        calls.set(0);
        assertEquals(10, SlowStart.run(10, 1, calls::incrementAndGet));
        assertEquals(10, calls.get(), "1 + 2 + 4 + 3: the last batch is what remains");
    }
}
