package dev.kj.rhino.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * etcd's default {@code --auth-token simple}: an opaque "16 letters.index" string mapped in memory
 * to its user, valid for {@code --auth-token-ttl} (five minutes) after its last use, dropped when the user is deleted or
 * changes password and all dropped when auth is disabled. Tokens do not survive a restart (etcd's
 * do not either).
 */
final class SimpleTokens {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int LENGTH = 16;

    private record Entry(String user, long expiresAtMillis) {
    }

    private final Map<String, Entry> tokens = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong index = new AtomicLong();
    private final Clock clock;
    private final long ttlMillis;

    SimpleTokens(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttlMillis = ttl.toMillis();
    }

    String assign(String user) {
        dropExpired();
        StringBuilder token = new StringBuilder(LENGTH + 8);
        for (int i = 0; i < LENGTH; i++) {
            token.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        token.append('.').append(index.incrementAndGet());
        tokens.put(token.toString(), new Entry(user, clock.millis() + ttlMillis));
        return token.toString();
    }

    /** The token's user, refreshing its lifetime; null for an unknown or expired token. */
    String user(String token) {
        long now = clock.millis();
        Entry entry = tokens.get(token);
        if (entry == null) {
            return null;
        }
        if (entry.expiresAtMillis() <= now) {
            tokens.remove(token, entry);
            return null;
        }
        tokens.replace(token, entry, new Entry(entry.user(), now + ttlMillis));
        return entry.user();
    }

    void invalidateUser(String user) {
        tokens.values().removeIf(e -> e.user().equals(user));
    }

    void clear() {
        tokens.clear();
    }

    private void dropExpired() {
        long now = clock.millis();
        tokens.values().removeIf(e -> e.expiresAtMillis() <= now);
    }
}
