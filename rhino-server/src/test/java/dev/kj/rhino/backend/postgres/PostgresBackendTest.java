package dev.kj.rhino.backend.postgres;

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
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import dev.kj.rhino.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL backend against a real server: the same writes applied to it and to the SQLite
 * backend must read back identically through every SPI read, at every revision, before and after
 * compaction; plus what only a shared backend does (cross-process write serialization, LISTEN).
 */
class PostgresBackendTest {
    @TempDir
    Path dir;
    String endpoint;
    PostgresBackend pg;
    SqliteBackend sqlite;

    @BeforeEach
    void open() {
        endpoint = TestPostgres.freshDatabase();
        pg = PostgresBackend.open(endpoint);
        sqlite = SqliteBackend.open(dir.resolve("reference.db"));
    }

    @AfterEach
    void close() {
        if (pg != null) {
            pg.close();
        }
        if (sqlite != null) {
            sqlite.close();
        }
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** One committed write transaction, applied identically to both backends. */
    void commit(Consumer<WriteTxn> writes) {
        for (Backend backend : List.of(pg, sqlite)) {
            try (WriteTxn txn = backend.beginWrite()) {
                writes.accept(txn);
                txn.commit();
            }
        }
    }

    static Row put(String key, long rev, long create, long version, long lease, String value) {
        return new Row(b(key), rev, create, version, lease, b(value));
    }

    /** Everything the SPI can read, as text, at every revision. */
    static List<String> everything(Backend backend) {
        List<String> out = new ArrayList<>();
        try (ReadTxn txn = backend.beginRead()) {
            out.add("revision " + txn.revision() + " compact " + txn.compactRevision());
            List<KeyRange> ranges = List.of(
                    KeyRange.of(new byte[] {0}, new byte[] {0}),
                    KeyRange.of(b("a/").toByteArray(), b("a0").toByteArray()),
                    KeyRange.single(b("a/1").toByteArray()),
                    KeyRange.single(b("nope").toByteArray()),
                    KeyRange.of(b("b").toByteArray(), new byte[] {0}),
                    KeyRange.of(new byte[] {(byte) 0xff}, new byte[] {0}),
                    KeyRange.of(new byte[0], new byte[] {0}));
            for (long rev = Math.max(1, txn.compactRevision()); rev <= txn.revision(); rev++) {
                for (KeyRange r : ranges) {
                    out.add("@" + rev + " " + r + " count " + txn.count(r, rev));
                    for (long limit : new long[] {0, 1, 2}) {
                        for (boolean keysOnly : new boolean[] {false, true}) {
                            out.add("@" + rev + " " + r + " limit " + limit + " keysOnly " + keysOnly + " "
                                    + txn.range(r, rev, limit, keysOnly).stream().map(PostgresBackendTest::text).toList());
                        }
                    }
                }
            }
            for (boolean prev : new boolean[] {false, true}) {
                for (KeyRange r : ranges) {
                    txn.history(r, 1, txn.revision(), prev, h -> out.add("history " + r + " " + text(h.row())
                            + (h.previous() == null ? "" : " prev " + text(h.previous()))));
                }
                txn.history(ranges.getFirst(), 3, 5, prev, h -> out.add("history 3..5 " + text(h.row())
                        + (h.previous() == null ? "" : " prev " + text(h.previous()))));
            }
            txn.scanRows(txn.revision(), r -> out.add("scan " + text(r)));
            txn.scanRows(4, r -> out.add("scan<=4 " + text(r)));
            for (long lease : new long[] {7, 8, 9}) {
                out.add("lease " + lease + " " + txn.lease(lease) + " keys "
                        + txn.keysWithLease(lease).stream().map(k -> new String(k)).toList());
            }
            out.add("leases " + txn.leases());
            out.add("users " + txn.records("users").entrySet().stream().map(e -> e.getKey() + "=" + new String(e.getValue())).toList());
            out.add("record " + (txn.record("users", "root") == null ? null : new String(txn.record("users", "root"))));
            out.add("meta " + txn.meta("cluster_id") + " " + txn.meta("absent"));
        }
        return out;
    }

    static String text(Row r) {
        return r.key().toStringUtf8() + "@" + r.modRevision() + "/c" + r.createRevision() + "/v" + r.version()
                + "/l" + r.lease() + "=" + HexFormat.of().formatHex(r.value().toByteArray());
    }

    void writeHistory() {
        commit(t -> {
            t.setRevision(2);
            t.put(put("a/1", 2, 2, 1, 0, "one"));
            t.put(put("a/2", 2, 2, 1, 7, "two"));
            t.put(put("b", 2, 2, 1, 0, "bee"));
            t.putLease(new ReadTxn.LeaseRow(7, 60, 1_000_000));
            t.putRecord("users", "root", b("r").toByteArray());
            t.putRecord("users", "alice", b("a").toByteArray());
            t.setMeta("cluster_id", 42);
        });
        commit(t -> {
            t.setRevision(3);
            t.put(put("a/1", 3, 2, 2, 8, "uno"));
            t.putLease(new ReadTxn.LeaseRow(8, 30, 2_000_000));
        });
        commit(t -> {
            t.setRevision(4);
            t.delete(b("b"), 4);
            t.put(new Row(ByteString.copyFrom(new byte[] {(byte) 0xff, 0}), 4, 4, 1, 0, ByteString.EMPTY));
            t.deleteRecord("users", "alice");
        });
        commit(t -> {
            t.setRevision(5);
            t.put(put("b", 5, 5, 1, 0, "again"));
            t.put(put("a/3", 5, 5, 1, 7, ""));
            t.deleteLease(8);
        });
        commit(t -> {
            t.setRevision(6);
            t.delete(b("a/2"), 6);
            t.put(put("a/1", 6, 2, 3, 0, "ein"));
        });
    }

    @Test
    void everyReadMatchesSqliteBeforeAndAfterCompaction() {
        writeHistory();
        List<String> expected = everything(sqlite);
        assertEquals(expected, everything(pg));
        assertTrue(expected.size() > 300, "the comparison covers " + expected.size() + " reads");
        assertTrue(expected.contains("@3 KeyRange[a/, a0) count 2"), String.join("\n", expected));

        // Compaction windows as the compactor runs them, then the compaction point.
        List<Long> removed = new ArrayList<>();
        for (Backend backend : List.of(pg, sqlite)) {
            try (WriteTxn txn = backend.beginWrite()) {
                removed.add(txn.compactWindow(0, 2) + txn.compactWindow(2, 5));
                txn.setCompactRevision(5);
                txn.commit();
            }
        }
        assertEquals(removed.get(1), removed.get(0));
        assertTrue(removed.get(0) > 0);
        assertEquals(everything(sqlite), everything(pg));
    }

    /** Queued writes keep their order, and a read in the same transaction sees them. */
    @Test
    void severalRevisionsOfOneKeyInOneTransaction() {
        commit(t -> {
            t.setRevision(2);
            t.put(put("q", 2, 2, 1, 0, "a"));
            t.delete(b("q"), 3);
            t.put(put("q", 4, 4, 1, 9, "b"));
            t.put(put("r", 4, 4, 1, 0, "r"));
            assertEquals("b", t.range(KeyRange.single(b("q").toByteArray()), 4, 0, false).getFirst().value().toStringUtf8());
            t.delete(b("r"), 5);
            assertEquals(1, t.count(KeyRange.of(new byte[0], new byte[] {0}), 5));
            t.put(put("r", 6, 6, 1, 0, "again"));
            t.delete(b("q"), 7);
            t.setRevision(7);
        });
        List<String> expected = everything(sqlite);
        assertEquals(expected, everything(pg));
        assertTrue(expected.contains("@7 KeyRange[\0, \0) count 1") || expected.stream().anyMatch(l -> l.startsWith("@7") && l.endsWith("count 1")),
                String.join("\n", expected));
    }

    @Test
    void readsAreSnapshotsAndTheWriterSeesItsOwnWrites() {
        writeHistory();
        try (ReadTxn before = pg.beginRead()) {
            assertEquals(6, before.revision());
            try (WriteTxn w = pg.beginWrite()) {
                assertEquals(6, w.revision());
                w.setRevision(7);
                w.put(put("c", 7, 7, 1, 0, "sea"));
                assertEquals(1, w.range(KeyRange.single(b("c").toByteArray()), 7, 0, false).size());
                w.commit();
            }
            assertEquals(6, before.revision());
            assertEquals(0, before.count(KeyRange.single(b("c").toByteArray()), 6));
            assertEquals(0, before.range(KeyRange.single(b("c").toByteArray()), 7, 0, false).size());
        }
        try (ReadTxn after = pg.beginRead()) {
            assertEquals(7, after.revision());
            assertEquals("sea", after.range(KeyRange.single(b("c").toByteArray()), 7, 0, false).getFirst().value().toStringUtf8());
        }
    }

    @Test
    void rolledBackWritesLeaveNothing() {
        try (WriteTxn w = pg.beginWrite()) {
            w.setRevision(2);
            w.put(put("x", 2, 2, 1, 0, "y"));
            w.rollback();
        }
        try (WriteTxn w = pg.beginWrite()) {
            w.setRevision(2);
            w.put(put("x", 2, 2, 1, 0, "y"));
            // closed without commit
        }
        try (ReadTxn r = pg.beginRead()) {
            assertEquals(1, r.revision());
            assertEquals(0, r.count(KeyRange.of(new byte[0], new byte[] {0}), 1));
        }
    }

    /** Two backends on one database stand for two rhino processes. */
    @Test
    void writersOfTwoProcessesSerializeOnTheRevision() throws Exception {
        try (PostgresBackend other = PostgresBackend.open(endpoint)) {
            WriteTxn first = pg.beginWrite();
            CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> {
                try (WriteTxn w = other.beginWrite()) {
                    long base = w.revision();
                    w.setRevision(base + 1);
                    w.put(put("k", base + 1, base + 1, 1, 0, "second"));
                    w.commit();
                    return base;
                }
            });
            Thread.sleep(300);
            assertFalse(second.isDone(), "the second writer waits for the first to end");
            first.setRevision(2);
            first.put(put("k", 2, 2, 1, 0, "first"));
            first.commit();
            first.close();
            assertEquals(2, second.get(10, TimeUnit.SECONDS), "the second writer starts from the first's revision");
            try (ReadTxn r = pg.beginRead()) {
                assertEquals(3, r.revision());
                assertEquals("second", r.range(KeyRange.single(b("k").toByteArray()), 3, 0, false).getFirst().value().toStringUtf8());
            }
        }
    }

