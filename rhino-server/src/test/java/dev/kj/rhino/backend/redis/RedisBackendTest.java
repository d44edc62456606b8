package dev.kj.rhino.backend.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteConflictException;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import dev.kj.rhino.testing.RedisStores;
import dev.kj.rhino.testing.TempDirs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis backend against the real server, checked against the SQLite backend (the reference):
 * the same random writes go to both, then every read of the SPI must agree at every revision.
 */
class RedisBackendTest {
    /** Keys chosen to stress bytewise order: 0x00 and 0xFF bytes, prefixes of each other, empty-ish. */
    private static final List<ByteString> KEYS = List.of(
            key(), key(0), key(0, 0), key(0, 1), key(1), key('a'), key('a', 0), key('a', 0, 'b'), key('a', 1),
            key('a', 'b'), key('a', 'b', 'c'), key('a', 0xFF), key('b'), key(0xFF), key(0xFF, 0), key(0xFF, 0xFF),
            key('a', 0, 0xFF), key('a', 0xFF, 0));
    private static final List<KeyRange> RANGES = List.of(
            KeyRange.of(new byte[] {0}, new byte[] {0}),
            KeyRange.of(new byte[0], new byte[] {0}),
            KeyRange.of(bytes('a'), bytes('b')),
            KeyRange.of(bytes('a', 0), bytes('a', 1)),
            KeyRange.of(bytes('a'), new byte[] {0}),
            KeyRange.of(bytes(0), bytes(0, 2)),
            KeyRange.of(bytes(0xFF), new byte[] {0}),
            KeyRange.of(bytes('b'), bytes('a')),
            KeyRange.single(bytes('a', 0)),
            KeyRange.single(bytes(0xFF, 0xFF)),
            KeyRange.single(bytes('z')));

