package dev.kj.rhino.backend.sqlite;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A read snapshot or the write transaction on one SQLite connection. */
final class SqliteTxn implements WriteTxn {
    private static final String ROW_COLUMNS = "key, revision, create_revision, version, lease, value";
    private static final int SUB_BITS = 24;
    private static final long SUBS_PER_REVISION = 1L << SUB_BITS;

    private final SqliteConn conn;
    private final Runnable onClose;
    private final boolean writable;
    private long revision;
    private long compactRevision;
    private boolean done;
    private boolean revisionDirty;
    /** Rows written so far in {@link #subRevision}; a row's id is (revision << 24) | sub. */
    private long subRevision = -1;
    private long nextSub;

    SqliteTxn(SqliteConn conn, Runnable onClose, boolean writable) {
        this.conn = conn;
        this.onClose = onClose;
        this.writable = writable;
        try {
            // The first read pins the WAL snapshot every later read of this transaction sees.
            revision = requireMeta("revision");
            compactRevision = requireMeta("compact_revision");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private long requireMeta(String name) {
        Long v = meta(name);
        if (v == null) {
            throw new IllegalStateException("database has no '" + name + "' (not a rhino database?)");
        }
        return v;
    }

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public long compactRevision() {
        return compactRevision;
    }

    @Override
    public Long meta(String name) {
        try {
            PreparedStatement ps = conn.prepare("SELECT value FROM meta WHERE name = ?");
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw failure("read meta", e);
        }
    }

    @Override
    public byte[] record(String bucket, String name) {
        try {
            PreparedStatement ps = conn.prepare("SELECT value FROM record WHERE bucket = ? AND name = ?");
            ps.setString(1, bucket);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw failure("read record", e);
        }
    }

    @Override
    public java.util.SortedMap<String, byte[]> records(String bucket) {
        try {
            PreparedStatement ps = conn.prepare("SELECT name, value FROM record WHERE bucket = ?");
            ps.setString(1, bucket);
            java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getBytes(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read records", e);
        }
    }

    @Override
    public void putRecord(String bucket, String name, byte[] value) {
        requireWritable();
        try {
            PreparedStatement ps = conn.prepare("INSERT INTO record (bucket, name, value) VALUES (?, ?, ?)"
                    + " ON CONFLICT (bucket, name) DO UPDATE SET value = excluded.value");
            ps.setString(1, bucket);
            ps.setString(2, name);
            ps.setBytes(3, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("write record", e);
        }
    }

    @Override
    public void deleteRecord(String bucket, String name) {
        requireWritable();
        try {
            PreparedStatement ps = conn.prepare("DELETE FROM record WHERE bucket = ? AND name = ?");
            ps.setString(1, bucket);
            ps.setString(2, name);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("delete record", e);
        }
    }

    @Override
    public List<Row> range(KeyRange range, long atRevision, long limit, boolean keysOnly) {
        List<Row> rows = new ArrayList<>();
        if (atRevision >= revision) {
            List<Object> params = new ArrayList<>();
            String sql = "SELECT k.key, k.revision, k.create_revision, k.version, k.lease, " + (keysOnly ? "NULL" : "k.value")
                    + " FROM latest l JOIN kv k ON k.id = l.kv_id WHERE " + keyCondition(range, "l.key", params)
                    + " AND l.live ORDER BY l.key LIMIT ?";
            params.add(limit > 0 ? limit : -1L);
            try (ResultSet rs = bind(sql, params).executeQuery()) {
                while (rs.next()) {
                    rows.add(readRow(rs, 1));
                }
            } catch (SQLException e) {
                throw failure("range", e);
            }
            return rows;
        }
        pastRows(range, atRevision, keysOnly, row -> {
            rows.add(row);
            return limit <= 0 || rows.size() < limit;
        });
        return rows;
    }

    @Override
    public long count(KeyRange range, long atRevision) {
        if (atRevision >= revision) {
            List<Object> params = new ArrayList<>();
            String sql = "SELECT count(*) FROM latest WHERE " + keyCondition(range, "key", params) + " AND live";
            try (ResultSet rs = bind(sql, params).executeQuery()) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                throw failure("count", e);
            }
        }
        long[] n = {0};
        pastRows(range, atRevision, true, row -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    /** Receives rows in key order; returns false to stop. */
    private interface RowSink {
        boolean accept(Row row);
    }

    /**
     * The live rows of {@code range} as of {@code atRevision}, in key order: each key's newest row,
     * followed back through {@code prev} until one at or below {@code atRevision}. A link that is
     * gone was compacted away, so the key had no row visible at any revision a read may still ask for.
     */
    private void pastRows(KeyRange range, long atRevision, boolean keysOnly, RowSink sink) {
        String value = keysOnly ? "NULL" : "k.value";
        List<Object> params = new ArrayList<>();
        String sql = "SELECT k.key, k.revision, k.create_revision, k.version, k.lease, " + value + ", k.prev"
                + " FROM latest l JOIN kv k ON k.id = l.kv_id WHERE " + keyCondition(range, "l.key", params)
                + " ORDER BY l.key";
        try (ResultSet rs = bind(sql, params).executeQuery()) {
            while (rs.next()) {
                long rowRevision = rs.getLong(2);
                Row row;
                if (rowRevision <= atRevision) {
                    row = readRow(rs, 1);
                } else {
                    row = walkBack(rs.getBytes(1), rs.getObject(7) == null ? 0 : rs.getLong(7), atRevision, keysOnly);
                }
                if (row != null && !row.isTombstone() && !sink.accept(row)) {
                    return;
                }
            }
        } catch (SQLException e) {
            throw failure("range", e);
        }
    }

    /** The first row at or below {@code atRevision} on the chain starting at row {@code id}, or null. */
    private Row walkBack(byte[] key, long id, long atRevision, boolean keysOnly) throws SQLException {
        PreparedStatement ps = conn.prepare("SELECT revision, create_revision, version, lease, "
                + (keysOnly ? "NULL" : "value") + ", prev FROM kv WHERE id = ?");
        while (id != 0) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (rs.getLong(1) <= atRevision) {
                    byte[] value = rs.getBytes(5);
                    return new Row(ByteString.copyFrom(key), rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            value == null ? ByteString.EMPTY : ByteString.copyFrom(value));
                }
                id = rs.getObject(6) == null ? 0 : rs.getLong(6);
            }
        }
        return null;
    }

    @Override
    public void history(KeyRange range, long fromRevision, long toRevision, boolean withPrevious, Consumer<HistoryRow> sink) {
        List<Object> params = new ArrayList<>();
        params.add(firstId(fromRevision));
        params.add(firstId(toRevision + 1));
        String sql;
        if (withPrevious) {
            sql = "SELECT e.key, e.revision, e.create_revision, e.version, e.lease, e.value,"
                    + " p.key, p.revision, p.create_revision, p.version, p.lease, p.value"
                    + " FROM kv e LEFT JOIN kv p ON p.id = e.prev"
                    + " WHERE e.id >= ? AND e.id < ? AND " + keyCondition(range, "e.key", params)
                    + " ORDER BY e.id";
        } else {
            sql = "SELECT " + ROW_COLUMNS + " FROM kv WHERE id >= ? AND id < ? AND "
                    + keyCondition(range, "key", params) + " ORDER BY id";
        }
        try (ResultSet rs = bind(sql, params).executeQuery()) {
            while (rs.next()) {
                Row row = readRow(rs, 1);
                Row previous = null;
                if (withPrevious && rs.getBytes(7) != null) {
                    previous = readRow(rs, 7);
                    if (previous.isTombstone()) {
                        previous = null;
                    }
                }
                sink.accept(new HistoryRow(row, previous));
            }
        } catch (SQLException e) {
            throw failure("history", e);
        }
    }

    @Override
    public List<byte[]> keysWithLease(long lease) {
        try {
            PreparedStatement ps = conn.prepare("SELECT key FROM latest WHERE lease = ? ORDER BY key");
            ps.setLong(1, lease);
            List<byte[]> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getBytes(1));
                }
            }
            return keys;
        } catch (SQLException e) {
            throw failure("keys with lease", e);
        }
    }

