package dev.kj.rhino.patroni;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.testing.RealEtcd;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Patroni (Debian's 3.0, etcd3 DCS over etcd's JSON gateway) elects a PostgreSQL leader, starts a
 * replica, and fails over when the leader's node crashes: the leader key's lease must expire and
 * the replica's watch must see it go. Run against real etcd first, which proves the harness.
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
