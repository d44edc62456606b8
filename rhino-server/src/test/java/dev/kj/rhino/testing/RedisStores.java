package dev.kj.rhino.testing;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The Redis server tests use (127.0.0.1:6379, or {@code -Dkj.test.redis=redis://host:port/db}).
 * Each store gets a fresh key prefix in that database; every prefix handed out is deleted when the
 * JVM exits. A missing server fails in CI and skips loudly elsewhere, like {@link Peers}.
 */
public final class RedisStores {
    private static final List<String> PREFIXES = new ArrayList<>();
    private static boolean hookInstalled;

    private RedisStores() {
    }

    /** The server's base URL ({@code redis://host:port/db}), once it answers on its port. */
    public static String require() {
        String base = System.getProperty("kj.test.redis", "redis://127.0.0.1:6379/0");
        java.net.URI url = java.net.URI.create(base);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.getHost(), url.getPort() < 0 ? 6379 : url.getPort()), 2_000);
        } catch (IOException e) {
            String message = "required peer Redis not reachable at " + base + " (" + e.getMessage()
                    + "; Debian: apt-get install redis-server)";
            if (Peers.inCi()) {
                Assertions.fail(message + "; CI requires it");
            }
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
        return base;
    }

    /**
     * A store nobody else uses. The shared test server is not configured for durability (it is a
     * scratch peer), so these endpoints accept that; RedisDurabilityTest covers a durable server.
     */
    public static String freshEndpoint() {
        String base = require();
        String prefix = "kj-test-" + UUID.randomUUID() + ":";
        synchronized (PREFIXES) {
            PREFIXES.add(prefix);
            if (!hookInstalled) {
                hookInstalled = true;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteAll(base), "redis-test-cleanup"));
            }
        }
        return base + "?prefix=" + prefix + "&unsafe-no-fsync=true";
    }

    private static void deleteAll(String base) {
        List<String> prefixes;
        synchronized (PREFIXES) {
            prefixes = List.copyOf(PREFIXES);
        }
        RedisClient client = RedisClient.create(base);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (String prefix : prefixes) {
                ScanCursor cursor = ScanCursor.INITIAL;
                do {
                    KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1000));
                    if (!page.getKeys().isEmpty()) {
                        c.sync().unlink(page.getKeys().toArray(new String[0]));
                    }
                    cursor = page;
                } while (!cursor.isFinished());
            }
        } catch (RuntimeException e) {
            System.err.println("could not remove test stores from " + base + ": " + e.getMessage());
        } finally {
            client.shutdown();
        }
    }
}