    private Path dir;
    private final List<Backend> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("rhino-redis-test-");
    }

    @AfterEach
    void tearDown() {
        for (Backend b : open) {
            b.close();
        }
        TempDirs.deleteRecursively(dir);
    }

    private RedisBackend redis(String endpoint) {
        RedisBackend b = RedisBackend.open(endpoint);
        open.add(b);
        return b;
    }

    private SqliteBackend sqlite() {
        SqliteBackend b = SqliteBackend.open(dir.resolve("ref-" + open.size() + ".db"));
        open.add(b);
        return b;
    }

    @Test
    void everyReadAgreesWithSqliteAtEveryRevisionThroughCompaction() {
        RedisBackend redis = redis(RedisStores.freshEndpoint());
        SqliteBackend sqlite = sqlite();
        Random random = new Random(42);
        long revision = 1;
        for (int step = 0; step < 60; step++) {
            List<Op> ops = randomOps(random, revision + 1);
            boolean checkInside = step % 10 == 0;
            apply(redis, ops, checkInside ? sqlite : null);
            apply(sqlite, ops, null);
            if (ops.stream().anyMatch(o -> !(o instanceof Op.Lease))) {
                revision++;
            }
        }
        compareAll(redis, sqlite, 1, revision);

        long compactTo = revision / 2;
        for (Backend b : List.of(redis, sqlite)) {
            try (WriteTxn w = b.beginWrite()) {
                w.setCompactRevision(compactTo);
                w.commit();
            }
        }
        long removedRedis = compact(redis, compactTo);
        long removedSqlite = compact(sqlite, compactTo);
        assertEquals(removedSqlite, removedRedis, "rows removed by compaction");
        compareAll(redis, sqlite, compactTo, revision);
    }

    private static long compact(Backend b, long to) {
        long removed = 0;
        for (long from = 0; from < to; from += 7) {
            try (WriteTxn w = b.beginWrite()) {
                removed += w.compactWindow(from, Math.min(to, from + 7));
                w.commit();
            }
        }
        return removed;
    }

    /** Writes of one revision: puts and deletes of distinct keys, sometimes lease changes. */
    sealed interface Op {
        record Put(ByteString key, ByteString value, long lease) implements Op {}

        record Delete(ByteString key) implements Op {}

        record Lease(long id, boolean grant) implements Op {}
    }

    private static List<Op> randomOps(Random random, long revision) {
        List<Op> ops = new ArrayList<>();
        Set<ByteString> used = new HashSet<>();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            ByteString k = KEYS.get(random.nextInt(KEYS.size()));
            if (!used.add(k)) {
                continue;
            }
            if (random.nextInt(4) == 0) {
                ops.add(new Op.Delete(k));
            } else {
                byte[] value = new byte[random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(40)];
                random.nextBytes(value);
                ops.add(new Op.Put(k, ByteString.copyFrom(value), random.nextInt(3) == 0 ? 1 + random.nextInt(3) : 0));
            }
        }
        if (random.nextInt(5) == 0) {
            ops.add(new Op.Lease(1 + random.nextInt(3), random.nextBoolean()));
        }
        return ops;
    }

    /** Applies one revision's ops the way the writer does (reading the previous row first). */
    private static void apply(Backend b, List<Op> ops, Backend reference) {
        try (WriteTxn w = b.beginWrite()) {
            long rev = w.revision() + 1;
            boolean wrote = false;
            for (Op op : ops) {
                switch (op) {
                    case Op.Put p -> {
                        List<Row> prev = w.range(KeyRange.single(p.key().toByteArray()), rev, 1, false);
                        Row previous = prev.isEmpty() ? null : prev.getFirst();
                        w.put(new Row(p.key(), rev, previous == null ? rev : previous.createRevision(),
                                previous == null ? 1 : previous.version() + 1, p.lease(), p.value()));
                        wrote = true;
                    }
                    case Op.Delete d -> {
                        if (!w.range(KeyRange.single(d.key().toByteArray()), rev, 1, true).isEmpty()) {
                            w.delete(d.key(), rev);
                            wrote = true;
                        }
                    }
                    case Op.Lease l -> {
                        if (l.grant()) {
                            w.putLease(new ReadTxn.LeaseRow(l.id(), 10 + l.id(), 1_000_000 + l.id()));
                        } else {
                            w.deleteLease(l.id());
                        }
                    }
                }
            }
            if (!wrote) {
                // a revision with no row would be a gap; keep the revision count in step
                ByteString filler = key('f', 'i', 'l', 'l');
                List<Row> prev = w.range(KeyRange.single(filler.toByteArray()), rev, 1, false);
                w.put(new Row(filler, rev, prev.isEmpty() ? rev : prev.getFirst().createRevision(),
                        prev.isEmpty() ? 1 : prev.getFirst().version() + 1, 0, ByteString.EMPTY));
            }
            w.setRevision(rev);
            if (reference != null) {
                // reads inside the open transaction see its own writes, as SQLite's do
                try (WriteTxn refView = reference.beginWrite()) {
                    // the reference has not applied these ops yet: compare only at the base revision
                    for (KeyRange r : RANGES) {
                        assertEquals(dump(refView.range(r, rev - 1, 0, false)), dump(w.range(r, rev - 1, 0, false)),
                                "inside txn at base " + r);
                    }
                    refView.rollback();
                }
            }
            w.commit();
        }
        if (reference != null) {
            // and once the reference has the same writes in an open txn, its reads at the new revision match
            try (WriteTxn refTxn = reference.beginWrite(); ReadTxn view = b.beginRead()) {
                long rev = view.revision();
                // replay on the reference inside the txn, then compare overlay reads with committed redis
                applyInto(refTxn, ops, rev);
                for (KeyRange r : RANGES) {
                    assertEquals(dump(view.range(r, rev, 0, false)), dump(refTxn.range(r, rev, 0, false)), "after " + r);
                    assertEquals(view.count(r, rev), refTxn.count(r, rev), "count after " + r);
                    assertEquals(dump(view.range(r, rev, 2, true)), dump(refTxn.range(r, rev, 2, true)), "limit 2 after " + r);
                }
                for (long lease = 1; lease <= 3; lease++) {
                    assertEquals(keys(view.keysWithLease(lease)), keys(refTxn.keysWithLease(lease)), "lease " + lease);
                }
                assertEquals(view.leases(), refTxn.leases());
                refTxn.rollback();
            }
        }
    }

    private static void applyInto(WriteTxn w, List<Op> ops, long rev) {
        boolean wrote = false;
        for (Op op : ops) {
            switch (op) {
                case Op.Put p -> {
                    List<Row> prev = w.range(KeyRange.single(p.key().toByteArray()), rev, 1, false);
                    Row previous = prev.isEmpty() ? null : prev.getFirst();
                    w.put(new Row(p.key(), rev, previous == null ? rev : previous.createRevision(),
                            previous == null ? 1 : previous.version() + 1, p.lease(), p.value()));
                    wrote = true;
                }
                case Op.Delete d -> {
                    if (!w.range(KeyRange.single(d.key().toByteArray()), rev, 1, true).isEmpty()) {
                        w.delete(d.key(), rev);
                        wrote = true;
                    }
                }
                case Op.Lease l -> {
                    if (l.grant()) {
                        w.putLease(new ReadTxn.LeaseRow(l.id(), 10 + l.id(), 1_000_000 + l.id()));
                    } else {
                        w.deleteLease(l.id());
                    }
                }
            }
        }
        if (!wrote) {
            ByteString filler = key('f', 'i', 'l', 'l');
            List<Row> prev = w.range(KeyRange.single(filler.toByteArray()), rev, 1, false);
            w.put(new Row(filler, rev, prev.isEmpty() ? rev : prev.getFirst().createRevision(),
                    prev.isEmpty() ? 1 : prev.getFirst().version() + 1, 0, ByteString.EMPTY));
        }
        w.setRevision(rev);
    }

    private static void compareAll(Backend redis, Backend sqlite, long fromRevision, long toRevision) {
        try (ReadTxn a = redis.beginRead(); ReadTxn b = sqlite.beginRead()) {
            assertEquals(b.revision(), a.revision(), "revision");
            assertEquals(b.compactRevision(), a.compactRevision(), "compact revision");
            for (long rev = fromRevision; rev <= toRevision; rev++) {
                for (KeyRange r : RANGES) {
                    String where = "at " + rev + " " + r;
                    assertEquals(dump(b.range(r, rev, 0, false)), dump(a.range(r, rev, 0, false)), where);
                    assertEquals(dump(b.range(r, rev, 3, false)), dump(a.range(r, rev, 3, false)), "limit 3 " + where);
                    assertEquals(dump(b.range(r, rev, 0, true)), dump(a.range(r, rev, 0, true)), "keys only " + where);
                    assertEquals(b.count(r, rev), a.count(r, rev), "count " + where);
                }
            }
            for (KeyRange r : RANGES) {
                for (boolean prev : new boolean[] {false, true}) {
                    assertEquals(history(b, r, fromRevision, toRevision, prev), history(a, r, fromRevision, toRevision, prev),
                            "history " + r + " prev " + prev);
                    assertEquals(history(b, r, toRevision - 3, toRevision - 1, prev),
                            history(a, r, toRevision - 3, toRevision - 1, prev), "history window " + r);
                }
            }
            List<String> rowsA = new ArrayList<>();
            List<String> rowsB = new ArrayList<>();
            a.scanRows(toRevision, row -> rowsA.add(dump(List.of(row))));
            b.scanRows(toRevision, row -> rowsB.add(dump(List.of(row))));
            assertEquals(rowsB, rowsA, "scanRows");
            for (long lease = 1; lease <= 3; lease++) {
                assertEquals(keys(b.keysWithLease(lease)), keys(a.keysWithLease(lease)), "keys with lease " + lease);
                assertEquals(b.lease(lease), a.lease(lease), "lease " + lease);
            }
            assertEquals(b.leases(), a.leases(), "leases");
        }
    }

    private static List<String> history(ReadTxn txn, KeyRange r, long from, long to, boolean prev) {
        List<String> out = new ArrayList<>();
        txn.history(r, from, to, prev, h -> out.add(dump(List.of(h.row())) + " <- "
                + (h.previous() == null ? "none" : dump(List.of(h.previous())))));
        return out;
    }

    private static String dump(List<Row> rows) {
        return rows.stream().map(r -> hex(r.key()) + "@" + r.modRevision() + "/c" + r.createRevision() + "/v"
                + r.version() + "/l" + r.lease() + "=" + hex(r.value())).collect(Collectors.joining(", ", "[", "]"));
    }

    private static List<String> keys(List<byte[]> keys) {
        return keys.stream().map(k -> hex(ByteString.copyFrom(k))).toList();
    }

    private static String hex(ByteString b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b.toByteArray()) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    @Test
    void aCommitAfterAnotherProcessCommittedIsRefusedAndWritesNothing() {
        String endpoint = RedisStores.freshEndpoint();
        RedisBackend a = redis(endpoint);
        RedisBackend b = redis(endpoint);
        WriteTxn first = a.beginWrite();
        WriteTxn second = b.beginWrite();
        assertEquals(first.revision(), second.revision());
        long rev = first.revision() + 1;
        first.put(new Row(key('x'), rev, rev, 1, 0, key('1')));
        first.setRevision(rev);
        second.put(new Row(key('y'), rev, rev, 1, 0, key('2')));
        second.setRevision(rev);
        first.commit();
        assertThrows(WriteConflictException.class, second::commit);
        try (ReadTxn view = b.beginRead()) {
            assertEquals(rev, view.revision());
            assertEquals(1, view.range(KeyRange.single(bytes('x')), rev, 0, false).size());
            assertTrue(view.range(KeyRange.single(bytes('y')), rev, 0, false).isEmpty());
        }
        // a lease-only commit changes no revision but still serializes
        WriteTxn leaseA = a.beginWrite();
        WriteTxn leaseB = b.beginWrite();
        leaseA.putLease(new ReadTxn.LeaseRow(7, 5, 123));
        leaseB.deleteLease(7);
        leaseA.commit();
        assertThrows(WriteConflictException.class, leaseB::commit);
        try (ReadTxn view = b.beginRead()) {
            assertEquals(new ReadTxn.LeaseRow(7, 5, 123), view.lease(7));
        }
    }

    @Test
    void listenersHearOtherProcessesCommitsAndComeBackAfterALostConnection() throws Exception {
        String endpoint = RedisStores.freshEndpoint();
        RedisBackend writer = redis(endpoint);
        RedisBackend follower = redis(endpoint);
        BlockingQueue<Long> heard = new LinkedBlockingQueue<>();
        follower.listen(heard::add);
        assertEquals(1L, heard.poll(10, TimeUnit.SECONDS), "the current revision first");
        long rev = commitOne(writer, key('k'));
        assertEquals(rev, heard.poll(10, TimeUnit.SECONDS));

        // kill the listener's connection (it is the one blocked in XREAD), then commit while it is down
        killBlockedClients(endpoint);
        long next = commitOne(writer, key('k'));
        long seen = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (seen < next && System.nanoTime() < deadline) {
            Long r = heard.poll(1, TimeUnit.SECONDS);
            seen = r == null ? seen : Math.max(seen, r);
        }
        assertEquals(next, seen, "the revision committed while the listener was reconnecting");
    }

    private static void killBlockedClients(String endpoint) {
        RedisClient client = RedisClient.create(RedisStores.require());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (String line : c.sync().clientList().split("\n")) {
                if (line.contains("cmd=xread")) {
                    String id = line.replaceAll(".*\\bid=(\\d+).*", "$1").strip();
                    c.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(Long.parseLong(id)));
                }
            }
        } finally {
            client.shutdown();
        }
    }

    private static long commitOne(Backend b, ByteString key) {
        try (WriteTxn w = b.beginWrite()) {
            long rev = w.revision() + 1;
            List<Row> prev = w.range(KeyRange.single(key.toByteArray()), rev, 1, false);
            w.put(new Row(key, rev, prev.isEmpty() ? rev : prev.getFirst().createRevision(),
                    prev.isEmpty() ? 1 : prev.getFirst().version() + 1, 0, key('v')));
            w.setRevision(rev);
            w.commit();
            return rev;
        }
    }

    @Test
    void metaRecordsAndLeasesRoundTrip() {
        RedisBackend b = redis(RedisStores.freshEndpoint());
        try (WriteTxn w = b.beginWrite()) {
            w.setMeta("member_id", 42);
            w.putRecord("users", "bob", bytes(1, 2));
            w.putRecord("users", "alice", bytes(3));
            w.putRecord("roles", "root", bytes(4));
            assertArrayEquals(bytes(1, 2), w.record("users", "bob"));
            assertEquals(List.of("alice", "bob"), List.copyOf(w.records("users").keySet()));
            w.commit();
        }
        try (WriteTxn w = b.beginWrite()) {
            w.deleteRecord("users", "bob");
            assertNull(w.record("users", "bob"));
            w.commit();
        }
        try (ReadTxn r = b.beginRead()) {
            assertEquals(42L, r.meta("member_id"));
            assertNull(r.meta("nothing"));
            assertEquals(List.of("alice"), List.copyOf(r.records("users").keySet()));
            assertArrayEquals(bytes(4), r.record("roles", "root"));
        }
        long before = b.sizeBytes();
        assertTrue(before > 0);
        for (int i = 0; i < 50; i++) {
            commitOne(b, key('s', i));
        }
        assertTrue(b.sizeBytes() > before, "size grows with data");
        assertEquals(b.sizeBytes(), b.sizeInUseBytes(), "nothing to release in redis");
    }

    @Test
    void snapshotIsASqliteCopyThatRestores() throws Exception {
        RedisBackend b = redis(RedisStores.freshEndpoint());
        Random random = new Random(7);
        for (int step = 0; step < 20; step++) {
            apply(b, randomOps(random, 0), null);
        }
        try (WriteTxn w = b.beginWrite()) {
            w.putLease(new ReadTxn.LeaseRow(5, 30, 999));
            w.putRecord("users", "root", bytes(9));
            w.commit();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.snapshot(out);
        Path snap = dir.resolve("snap.db");
        Files.write(snap, out.toByteArray());
        Path restored = dir.resolve("restored.db");
        SqliteBackend.restore(snap, restored);
        SqliteBackend copy = SqliteBackend.open(restored);
        open.add(copy);
        try (ReadTxn r = b.beginRead()) {
            compareAll(b, copy, 1, r.revision());
        }
        try (ReadTxn r = copy.beginRead()) {
            assertArrayEquals(bytes(9), r.record("users", "root"));
            assertEquals(new ReadTxn.LeaseRow(5, 30, 999), r.lease(5));
        }
    }

    @Test
    void badEndpointsFailWithOneClearLine() {
        RedisStores.require();
        record Bad(String endpoint, String says) {}
        for (Bad bad : List.of(
                new Bad("redis://127.0.0.1:1/0", "cannot use redis at redis://127.0.0.1:1/0 (prefix rhino:): connection refused"),
                new Bad("redis://nosuchhost.invalid:6379/0", "unknown host"),
                new Bad("redis://nobody:wrong@127.0.0.1:6379/0?unsafe-no-fsync=true", "authentication failed"),
                new Bad("redis://127.0.0.1:6379/999?unsafe-no-fsync=true", "DB index is out of range"),
                new Bad("redis://127.0.0.1:6379/x", "is not a database number"),
                new Bad("redis://:6379/0", "names no host"))) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> RedisBackend.open(bad.endpoint()).close());
            assertTrue(e.getMessage().contains(bad.says()), bad.endpoint() + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong"), "no password in " + e.getMessage());
            assertNull(e.getCause(), "no cause chain to print for " + bad.endpoint());
        }
    }

    @Test
    void aServerThatWouldLoseAcknowledgedWritesIsRefusedUnlessTheEndpointAccepts() {
        String base = RedisStores.require();
        RedisClient client = RedisClient.create(base);
        Map<String, String> settings = new HashMap<>();
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            settings.putAll(c.sync().configGet("appendonly"));
            settings.putAll(c.sync().configGet("appendfsync"));
        } finally {
            client.shutdown();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue("no".equals(settings.get("appendonly")),
                "the shared test server is durable; RedisDurabilityTest covers refusal on a private one");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RedisBackend.open(base + "?prefix=kj-test-refused:").close());
        assertTrue(e.getMessage().contains("appendonly is off"), e.getMessage());
        assertTrue(e.getMessage().contains("unsafe-no-fsync=true"), e.getMessage());
    }

    private static ByteString key(int... bytes) {
        return ByteString.copyFrom(bytes(bytes));
    }

    private static byte[] bytes(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }
}
