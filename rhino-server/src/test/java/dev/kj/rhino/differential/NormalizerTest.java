package dev.kj.rhino.differential;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kj.rhino.testing.Etcdctl;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The masking rules on canned etcdctl output (the etcd-vs-etcd run checks them on live output). */
class NormalizerTest {
    private final Normalizer normalizer = new Normalizer("127.0.0.1:4242", "/tmp/scratch-1");

    private List<String> out(String line, String stdout) {
        List<String> args = Session.split(line, "test");
        List<String> all = normalizer.command(line, args, new Etcdctl.Result(0, stdout, "", false));
        return all.subList(1, all.size() - 1);
    }

    @Test
    void leaseIdsGetOneNameInHexAndDecimal() {
        assertEquals(List.of("lease L1 granted with TTL(100s)"), out("lease grant 100", "lease 3ceea200df033512 granted with TTL(100s)\n"));
        assertEquals("3ceea200df033512", normalizer.expand("${L1}"));
        List<String> json = out("lease timetolive x -w json",
                "{\"cluster_id\":1,\"member_id\":2,\"revision\":6,\"raft_term\":2,\"id\":4390624811358041362,\"ttl\":86,\"granted-ttl\":100,\"keys\":[\"azI=\",\"azE=\"]}\n");
        assertEquals(List.of("{", "  \"cluster_id\": \"<cluster_id>\",", "  \"member_id\": \"<member_id>\",", "  \"revision\": 6,",
                "  \"raft_term\": \"<raft_term>\",", "  \"id\": \"L1\",", "  \"ttl\": \"<=100\",", "  \"granted-ttl\": 100,",
                "  \"keys\": [", "    \"k1\",", "    \"k2\"", "  ]", "}"), json);
        assertEquals(List.of("lease L2 granted with TTL(5s)"), out("lease grant 5", "lease 0000000000000007 granted with TTL(5s)\n"));
    }

    @Test
    void attachedKeysAreSorted() {
        assertEquals(List.of("lease L1 granted with TTL(10s), remaining(<=10s), attached keys([a b c])"),
                out("lease timetolive x --keys", "lease 1f granted with TTL(10s), remaining(9s), attached keys([c a b])\n"));
    }

    @Test
    void expiredTtlStaysExact() {
        assertEquals(List.of("lease L1 granted with TTL(10s), remaining(<=10s), attached keys([a])"),
                out("lease timetolive x --keys", "lease 1f granted with TTL(10s), remaining(9s), attached keys([a])\n"));
        assertEquals(List.of("lease L1 already expired"), out("lease timetolive x", "lease 1f already expired\n"));
    }

    @Test
    void lockKeysAreNamedByTheirLease() {
        assertEquals(List.of("mylock/L1", ""), out("lock mylock", "mylock/694d7a1b2c3d4e5f\n\n"));
        List<String> json = out("get mylock --prefix -w json",
                "{\"header\":{\"revision\":3},\"kvs\":[{\"key\":\"bXlsb2NrLzY5NGQ3YTFiMmMzZDRlNWY=\",\"create_revision\":3,"
                        + "\"mod_revision\":3,\"version\":1,\"lease\":7587855204314074719}],\"count\":1}\n");
        assertEquals("      \"key\": \"mylock/L1\",", json.get(6));
        assertEquals("      \"lease\": \"L1\"", json.get(10));
    }

    @Test
    void endpointScratchAndTimingsAreMasked() {
        assertEquals(List.of("Snapshot saved at ${TMP}/snap.db"), out("snapshot save x", "Snapshot saved at /tmp/scratch-1/snap.db\n"));
        assertEquals(List.of("Finished defragmenting etcd member[<endpoint>]"), out("defrag", "Finished defragmenting etcd member[127.0.0.1:4242]\n"));
        List<String> all = normalizer.command("endpoint health", List.of("endpoint", "health"), new Etcdctl.Result(0, "",
                "{\"level\":\"warn\",\"ts\":\"x\"}\n127.0.0.1:4242 is healthy: successfully committed proposal: took = 2.1ms\n", false));
        assertEquals(List.of("$ endpoint health", "stderr: <endpoint> is healthy: successfully committed proposal: took = <took>", "exit 0"), all);
    }

    @Test
    void watchResponsesBecomeOneEntryPerEventWithoutTheBatchHeader() {
        List<String> lines = out("watch a -w json", "{\"Header\":{\"revision\":9},\"Events\":[{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":2}},"
                + "{\"type\":1,\"kv\":{\"key\":\"YQ==\",\"mod_revision\":3}}],\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}\n");
        assertEquals(List.of("event:", "{", "  \"kv\": {", "    \"key\": \"a\",", "    \"mod_revision\": 2", "  }", "}",
                "event:", "{", "  \"type\": 1,", "  \"kv\": {", "    \"key\": \"a\",", "    \"mod_revision\": 3", "  }", "}"), lines);
    }

    @Test
    void sessionSyntax() {
        Session s = Session.parse("t", List.of("# c", "put \"\" 'a b'", "txn -w json <<EOF", "value(\"a\") = \"1\"", "", "EOF",
                "@bg W watch a --rev=2", "@wait W 2 \"kv\":\\{", "@send W progress", "@stop W", "@sleep 10"));
        assertEquals(List.of(new Session.Run("put \"\" 'a b'", List.of("put", "", "a b"), null),
                new Session.Run("txn -w json", List.of("txn", "-w", "json"), "value(\"a\") = \"1\"\n\n"),
                new Session.Background("W", "watch a --rev=2", List.of("watch", "a", "--rev=2"), null)), s.steps().subList(0, 3));
        assertEquals("\"kv\":\\{", ((Session.Wait) s.steps().get(3)).pattern().pattern());
        assertEquals(new Session.Send("W", "progress"), s.steps().get(4));
    }
}