    @Test
    void listenersHearEveryProcessesCommitsAndRecoverFromALostConnection() throws Exception {
        LinkedBlockingQueue<Long> heard = new LinkedBlockingQueue<>();
        try (PostgresBackend other = PostgresBackend.open(endpoint)) {
            other.listen(heard::add);
            assertEquals(1L, heard.poll(10, TimeUnit.SECONDS), "the stored revision once listening");
            writeAt(pg, 2);
            assertEquals(2L, heard.poll(10, TimeUnit.SECONDS));
            writeAt(pg, 3);
            assertEquals(3L, heard.poll(10, TimeUnit.SECONDS));

            // The listening connection dies; a commit made meanwhile is reported after reconnecting.
            try (Connection admin = TestPostgres.admin(TestPostgres.serverUrl()); Statement s = admin.createStatement()) {
                String db = endpoint.substring(endpoint.lastIndexOf('/') + 1);
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db
                        + "' AND query LIKE 'LISTEN%'");
            }
            writeAt(pg, 4);
            long newest = 0;
            while (newest < 4) {
                Long r = heard.poll(15, TimeUnit.SECONDS);
                assertTrue(r != null, "revision 4 was reported after the reconnect");
                newest = Math.max(newest, r);
            }
            assertEquals(4, newest);
        }
    }

    /** Pooled connections the server ended are replaced: the next transactions work. */
    @Test
    void connectionsEndedByTheServerAreReplaced() throws Exception {
        writeAt(pg, 2);
        try (Connection admin = TestPostgres.admin(TestPostgres.serverUrl()); Statement s = admin.createStatement()) {
            String db = endpoint.substring(endpoint.lastIndexOf('/') + 1);
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
        }
        Thread.sleep(600); // past the pool's window for handing out a connection without checking it
        writeAt(pg, 3);
        try (ReadTxn r = pg.beginRead()) {
            assertEquals(3, r.revision());
        }
    }

    static void writeAt(Backend backend, long rev) {
        try (WriteTxn w = backend.beginWrite()) {
            assertEquals(rev - 1, w.revision());
            w.setRevision(rev);
            w.put(put("n", rev, 2, rev - 1, 0, "v" + rev));
            w.commit();
        }
    }

    @Test
    void snapshotRestoresAsAnSqliteDatabaseWithTheSameContent() throws Exception {
        writeHistory();
        try (WriteTxn txn = pg.beginWrite()) {
            txn.compactWindow(0, 3);
            txn.setCompactRevision(3);
            txn.commit();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pg.snapshot(out);
        Path file = dir.resolve("snap.db");
        Files.write(file, out.toByteArray());
        Path restored = dir.resolve("restored/rhino.db");
        SqliteBackend.restore(file, restored);
        try (SqliteBackend copy = SqliteBackend.open(restored)) {
            assertEquals(everything(pg), everything(copy));
        }
    }

    @Test
    void sizesAndDefragment() {
        writeHistory();
        long size = pg.sizeBytes();
        assertTrue(size > 0);
        assertTrue(pg.sizeInUseBytes() > 0 && pg.sizeInUseBytes() <= size);
        pg.defragment();
        assertEquals(everything(sqlite), everything(pg));
    }

    @Test
    void reopeningKeepsTheDataAndTheSchema() {
        writeHistory();
        pg.close();
        pg = PostgresBackend.open(endpoint);
        assertEquals(everything(sqlite), everything(pg));
        try (ReadTxn r = pg.beginRead()) {
            assertEquals(PostgresBackend.SCHEMA_VERSION, r.meta("schema_version"));
        }
    }

    @Test
    void aNewerSchemaIsRefused() {
        try (WriteTxn w = pg.beginWrite()) {
            w.setMeta("schema_version", PostgresBackend.SCHEMA_VERSION + 1);
            w.commit();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PostgresBackend.open(endpoint));
        assertTrue(e.getMessage().contains("schema version 2; this rhino knows up to 1"), e.getMessage());
    }

    @Test
    void endpointProblemsAreOneLine() {
        assertEquals("invalid PostgreSQL endpoint postgres://u:***@: no host (or the host or port is malformed)"
                        + " (expected postgres://user[:password]@host[:port]/database[?sslmode=...])",
                assertThrows(IllegalArgumentException.class, () -> PostgresBackend.open("postgres://u:secret@")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresBackend.open("postgres://h:99999999/db"))
                .getMessage().startsWith("invalid PostgreSQL endpoint"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresBackend.open("postgres://h/a/b"))
                .getMessage().contains("single database name"));

        String unreachable = assertThrows(IllegalStateException.class,
                () -> PostgresBackend.open("postgres://postgres@127.0.0.1:1/rhino")).getMessage();
        assertTrue(unreachable.startsWith("cannot reach PostgreSQL at 127.0.0.1:1: "), unreachable);
        assertFalse(unreachable.contains("\n"), unreachable);

        String refused = assertThrows(IllegalStateException.class,
                () -> PostgresBackend.open(TestPostgres.serverUrl().replaceFirst("//[^@/]*@", "//no_such_rhino_user:pw@")
                        + "/rhino")).getMessage();
        assertTrue(refused.contains("refused user no_such_rhino_user"), refused);
        assertFalse(refused.contains("pw@"), refused);
    }

    @Test
    void endpointParsing() {
        PostgresEndpoint e = PostgresEndpoint.parse("postgresql://kj:p%40ss@db.example:6543/k8s?sslmode=require&connectTimeout=3");
        assertEquals("db.example", e.host());
        assertEquals(6543, e.port());
        assertEquals("k8s", e.database());
        assertEquals("kj", e.user());
        assertEquals("p@ss", e.password());
        assertEquals("require", e.parameters().get("sslmode"));
        assertEquals("postgres://kj@db.example:6543/k8s", e.toString());
        assertEquals("3", e.properties().getProperty("connectTimeout"));

        PostgresEndpoint d = PostgresEndpoint.parse("postgres://kj@[::1]");
        assertEquals("::1", d.host());
        assertEquals(5432, d.port());
        assertEquals("kubernetes", d.database());
        assertNull(d.password());
        assertEquals("jdbc:postgresql://[::1]:5432/kubernetes", d.jdbcUrl(d.database()));
    }
}
