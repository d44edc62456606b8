package dev.kj.apiserver.authz;

import dev.kj.apiserver.authn.User;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The user a request is being served for, visible to checks deep in the registry (RBAC's
 * escalation prevention sits in the role and binding stores, as upstream's does, since only there
 * is a patched object known). The router serves each request on its own thread.
 */
public final class RequestUser {
    private static final ThreadLocal<User> CURRENT = new ThreadLocal<>();

    private RequestUser() {
    }

    public static <T> T as(User user, Supplier<T> work) {
        User previous = CURRENT.get();
        CURRENT.set(user);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** Empty for the server's own writes (bootstrap policy, startup objects). */
    public static Optional<User> current() {
        return Optional.ofNullable(CURRENT.get());
    }
}
