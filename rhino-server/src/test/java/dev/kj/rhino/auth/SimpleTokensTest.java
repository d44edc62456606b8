package dev.kj.rhino.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Simple tokens: etcd's shape, a lifetime renewed by use, and invalidation. */
class SimpleTokensTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SimpleTokens tokens = new SimpleTokens(clock, Duration.ofSeconds(300));

    @Test
    void tokensLookLikeEtcds() {
        String first = tokens.assign("alice");
        String second = tokens.assign("alice");
        assertTrue(first.matches("[a-zA-Z]{16}\\.1"), first);
        assertTrue(second.matches("[a-zA-Z]{16}\\.2"), second);
    }

    @Test
    void useRenewsTheLifetimeAndIdlenessEndsIt() {
        String token = tokens.assign("alice");
        clock.advance(Duration.ofSeconds(200));
        assertEquals("alice", tokens.user(token));
        clock.advance(Duration.ofSeconds(200));
        assertEquals("alice", tokens.user(token), "the earlier use renewed it");
        clock.advance(Duration.ofSeconds(301));
        assertNull(tokens.user(token));
    }

    @Test
    void changingAUserDropsOnlyItsTokens() {
        String alice = tokens.assign("alice");
        String bob = tokens.assign("bob");
        tokens.invalidateUser("alice");
        assertNull(tokens.user(alice));
        assertEquals("bob", tokens.user(bob));
        tokens.clear();
        assertNull(tokens.user(bob));
        assertNull(tokens.user("made-up.7"));
    }
}
