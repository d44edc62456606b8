package dev.kj.rhino.patroni;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestBackends;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Patroni (Debian's 3.0, etcd3 DCS over etcd's JSON gateway) elects a PostgreSQL leader, starts a
 * replica, and fails over when the leader's node crashes: the leader key's lease must expire and
 * the replica's watch must see it go. Run against real etcd first, which proves the harness, then
 * against rhino (on the backend under test).
 */
class PatroniTest {
    private static final Duration ELECTION = Duration.ofSeconds(90);

    @Test
    @Timeout(300)
    void electsAndFailsOverOnRealEtcd() throws Exception {
        try (RealEtcd etcd = RealEtcd.start()) {
            electAndFailOver(etcd.endpoint());
        }
    }

    @Test
    @Timeout(300)
    void electsAndFailsOverOnRhino() throws Exception {
        Path dir = Files.createTempDirectory("kj-patroni-rhino-");
        try (RhinoServer rhino = RhinoServer.start(TestBackends.config(dir.resolve("data"))
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))))) {
            electAndFailOver("127.0.0.1:" + rhino.clientAddresses().getFirst().getPort());
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }

    static void electAndFailOver(String dcsEndpoint) throws Exception {
        try (PatroniCluster cluster = PatroniCluster.on(dcsEndpoint)) {
            PatroniCluster.Member pg1 = cluster.start("pg1");
            cluster.awaitRole(pg1, "/primary", ELECTION);
            PatroniCluster.Member pg2 = cluster.start("pg2");
            cluster.awaitRole(pg2, "/replica", ELECTION);

            cluster.crash(pg1);
            cluster.awaitRole(pg2, "/primary", ELECTION);
            String view = cluster.clusterJson(pg2);
            assertTrue(view.matches("(?s).*\"name\": ?\"pg2\".*\"role\": ?\"leader\".*"), view);
        }
    }
}