    @Override
    public LeaseRow lease(long id) {
        try {
            PreparedStatement ps = conn.prepare("SELECT id, ttl, expires_at FROM lease WHERE id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LeaseRow(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        } catch (SQLException e) {
            throw failure("lease", e);
        }
    }

    @Override
    public List<LeaseRow> leases() {
        try (ResultSet rs = conn.prepare("SELECT id, ttl, expires_at FROM lease ORDER BY id").executeQuery()) {
            List<LeaseRow> leases = new ArrayList<>();
            while (rs.next()) {
                leases.add(new LeaseRow(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
            }
            return leases;
        } catch (SQLException e) {
            throw failure("leases", e);
        }
    }

    @Override
    public void scanRows(long maxRevision, Consumer<Row> sink) {
        try {
            PreparedStatement ps = conn.prepare("SELECT " + ROW_COLUMNS + " FROM kv WHERE id < ? ORDER BY id");
            ps.setLong(1, firstId(maxRevision + 1));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(readRow(rs, 1));
                }
            }
        } catch (SQLException e) {
            throw failure("scan", e);
        }
    }

    // --- writes ---

    /**
     * Row ids encode (revision, order within the revision), so the rowid B-tree itself is the
     * history in write order and revision ranges are rowid ranges (no separate revision index).
     */
    private long nextId(long rowRevision) {
        if (rowRevision != subRevision) {
            subRevision = rowRevision;
            nextSub = 0;
        }
        if (nextSub >= SUBS_PER_REVISION) {
            throw new IllegalStateException("more than " + SUBS_PER_REVISION + " keys written in one revision");
        }
        return (rowRevision << SUB_BITS) | nextSub++;
    }

    static long firstId(long revision) {
        return revision << SUB_BITS;
    }

    @Override
    public void put(Row row) {
        requireWritable();
        try {
            long id = nextId(row.modRevision());
            byte[] key = row.key().toByteArray();
            PreparedStatement insert = conn.prepare("INSERT INTO kv (id, " + ROW_COLUMNS + ", prev)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT kv_id FROM latest WHERE key = ?))");
            insert.setLong(1, id);
            insert.setBytes(2, key);
            insert.setLong(3, row.modRevision());
            insert.setLong(4, row.createRevision());
            insert.setLong(5, row.version());
            insert.setLong(6, row.lease());
            insert.setBytes(7, row.value().toByteArray());
            insert.setBytes(8, key);
            insert.executeUpdate();
            PreparedStatement latest = conn.prepare("INSERT INTO latest (key, kv_id, lease, live) VALUES (?, ?, ?, 1)"
                    + " ON CONFLICT (key) DO UPDATE SET kv_id = excluded.kv_id, lease = excluded.lease, live = 1");
            latest.setBytes(1, key);
            latest.setLong(2, id);
            latest.setLong(3, row.lease());
            latest.executeUpdate();
        } catch (SQLException e) {
            throw failure("put", e);
        }
    }

    @Override
    public void delete(ByteString key, long atRevision) {
        requireWritable();
        try {
            long id = nextId(atRevision);
            byte[] k = key.toByteArray();
            PreparedStatement insert = conn.prepare("INSERT INTO kv (id, " + ROW_COLUMNS + ", prev)"
                    + " VALUES (?, ?, ?, 0, 0, 0, NULL, (SELECT kv_id FROM latest WHERE key = ?))");
            insert.setLong(1, id);
            insert.setBytes(2, k);
            insert.setLong(3, atRevision);
            insert.setBytes(4, k);
            insert.executeUpdate();
            PreparedStatement latest = conn.prepare("INSERT INTO latest (key, kv_id, lease, live) VALUES (?, ?, 0, 0)"
                    + " ON CONFLICT (key) DO UPDATE SET kv_id = excluded.kv_id, lease = 0, live = 0");
            latest.setBytes(1, k);
            latest.setLong(2, id);
            latest.executeUpdate();
        } catch (SQLException e) {
            throw failure("delete", e);
        }
    }

    @Override
    public void setRevision(long newRevision) {
        requireWritable();
        revision = newRevision;
        revisionDirty = true;
    }

    @Override
    public void setCompactRevision(long newCompactRevision) {
        setMeta("compact_revision", newCompactRevision);
        compactRevision = newCompactRevision;
    }

    @Override
    public void setMeta(String name, long value) {
        requireWritable();
        if (name.equals("schema_version")) {
            // The file's layout, which only SqliteSchema sets (a copied-in value would misdescribe it).
            throw new IllegalArgumentException("schema_version is the SQLite file's own");
        }
        try {
            PreparedStatement ps = conn.prepare("INSERT INTO meta (name, value) VALUES (?, ?)"
                    + " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
            ps.setString(1, name);
            ps.setLong(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("set meta", e);
        }
    }

    @Override
    public void putLease(LeaseRow lease) {
        requireWritable();
        try {
            PreparedStatement ps = conn.prepare("INSERT INTO lease (id, ttl, expires_at) VALUES (?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET ttl = excluded.ttl, expires_at = excluded.expires_at");
            ps.setLong(1, lease.id());
            ps.setLong(2, lease.ttlSeconds());
            ps.setLong(3, lease.expiresAtMillis());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("put lease", e);
        }
    }

    @Override
    public void deleteLease(long id) {
        requireWritable();
        try {
            PreparedStatement ps = conn.prepare("DELETE FROM lease WHERE id = ?");
            ps.setLong(1, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("delete lease", e);
        }
    }

    @Override
    public long compactWindow(long fromRevision, long toRevision) {
        requireWritable();
        try {
            long from = firstId(fromRevision + 1);
            long to = firstId(toRevision + 1);
            // Each row of the window supersedes its previous row; older ones went with earlier
            // windows (compaction proceeds window by window from revision 0).
            PreparedStatement superseded = conn.prepare(
                    "DELETE FROM kv WHERE id IN (SELECT prev FROM kv WHERE id >= ? AND id < ? AND prev IS NOT NULL)");
            superseded.setLong(1, from);
            superseded.setLong(2, to);
            long removed = superseded.executeUpdate();
            // A key whose newest row is a tombstone of the window is gone from every reachable revision.
            PreparedStatement forgotten = conn.prepare("DELETE FROM latest WHERE key IN"
                    + " (SELECT key FROM kv WHERE id >= ? AND id < ? AND version = 0) AND kv_id >= ? AND kv_id < ? AND live = 0");
            forgotten.setLong(1, from);
            forgotten.setLong(2, to);
            forgotten.setLong(3, from);
            forgotten.setLong(4, to);
            forgotten.executeUpdate();
            PreparedStatement tombstones = conn.prepare(
                    "DELETE FROM kv WHERE id >= ? AND id < ? AND version = 0");
            tombstones.setLong(1, from);
            tombstones.setLong(2, to);
            return removed + tombstones.executeUpdate();
        } catch (SQLException e) {
            throw failure("compact", e);
        }
    }

    @Override
    public void commit() {
        requireWritable();
        try {
            if (revisionDirty) {
                setMeta("revision", revision);
            }
            conn.connection().commit();
            done = true;
        } catch (SQLException e) {
            throw failure("commit", e);
        }
    }

    @Override
    public void rollback() {
        try {
            conn.connection().rollback();
        } catch (SQLException e) {
            throw failure("rollback", e);
        } finally {
            done = true;
        }
    }

    @Override
    public void close() {
        try {
            if (!done) {
                conn.connection().rollback();
            }
        } catch (SQLException ignored) {
            // the connection is unusable anyway; the next begin reports it
        } finally {
            done = true;
            onClose.run();
        }
    }

    long pragmaLong(String pragma) {
        try (Statement s = conn.connection().createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + pragma)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("pragma " + pragma, e);
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException("read-only transaction");
        }
    }

    private PreparedStatement bind(String sql, List<Object> params) throws SQLException {
        PreparedStatement ps = conn.prepare(sql);
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof byte[] b) {
                ps.setBytes(i + 1, b);
            } else {
                ps.setLong(i + 1, (Long) p);
            }
        }
        return ps;
    }

    /** SQL for "column in range", appending its parameters. */
    private static String keyCondition(KeyRange range, String column, List<Object> params) {
        params.add(range.start());
        if (range.isSingleKey()) {
            return column + " = ?";
        }
        if (range.isUnbounded()) {
            return column + " >= ?";
        }
        params.add(range.end());
        return column + " >= ? AND " + column + " < ?";
    }

    private static Row readRow(ResultSet rs, int first) throws SQLException {
        byte[] value = rs.getBytes(first + 5);
        return new Row(
                ByteString.copyFrom(rs.getBytes(first)),
                rs.getLong(first + 1),
                rs.getLong(first + 2),
                rs.getLong(first + 3),
                rs.getLong(first + 4),
                value == null ? ByteString.EMPTY : ByteString.copyFrom(value));
    }

    private static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("sqlite " + what + " failed: " + e.getMessage(), e);
    }
}
