package dev.kj.kubelet.kuberuntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** client-go's flowcontrol.Backoff as the kubelet uses it, on a clock the test moves. */
class BackOffTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void doublesToTheCapAndStartsOverAfterTwiceTheCapWithoutFailures() {
        BackOff backOff = new BackOff(clock, Duration.ofSeconds(10), Duration.ofMinutes(5));
        assertFalse(backOff.inBackOffSince("k", now), "no failure yet");
        backOff.next("k", now);
        assertEquals(Duration.ofSeconds(10), backOff.get("k"));
        assertTrue(backOff.inBackOffSince("k", now));
        now = now.plusSeconds(11);
        assertFalse(backOff.inBackOffSince("k", now.minusSeconds(11)));
        for (int i = 0; i < 10; i++) {
            backOff.next("k", now);
        }
        assertEquals(Duration.ofMinutes(5), backOff.get("k"));
        now = now.plus(Duration.ofMinutes(11));
        backOff.next("k", now);
        assertEquals(Duration.ofSeconds(10), backOff.get("k"), "10 minutes without failures reset it");
        backOff.forget("k");
        assertEquals(Duration.ZERO, backOff.get("k"));
    }

    @Test
    void printsDurationsAsGo() {
        assertEquals("10s", BackOff.goString(Duration.ofSeconds(10)));
        assertEquals("1m20s", BackOff.goString(Duration.ofSeconds(80)));
        assertEquals("5m0s", BackOff.goString(Duration.ofMinutes(5)));
        assertEquals("1.5s", BackOff.goString(Duration.ofMillis(1500)));
        assertEquals("250ms", BackOff.goString(Duration.ofMillis(250)));
        assertEquals("1h0m0s", BackOff.goString(Duration.ofHours(1)));
    }
}
