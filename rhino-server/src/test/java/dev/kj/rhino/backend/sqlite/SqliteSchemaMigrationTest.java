package dev.kj.rhino.backend.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.ReadTxn.HistoryRow;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written in the first layout (a (key, revision) index and a live-keys table) opens as the
 * current one (a chain of previous rows per key and a latest-row table) with every read answering as
 * before, and keeps working for writes and compaction.
 */
class SqliteSchemaMigrationTest {
    private static final KeyRange ALL = KeyRange.of(new byte[] {0}, new byte[] {0});

    @TempDir
    Path dir;

    /**
     * The history written into the old file: a put twice, a lease key, a delete and re-create, and
     * a key created then deleted.
     */
    private static void writeVersion1(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
            s.executeUpdate("CREATE TABLE kv (id INTEGER PRIMARY KEY, key BLOB NOT NULL, revision INTEGER NOT NULL,"
                    + " create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, value BLOB)");
            s.executeUpdate("CREATE UNIQUE INDEX kv_key_revision ON kv (key, revision)");
            s.executeUpdate("CREATE TABLE live (key BLOB PRIMARY KEY, kv_id INTEGER NOT NULL, lease INTEGER NOT NULL)"
                    + " WITHOUT ROWID");
            s.executeUpdate("CREATE INDEX live_lease ON live (lease) WHERE lease <> 0");
            s.executeUpdate("CREATE TABLE lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL, expires_at INTEGER NOT NULL)");
            s.executeUpdate("CREATE TABLE record (bucket TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,"
                    + " PRIMARY KEY (bucket, name)) WITHOUT ROWID");
            s.executeUpdate("INSERT INTO meta VALUES ('revision', 8), ('compact_revision', 0), ('schema_version', 1)");
            s.executeUpdate("INSERT INTO lease VALUES (7, 60, 4102444800000)");
            s.executeUpdate("INSERT INTO record VALUES ('users', 'root', x'01')");
            try (PreparedStatement kv = c.prepareStatement("INSERT INTO kv VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                oldRow(kv, "a", 2, 2, 1, 0, "v1");
                oldRow(kv, "a", 3, 2, 2, 0, "v2");
                oldRow(kv, "b", 4, 4, 1, 7, "x");
                oldRow(kv, "a", 5, 0, 0, 0, null);
                oldRow(kv, "a", 6, 6, 1, 0, "v3");
                oldRow(kv, "c", 7, 7, 1, 0, "y");
                oldRow(kv, "c", 8, 0, 0, 0, null);
            }
            s.executeUpdate("INSERT INTO live VALUES (x'61', " + (6L << 24) + ", 0), (x'62', " + (4L << 24) + ", 7)");
        }
    }

    private static void oldRow(PreparedStatement kv, String key, long revision, long create, long version, long lease,
                               String value) throws Exception {
        kv.setLong(1, revision << 24);
        kv.setBytes(2, key.getBytes());
        kv.setLong(3, revision);
        kv.setLong(4, create);
        kv.setLong(5, version);
        kv.setLong(6, lease);
        kv.setBytes(7, value == null ? null : value.getBytes());
        kv.executeUpdate();
    }

