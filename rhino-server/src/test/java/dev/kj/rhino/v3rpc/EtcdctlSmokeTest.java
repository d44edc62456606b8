package dev.kj.rhino.v3rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.TempDirs;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A quick pass of the real etcdctl over every service this layer serves (the full comparison with
 * real etcd lives in the differential suite). Fails in CI and skips elsewhere without etcdctl.
 */
class EtcdctlSmokeTest {
    private Path dir;
    private RhinoServer server;
    private Etcdctl etcdctl;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("rhino-etcdctl-smoke-");
        server = RhinoServer.start(RhinoConfig.defaults(dir.resolve("data"))
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        etcdctl = Etcdctl.forEndpoint("127.0.0.1:" + server.clientAddresses().get(0).getPort());
    }

    @AfterEach
    void stop() {
        server.close();
        TempDirs.deleteRecursively(dir);
    }

    private String ok(String... args) {
        Etcdctl.Result result = etcdctl.run(args);
        assertTrue(result.ok(), String.join(" ", args) + " failed: " + result);
        return result.stdout();
    }

    @Test
    void clusterAndMaintenanceCommands() {
        String members = ok("member", "list");
        assertTrue(members.contains("started, default, http://localhost:2380, " + "http://127.0.0.1:"
                + server.clientAddresses().get(0).getPort()), members);
        String status = ok("endpoint", "status", "-w", "table");
        assertTrue(status.contains("3.5.21") && status.contains("true"), "version and IS LEADER: " + status);
        ok("endpoint", "health");
        assertEquals("", ok("alarm", "list"));
        ok("endpoint", "hashkv");
        Path saved = dir.resolve("saved.db");
        ok("snapshot", "save", saved.toString());
        assertTrue(Files.exists(saved));
    }

    @Test
    void defragment() {
        ok("put", "a", "1");
        ok("defrag");
        assertEquals("a\n1\n", ok("get", "a"));
    }

    @Test
    void keysWatchAndLeases() throws Exception {
        try (Etcdctl.Background watch = etcdctl.start(List.of("watch", "k"))) {
            Thread.sleep(300);
            ok("put", "k", "v1");
            assertTrue(watch.awaitStdout(out -> out.contains("PUT\nk\nv1"), Duration.ofSeconds(10)), watch.stdout());
        }
        assertEquals("k\nv1\n", ok("get", "k"));
        String granted = ok("lease", "grant", "60");
        String id = granted.split(" ")[1];
        ok("put", "leased", "x", "--lease=" + id);
        assertTrue(ok("lease", "timetolive", id, "--keys").contains("leased"));
        assertTrue(ok("lease", "keep-alive", "--once", id).contains("TTL(60)"));
        ok("lease", "revoke", id);
        assertEquals("", ok("get", "leased"));
    }

    @Test
    void lockAndElect() throws Exception {
        try (Etcdctl.Background holder = etcdctl.start(List.of("lock", "mutex"))) {
            assertTrue(holder.awaitStdout(out -> out.startsWith("mutex/"), Duration.ofSeconds(10)), holder.stderr());
            try (Etcdctl.Background waiter = etcdctl.start(List.of("lock", "mutex"))) {
                Thread.sleep(500);
                assertEquals("", waiter.stdout(), "the second locker waits");
                holder.interrupt(Duration.ofSeconds(5));
                assertTrue(waiter.awaitStdout(out -> out.startsWith("mutex/"), Duration.ofSeconds(10)), waiter.stderr());
                waiter.interrupt(Duration.ofSeconds(5));
            }
        }
        try (Etcdctl.Background leader = etcdctl.start(List.of("elect", "e", "first"));
             Etcdctl.Background observer = etcdctl.start(List.of("elect", "-l", "e"))) {
            assertTrue(leader.awaitStdout(out -> out.contains("first"), Duration.ofSeconds(10)), leader.stderr());
            assertTrue(observer.awaitStdout(out -> out.contains("first"), Duration.ofSeconds(10)), observer.stderr());
            leader.interrupt(Duration.ofSeconds(5));
        }
    }
}
