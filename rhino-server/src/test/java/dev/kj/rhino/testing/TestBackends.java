package dev.kj.rhino.testing;

import dev.kj.rhino.RhinoConfig;
import java.nio.file.Path;

/**
 * The datastore the backend-sensitive suites (differential, jetcd, gRPC fixtures) run on, chosen
 * with {@code -Dkj.test.backend=sqlite|postgres|redis} (default sqlite). The build runs those
 * suites once per backend.
 */
public final class TestBackends {
    private TestBackends() {
    }

    public static String name() {
        return System.getProperty("kj.test.backend", "sqlite");
    }

    /** etcd's defaults with a fresh, empty datastore of the chosen kind (SQLite keeps it in {@code dataDir}, PostgreSQL in a new database). */
    public static RhinoConfig config(Path dataDir) {
        return switch (name()) {
            case "sqlite" -> RhinoConfig.defaults(dataDir);
            case "postgres" -> RhinoConfig.defaults(dataDir).withEndpoint(TestPostgres.freshDatabase());
            case "redis" -> RhinoConfig.defaults(dataDir).withEndpoint(RedisStores.freshEndpoint());
            default -> throw new IllegalArgumentException("unknown test backend '" + name()
                    + "' (kj.test.backend: sqlite, postgres or redis)");
        };
    }

    /** A fresh, empty datastore of a shared kind ({@code postgres} or {@code redis}) for several servers. */
    public static String freshEndpoint(String backend) {
        return switch (backend) {
            case "postgres" -> TestPostgres.freshDatabase();
            case "redis" -> RedisStores.freshEndpoint();
            default -> throw new IllegalArgumentException(backend + " is not a shared backend");
        };
    }
}