    private static String describe(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(r.key().toStringUtf8() + "=" + r.value().toStringUtf8() + "@" + r.modRevision() + "/c" + r.createRevision()
                    + "/v" + r.version() + (r.lease() != 0 ? "/l" + r.lease() : ""));
        }
        return String.join(" ", out);
    }

    private static String history(ReadTxn r, long from, long to) {
        List<String> out = new ArrayList<>();
        r.history(ALL, from, to, true, (HistoryRow h) -> out.add(h.row().key().toStringUtf8() + "@" + h.row().modRevision()
                + (h.row().isTombstone() ? "-" : "+") + (h.previous() == null ? "" : "<" + h.previous().modRevision())));
        return String.join(" ", out);
    }

    @Test
    void versionOneFileReadsAsBeforeAfterMigration() throws Exception {
        Path file = dir.resolve("old.db");
        writeVersion1(file);
        try (SqliteBackend backend = SqliteBackend.open(file); ReadTxn r = backend.beginRead()) {
            assertEquals(SqliteSchema.VERSION, r.meta("schema_version"));
            assertEquals(8, r.revision());
            assertEquals("a=v3@6/c6/v1 b=x@4/c4/v1/l7", describe(r.range(ALL, 8, 0, false)));
            assertEquals("a=v1@2/c2/v1", describe(r.range(ALL, 2, 0, false)));
            assertEquals("a=v2@3/c2/v2 b=x@4/c4/v1/l7", describe(r.range(ALL, 4, 0, false)));
            assertEquals("b=x@4/c4/v1/l7", describe(r.range(ALL, 5, 0, false)));
            assertEquals("a=v3@6/c6/v1 b=x@4/c4/v1/l7 c=y@7/c7/v1", describe(r.range(ALL, 7, 0, false)));
            assertEquals("a=v3@6/c6/v1 b=x@4/c4/v1/l7", describe(r.range(ALL, 7, 2, false)));
            assertEquals("a=@6/c6/v1", describe(r.range(KeyRange.single("a".getBytes()), 7, 0, true)));
            assertEquals(3, r.count(ALL, 7));
            assertEquals(2, r.count(ALL, 8));
            assertEquals(1, r.count(ALL, 2));
            assertEquals("a@2+ a@3+<2 b@4+ a@5-<3 a@6+ c@7+ c@8-<7", history(r, 2, 8));
            assertEquals(List.of("b"), r.keysWithLease(7).stream().map(String::new).toList());
            assertEquals(1, r.leases().size());
            assertEquals(1, r.record("users", "root")[0]);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE name IN ('live', 'kv_key_revision')")) {
            assertFalse(rs.next(), "the old table and index are dropped");
        }
    }

    @Test
    void migratedFileTakesWritesAndCompactsLikeAFreshOne() throws Exception {
        Path file = dir.resolve("old.db");
        writeVersion1(file);
        try (SqliteBackend backend = SqliteBackend.open(file)) {
            try (WriteTxn w = backend.beginWrite()) {
                w.setRevision(9);
                w.put(new Row(ByteString.copyFromUtf8("a"), 9, 6, 2, 0, ByteString.copyFromUtf8("v4")));
                w.setRevision(10);
                w.put(new Row(ByteString.copyFromUtf8("c"), 10, 10, 1, 0, ByteString.copyFromUtf8("z")));
                w.commit();
            }
            try (ReadTxn r = backend.beginRead()) {
                assertEquals("a@9+<6 c@10+", history(r, 9, 10));
                assertEquals("a=v3@6/c6/v1 b=x@4/c4/v1/l7", describe(r.range(ALL, 8, 0, false)));
            }
            try (WriteTxn w = backend.beginWrite()) {
                assertEquals(3, w.compactWindow(0, 6)); // a@2, a@3 and the tombstone a@5, all superseded
                w.setCompactRevision(6);
                w.commit();
            }
            try (ReadTxn r = backend.beginRead()) {
                assertEquals("a=v3@6/c6/v1 b=x@4/c4/v1/l7", describe(r.range(ALL, 6, 0, false)));
                assertEquals("a=v3@6/c6/v1 b=x@4/c4/v1/l7 c=y@7/c7/v1", describe(r.range(ALL, 7, 0, false)));
                assertEquals("a@9+<6 c@10+", history(r, 9, 10));
            }
            try (WriteTxn w = backend.beginWrite()) {
                w.compactWindow(6, 10);
                w.setCompactRevision(10);
                w.commit();
            }
            try (ReadTxn r = backend.beginRead()) {
                assertEquals("a=v4@9/c6/v2 b=x@4/c4/v1/l7 c=z@10/c10/v1", describe(r.range(ALL, 10, 0, false)));
                List<Long> left = new ArrayList<>();
                r.scanRows(10, row -> left.add(row.modRevision()));
                assertEquals(List.of(4L, 9L, 10L), left);
                assertEquals("a@9+ c@10+", history(r, 9, 10));
            }
            try (WriteTxn w = backend.beginWrite()) {
                w.setRevision(11);
                w.delete(ByteString.copyFromUtf8("b"), 11);
                w.commit();
            }
            try (ReadTxn r = backend.beginRead()) {
                assertEquals("b=x@4/c4/v1/l7", describe(r.range(KeyRange.single("b".getBytes()), 10, 0, false)));
                assertTrue(r.keysWithLease(7).isEmpty());
            }
            try (WriteTxn w = backend.beginWrite()) {
                assertEquals(2, w.compactWindow(10, 11)); // b@4, then the tombstone b@11
                w.setCompactRevision(11);
                w.commit();
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), sum(live) FROM latest")) {
            assertTrue(rs.next());
            assertEquals(2, rs.getInt(1), "a compacted tombstone's key leaves the latest table");
            assertEquals(2, rs.getInt(2));
        }
    }

    @Test
    void freshFileIsCurrentAndANewerOneIsRefused() throws Exception {
        Path file = dir.resolve("new.db");
        try (SqliteBackend backend = SqliteBackend.open(file); ReadTxn r = backend.beginRead()) {
            assertEquals(SqliteSchema.VERSION, r.meta("schema_version"));
            assertEquals(1, r.revision());
            assertTrue(r.range(ALL, 1, 0, false).isEmpty());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE meta SET value = " + (SqliteSchema.VERSION + 1) + " WHERE name = 'schema_version'");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SqliteBackend.open(file).close());
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
    }
}
