package dev.kj.rhino.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt as etcd uses it (Go's x/crypto/bcrypt): "$2a$" hashes at the configured cost, passwords
 * past 72 bytes truncated as the Go version etcd 3.4 vendors does. Slow on purpose: callers keep
 * it off the writer thread.
 */
final class Passwords {
    private static final BCrypt.Hasher HASHER = BCrypt.with(BCrypt.Version.VERSION_2A,
            LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));
    private static final BCrypt.Verifyer VERIFIER = BCrypt.verifyer(BCrypt.Version.VERSION_2A,
            LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));

    private final int cost;

    Passwords(int cost) {
        this.cost = cost;
    }

    byte[] hash(String password) {
        return HASHER.hash(cost, password.getBytes(StandardCharsets.UTF_8));
    }

    boolean matches(String password, byte[] hash) {
        return VERIFIER.verify(password.getBytes(StandardCharsets.UTF_8), hash).verified;
    }
}
