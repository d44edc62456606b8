package dev.kj.rhino.backend.postgres;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A read snapshot (REPEATABLE READ, read only) or the write transaction (READ COMMITTED, after
 * taking the revision row's lock) on one pooled connection. Statements are prepared per use;
 * pgjdbc keeps the server-side prepared statements per connection, keyed by SQL text.
 */
final class PostgresTxn implements WriteTxn {
    private static final String ROW_COLUMNS = "key, revision, create_revision, version, lease, value";
    private static final int SUB_BITS = 24;
    private static final long SUBS_PER_REVISION = 1L << SUB_BITS;
    /** Rows per round trip when streaming history or a full scan. */
    private static final int FETCH_ROWS = 1_000;

    private final Connection conn;
    private final String channel;
    private final boolean writable;
    private long revision;
    private long compactRevision;
    private boolean done;
    private boolean revisionDirty;
    /** Whether {@link #ORDERED_RANGES} ran in this transaction. */
    private boolean orderedRanges;
    /** Rows written so far in {@link #subRevision}; a row's id is (revision << 24) | sub. */
    private long subRevision = -1;
    private long nextSub;
    /**
     * Puts and deletes not yet sent: they go as one JDBC batch (one round trip) before a read that
     * could see them, or at commit. One statement for both keeps their order.
     */
    private PreparedStatement pendingRows;
    private final java.util.Set<ByteString> pendingKeys = new java.util.HashSet<>();

    /**
     * @param channel the NOTIFY channel a committed revision is announced on (write transactions)
     */
    PostgresTxn(Connection conn, boolean writable, String channel) {
        this.conn = conn;
        this.writable = writable;
        this.channel = channel;
        try {
            if (writable) {
                // Every writer of every process queues here: commit order = revision order.
                revision = lockRevision();
                compactRevision = requireMeta("compact_revision");
            } else {
                // The first statement fixes the snapshot every later read of this transaction sees.
                Map<String, Long> counters = metaValues("revision", "compact_revision");
                revision = require(counters, "revision");
                compactRevision = require(counters, "compact_revision");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private long lockRevision() {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM meta WHERE name = 'revision' FOR UPDATE");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("database has no 'revision' (not a rhino database?)");
            }
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("lock the revision", e);
        }
    }

    private Map<String, Long> metaValues(String... names) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT name, value FROM meta WHERE name = ANY (?)")) {
            ps.setArray(1, conn.createArrayOf("text", names));
            Map<String, Long> values = new java.util.HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.put(rs.getString(1), rs.getLong(2));
                }
            }
            return values;
        } catch (SQLException e) {
            throw failure("read meta", e);
        }
    }

    private static long require(Map<String, Long> values, String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalStateException("database has no '" + name + "' (not a rhino database?)");
        }
        return v;
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
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw failure("read meta", e);
        }
    }

    /** Every meta value (for snapshots). */
    SortedMap<String, Long> allMeta() {
        try (PreparedStatement ps = conn.prepareStatement("SELECT name, value FROM meta");
             ResultSet rs = ps.executeQuery()) {
            SortedMap<String, Long> out = new TreeMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
        } catch (SQLException e) {
            throw failure("read meta", e);
        }
    }

    /** Every record by bucket, then name (for snapshots). */
    SortedMap<String, Map<String, byte[]>> allRecords() {
        try (PreparedStatement ps = conn.prepareStatement("SELECT bucket, name, value FROM record");
             ResultSet rs = ps.executeQuery()) {
            SortedMap<String, Map<String, byte[]>> out = new TreeMap<>();
            while (rs.next()) {
                out.computeIfAbsent(rs.getString(1), b -> new TreeMap<>()).put(rs.getString(2), rs.getBytes(3));
            }
            return out;
        } catch (SQLException e) {
            throw failure("read records", e);
        }
    }

    @Override
    public byte[] record(String bucket, String name) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM record WHERE bucket = ? AND name = ?")) {
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
    public SortedMap<String, byte[]> records(String bucket) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT name, value FROM record WHERE bucket = ?")) {
            ps.setString(1, bucket);
            // Sorted here, by Java's string order, whatever the column's collation.
            SortedMap<String, byte[]> out = new TreeMap<>();
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
        update("write record", "INSERT INTO record (bucket, name, value) VALUES (?, ?, ?)"
                + " ON CONFLICT (bucket, name) DO UPDATE SET value = excluded.value", bucket, name, value);
    }

    @Override
    public void deleteRecord(String bucket, String name) {
        requireWritable();
        update("delete record", "DELETE FROM record WHERE bucket = ? AND name = ?", bucket, name);
    }

    /**
     * A range query reads its keys in key order from an index, so a page of {@code limit} keys touches
     * about {@code limit} rows. The planner's alternative, a bitmap scan of every key in the range and a
     * top-N sort, wins on estimated cost often enough (sampled statistics of bytea keys, generic plans
     * whose LIMIT is a parameter) to turn a 10-key page of a large prefix into a read of the whole
     * prefix. With sorts priced out, the ordered index scan is the only plan left; transaction-local,
     * so the lease and compaction queries keep the sorts they need. A plan that still needs a sort
     * carries the disabled-sort cost penalty, which would cross jit_above_cost and spend ~0.2 s
     * compiling a one-row query, so JIT is off too (it never pays for rhino's short queries).
     */
    static final String ORDERED_RANGES = "SET LOCAL enable_sort = off; SET LOCAL jit = off";

    @Override
    public List<Row> range(KeyRange range, long atRevision, long limit, boolean keysOnly) {
        flushIfPending(range);
        if (!range.isSingleKey() && !orderedRanges) {
            try (Statement s = conn.createStatement()) {
                s.execute(ORDERED_RANGES);
            } catch (SQLException e) {
                throw failure("range", e);
            }
            orderedRanges = true;
        }
        List<Object> params = new ArrayList<>();
        String sql = rangeSql(range, atRevision >= revision ? null : atRevision, limit, keysOnly, params);
        try (PreparedStatement ps = bind(sql, params); ResultSet rs = ps.executeQuery()) {
            List<Row> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(readRow(rs, 1));
            }
            return rows;
        } catch (SQLException e) {
            throw failure("range", e);
        }
    }

    /**
     * The range query at the current revision ({@code atRevision} null) or an older one, appending
     * its parameters (package-visible so a test can EXPLAIN exactly what runs).
     */
    static String rangeSql(KeyRange range, Long atRevision, long limit, boolean keysOnly, List<Object> params) {
        String sql;
        if (atRevision == null) {
            // live's primary key gives the keys in order; each joins its row by kv's primary key.
            sql = "SELECT k.key, k.revision, k.create_revision, k.version, k.lease, " + (keysOnly ? "NULL" : "k.value")
                    + " FROM live l JOIN kv k ON k.id = l.kv_id WHERE " + keyCondition(range, "l.key", params)
                    + " ORDER BY l.key LIMIT ?";
        } else {
            // The newest row of each key at or below the revision, from the (key, revision DESC) index.
            sql = "SELECT key, revision, create_revision, version, lease, " + (keysOnly ? "NULL" : "value")
                    + " FROM (SELECT DISTINCT ON (key) " + ROW_COLUMNS + " FROM kv WHERE "
                    + keyCondition(range, "key", params) + " AND revision <= ? ORDER BY key, revision DESC"
                    + ") h WHERE version > 0 ORDER BY key LIMIT ?";
            params.add(atRevision);
        }
        params.add(limit > 0 ? limit : null);
        return sql;
    }

    @Override
    public long count(KeyRange range, long atRevision) {
        flushIfPending(range);
        String sql;
        List<Object> params = new ArrayList<>();
        if (atRevision >= revision) {
            sql = "SELECT count(*) FROM live WHERE " + keyCondition(range, "key", params);
        } else {
            sql = "SELECT count(*) FROM (SELECT DISTINCT ON (key) version FROM kv WHERE "
                    + keyCondition(range, "key", params) + " AND revision <= ? ORDER BY key, revision DESC"
                    + ") h WHERE version > 0";
            params.add(atRevision);
        }
        try (PreparedStatement ps = bind(sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("count", e);
        }
    }

    @Override
    public void history(KeyRange range, long fromRevision, long toRevision, boolean withPrevious,
                        Consumer<HistoryRow> sink) {
        flush();
        List<Object> params = new ArrayList<>();
        params.add(firstId(fromRevision));
        params.add(firstId(toRevision + 1));
        String sql;
        if (withPrevious) {
            sql = "SELECT e.key, e.revision, e.create_revision, e.version, e.lease, e.value,"
                    + " p.key, p.revision, p.create_revision, p.version, p.lease, p.value"
                    + " FROM kv e LEFT JOIN LATERAL (SELECT " + ROW_COLUMNS + " FROM kv x"
                    + " WHERE x.key = e.key AND x.revision < e.revision ORDER BY x.revision DESC LIMIT 1) p ON true"
                    + " WHERE e.id >= ? AND e.id < ? AND " + keyCondition(range, "e.key", params)
                    + " ORDER BY e.id";
        } else {
            sql = "SELECT " + ROW_COLUMNS + " FROM kv WHERE id >= ? AND id < ? AND "
                    + keyCondition(range, "key", params) + " ORDER BY id";
        }
        try (PreparedStatement ps = bind(sql, params)) {
            ps.setFetchSize(FETCH_ROWS);
            try (ResultSet rs = ps.executeQuery()) {
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
            }
        } catch (SQLException e) {
            throw failure("history", e);
        }
    }

    @Override
    public List<byte[]> keysWithLease(long lease) {
        flush();
        try (PreparedStatement ps = conn.prepareStatement("SELECT key FROM live WHERE lease = ? AND lease <> 0 ORDER BY key")) {
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
        try (PreparedStatement ps = conn.prepareStatement("SELECT id, ttl, expires_at FROM lease WHERE id = ?")) {
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
        try (PreparedStatement ps = conn.prepareStatement("SELECT id, ttl, expires_at FROM lease ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
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
        flush();
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + ROW_COLUMNS + " FROM kv WHERE id < ? ORDER BY id")) {
            ps.setLong(1, firstId(maxRevision + 1));
            ps.setFetchSize(FETCH_ROWS);
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

    /** Ids encode (revision, order within the revision): the primary key is the history in write order. */
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
        addRow(nextId(row.modRevision()), row.key(), row.modRevision(), row.createRevision(), row.version(),
                row.lease(), row.value().toByteArray());
    }

    @Override
    public void delete(ByteString key, long atRevision) {
        requireWritable();
        addRow(nextId(atRevision), key, atRevision, 0, 0, 0, null);
    }

    /** Queues a history row plus its effect on live: upsert for a put, removal for a tombstone. */
    private void addRow(long id, ByteString key, long rev, long create, long version, long lease, byte[] value) {
        byte[] k = key.toByteArray();
        try {
            if (pendingRows == null) {
                pendingRows = conn.prepareStatement("WITH h AS (INSERT INTO kv (id, " + ROW_COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?)), d AS (DELETE FROM live WHERE key = ? AND ? = 0)"
                        + " INSERT INTO live (key, kv_id, lease) SELECT ?, ?, ? WHERE ? > 0"
                        + " ON CONFLICT (key) DO UPDATE SET kv_id = excluded.kv_id, lease = excluded.lease");
            }
            PreparedStatement ps = pendingRows;
            ps.setLong(1, id);
            ps.setBytes(2, k);
            ps.setLong(3, rev);
            ps.setLong(4, create);
            ps.setLong(5, version);
            ps.setLong(6, lease);
            ps.setBytes(7, value);
            ps.setBytes(8, k);
            ps.setLong(9, version);
            ps.setBytes(10, k);
            ps.setLong(11, id);
            ps.setLong(12, lease);
            ps.setLong(13, version);
            ps.addBatch();
            pendingKeys.add(key);
        } catch (SQLException e) {
            throw failure("write", e);
        }
    }

    private void flushIfPending(KeyRange range) {
        if (pendingKeys.isEmpty()) {
            return;
        }
        if (range.isSingleKey()) {
            if (pendingKeys.contains(ByteString.copyFrom(range.start()))) {
                flush();
            }
            return;
        }
        for (ByteString key : pendingKeys) {
            if (range.contains(key)) {
                flush();
                return;
            }
        }
    }

    /** Sends the queued rows (pgjdbc pipelines a batch: one round trip). */
    private void flush() {
        if (pendingKeys.isEmpty()) {
            return;
        }
        try {
            pendingRows.executeBatch();
        } catch (SQLException e) {
            SQLException cause = e.getNextException() != null ? e.getNextException() : e;
            throw failure("write", cause);
        } finally {
            pendingKeys.clear();
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
        update("set meta", "INSERT INTO meta (name, value) VALUES (?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value);
    }

    @Override
    public void putLease(LeaseRow lease) {
        requireWritable();
        update("put lease", "INSERT INTO lease (id, ttl, expires_at) VALUES (?, ?, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET ttl = excluded.ttl, expires_at = excluded.expires_at",
                lease.id(), lease.ttlSeconds(), lease.expiresAtMillis());
    }

    @Override
    public void deleteLease(long id) {
        requireWritable();
        update("delete lease", "DELETE FROM lease WHERE id = ?", id);
    }

    @Override
    public long compactWindow(long fromRevision, long toRevision) {
        requireWritable();
        flush();
        long from = firstId(fromRevision + 1);
        long to = firstId(toRevision + 1);
        return update("compact", "DELETE FROM kv WHERE id IN (SELECT p.id FROM kv n"
                        + " JOIN kv p ON p.key = n.key AND p.revision < n.revision WHERE n.id >= ? AND n.id < ?)",
                from, to)
                + update("compact", "DELETE FROM kv WHERE id >= ? AND id < ? AND version = 0", from, to);
    }

    /**
     * Stores the new revision and announces it on the NOTIFY channel (PostgreSQL delivers it when,
     * and only if, the transaction commits, in commit order), then COMMITs.
     */
    @Override
    public void commit() {
        requireWritable();
        flush();
        try {
            if (revisionDirty) {
                try (PreparedStatement ps = conn.prepareStatement(
                        "WITH u AS (UPDATE meta SET value = ? WHERE name = 'revision' RETURNING value)"
                                + " SELECT pg_notify(?, value::text) FROM u")) {
                    ps.setLong(1, revision);
                    ps.setString(2, channel);
                    ps.executeQuery().close();
                }
            }
            conn.commit();
            done = true;
        } catch (SQLException e) {
            throw failure("commit", e);
        }
    }

    @Override
    public void rollback() {
        pendingKeys.clear(); // never sent
        try {
            conn.rollback();
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
                conn.rollback();
            }
        } catch (SQLException ignored) {
            // a broken connection: the pool drops it, the server has rolled back
        } finally {
            done = true;
            try {
                if (pendingRows != null) {
                    pendingRows.close();
                }
                conn.close(); // back to the pool
            } catch (SQLException ignored) {
                // nothing more to do with it
            }
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException("read-only transaction");
        }
    }

    private long update(String what, String sql, Object... params) {
        try (PreparedStatement ps = bind(sql, java.util.Arrays.asList(params))) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private PreparedStatement bind(String sql, List<Object> params) throws SQLException {
        PreparedStatement ps = conn.prepareStatement(sql);
        try {
            for (int i = 0; i < params.size(); i++) {
                switch (params.get(i)) {
                    case null -> ps.setNull(i + 1, Types.BIGINT);
                    case byte[] b -> ps.setBytes(i + 1, b);
                    case String s -> ps.setString(i + 1, s);
                    case Long l -> ps.setLong(i + 1, l);
                    default -> throw new IllegalArgumentException("unexpected parameter " + params.get(i));
                }
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
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

    static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("postgres " + what + " failed: " + e.getMessage(), e);
    }
}
