package dev.kj.rhino.backend.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongConsumer;

/**
 * Rhino's rows in PostgreSQL, shared by any number of rhino processes. The tables live in the schema
 * {@value #SCHEMA} of the endpoint's database (created, with the database, on first start):
 * {@code kv} holds every revision of every key (id = (revision << 24) | order within the revision,
 * so the primary key is the history in write order; a unique (key, revision DESC) index serves
 * historical reads and previous rows), {@code live} maps each existing key to its newest row (reads
 * at the current revision are one primary-key range scan), {@code lease}, {@code record} and
 * {@code meta} (revision counters, ids, schema version). Keys are bytea, which PostgreSQL orders
 * bytewise, as etcd does.
 *
 * <p>Writers of every process serialize on the {@code meta} revision row ({@code SELECT ... FOR UPDATE}
 * in {@link #beginWrite()}), so commit order is revision order with no gaps. A commit is a real
 * COMMIT, as durable as the server's {@code synchronous_commit} makes it (on by default: the WAL is
 * flushed before COMMIT returns; with {@code off} a server crash can lose acknowledged writes).
 * Each commit {@code pg_notify}s its revision; {@link #listen} hears them (see {@link CommitListener}).
 *
 * <p>Reads are REPEATABLE READ, read-only transactions from a pool: each one a consistent snapshot.
 *
 * <p>Limit: PostgreSQL's B-trees take index entries up to 2,704 bytes (after compression), so a key
 * longer than that (etcd would take it) fails its write with INTERNAL, together with the rest of
 * the group commit it was batched with. Kubernetes keys stay far below.
 */
public final class PostgresBackend implements Backend {
    /** Leaves room below PostgreSQL's B-tree entry limit (~2,704 bytes) for the revision and headers. */
    static final int MAX_KEY_BYTES = 2_600;

    static final String SCHEMA = "rhino";
    /**
     * NOTIFY channels are per database, and each database has one rhino schema, so a fixed name
     * already tells this database's rhino processes apart from any other database's.
     */
    static final String CHANNEL = "rhino_revision";
    static final long SCHEMA_VERSION = 1;
    private static final int READERS = 8;
    /** The writer thread plus defragment / schema work. */
    private static final int WRITERS = 2;
    /** Serializes first-start schema creation across processes (an arbitrary, fixed key). */
    private static final long SCHEMA_LOCK = 0x72686E6F_73636831L;

    /** HikariCP announces every pool start and stop at INFO; rhino logs its own start line. */
    private static final java.util.logging.Logger HIKARI_LOG = quiet("com.zaxxer.hikari");

    private final PostgresEndpoint endpoint;
    private final HikariDataSource readers;
    private final HikariDataSource writers;
    private CommitListener listener;
    private volatile boolean closed;

    private PostgresBackend(PostgresEndpoint endpoint, HikariDataSource readers, HikariDataSource writers) {
        this.endpoint = endpoint;
        this.readers = readers;
        this.writers = writers;
    }

    /**
     * Connects to {@code postgres://...}, creating the database (when missing and the user may) and
     * rhino's schema (on first start). Problems come back as one-line exceptions: a bad endpoint as
     * {@link IllegalArgumentException}, an unreachable server, refused credentials or a database
     * that cannot be created as {@link IllegalStateException}.
     */
    public static PostgresBackend open(String url) {
        PostgresEndpoint endpoint = PostgresEndpoint.parse(url);
        try (Connection c = connectCreatingDatabase(endpoint)) {
            createSchema(c, endpoint);
        } catch (SQLException e) {
            throw explain(endpoint, e);
        }
        HikariDataSource readers = null;
        try {
            readers = pool(endpoint, "rhino-pg-read", READERS, true);
            HikariDataSource writers = pool(endpoint, "rhino-pg-write", WRITERS, false);
            return new PostgresBackend(endpoint, readers, writers);
        } catch (RuntimeException e) {
            if (readers != null) {
                readers.close();
            }
            Throwable cause = e.getCause() instanceof SQLException sql ? sql : e;
            throw cause instanceof SQLException sql ? explain(endpoint, sql)
                    : new IllegalStateException("cannot connect to PostgreSQL " + endpoint + ": " + e.getMessage(), e);
        }
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        if (logger.getLevel() == null) { // unless logging.properties chose a level
            logger.setLevel(java.util.logging.Level.WARNING);
        }
        return logger;
    }

    private static HikariDataSource pool(PostgresEndpoint endpoint, String name, int size, boolean reads) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(endpoint.jdbcUrl(endpoint.database()));
        sessionProperties(endpoint).forEach((k, v) -> config.addDataSourceProperty((String) k, v));
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setAutoCommit(false);
        config.setConnectionTimeout(10_000);
        if (reads) {
            // Each read transaction is one snapshot; READ ONLY lets the server skip write bookkeeping.
            config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
            config.setReadOnly(true);
        } else {
            // Writers serialize on the revision row lock; after it, each statement sees every
            // commit made before the lock was granted.
            config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        }
        return new HikariDataSource(config);
    }

    /** The endpoint's properties plus rhino's schema as the search path. */
    private static Properties sessionProperties(PostgresEndpoint endpoint) {
        Properties p = endpoint.properties();
        p.setProperty("currentSchema", SCHEMA);
        p.putIfAbsent("tcpKeepAlive", "true");
        return p;
    }

    private static Connection connect(PostgresEndpoint endpoint, String database) throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(database), sessionProperties(endpoint));
    }

    private static Connection connectCreatingDatabase(PostgresEndpoint endpoint) throws SQLException {
        try {
            return connect(endpoint, endpoint.database());
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) { // invalid_catalog_name: no such database
                throw e;
            }
        }
        try (Connection admin = connect(endpoint, "postgres"); Statement s = admin.createStatement()) {
            s.executeUpdate("CREATE DATABASE \"" + endpoint.database().replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            // Another process created it first: fine.
            if (!state.equals("42P04") && !state.equals("23505")) {
                throw new IllegalStateException("PostgreSQL database \"" + endpoint.database() + "\" does not exist"
                        + " and could not be created as user " + endpoint.user() + " at " + endpoint.host() + ":"
                        + endpoint.port() + ": " + e.getMessage(), e);
            }
        }
        return connect(endpoint, endpoint.database());
    }

    private static void createSchema(Connection c, PostgresEndpoint endpoint) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // DDL is transactional in PostgreSQL; the lock keeps two first starts from racing.
            s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
            s.executeUpdate("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            s.executeUpdate("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".meta ("
                    + " name  text COLLATE \"C\" PRIMARY KEY,"
                    + " value bigint NOT NULL)");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".kv ("
                    + " id              bigint PRIMARY KEY," // (revision << 24) | order within it
                    + " key             bytea NOT NULL,"
                    + " revision        bigint NOT NULL,"
                    + " create_revision bigint NOT NULL,"
                    + " version         bigint NOT NULL,"
                    + " lease           bigint NOT NULL,"
                    + " value           bytea)");
            // DESC: the newest row of a key at or below a revision is the first index entry.
            s.executeUpdate("CREATE UNIQUE INDEX IF NOT EXISTS kv_key_revision ON " + SCHEMA + ".kv (key, revision DESC)");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".live ("
                    + " key   bytea PRIMARY KEY,"
                    + " kv_id bigint NOT NULL,"
                    + " lease bigint NOT NULL)");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS live_lease ON " + SCHEMA + ".live (lease) WHERE lease <> 0");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".lease ("
                    + " id         bigint PRIMARY KEY,"
                    + " ttl        bigint NOT NULL,"
                    + " expires_at bigint NOT NULL)");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".record ("
                    + " bucket text COLLATE \"C\" NOT NULL,"
                    + " name   text COLLATE \"C\" NOT NULL,"
                    + " value  bytea NOT NULL,"
                    + " PRIMARY KEY (bucket, name))");
            // A fresh store is at revision 1 with no keys, as etcd is.
            s.executeUpdate("INSERT INTO " + SCHEMA + ".meta (name, value) VALUES ('revision', 1),"
                    + " ('compact_revision', 0), ('schema_version', " + SCHEMA_VERSION + ") ON CONFLICT (name) DO NOTHING");
            try (ResultSet rs = s.executeQuery("SELECT value FROM " + SCHEMA + ".meta WHERE name = 'schema_version'")) {
                rs.next();
                long stored = rs.getLong(1);
                if (stored > SCHEMA_VERSION) {
                    throw new IllegalStateException("PostgreSQL database " + endpoint + " holds rhino schema version "
                            + stored + "; this rhino knows up to " + SCHEMA_VERSION + " (upgrade rhino)");
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    /** One line saying what went wrong, in words a user can act on. */
    private static IllegalStateException explain(PostgresEndpoint endpoint, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = endpoint.host() + ":" + endpoint.port();
        String detail = e.getMessage();
        if (state.startsWith("28")) { // invalid authorization / password
            return new IllegalStateException("PostgreSQL at " + where + " refused user " + endpoint.user()
                    + ": " + detail, e);
        }
        if (hasCause(e, UnknownHostException.class)) {
            return new IllegalStateException("cannot reach PostgreSQL at " + where + ": unknown host " + endpoint.host(), e);
        }
        if (state.startsWith("08") || hasCause(e, ConnectException.class)) {
            return new IllegalStateException("cannot reach PostgreSQL at " + where + ": " + detail, e);
        }
        if (state.equals("3D000")) {
            return new IllegalStateException("PostgreSQL database \"" + endpoint.database() + "\" does not exist: "
                    + detail, e);
        }
        if (state.equals("42501")) {
            return new IllegalStateException("user " + endpoint.user() + " may not create rhino's tables in "
                    + endpoint + ": " + detail, e);
        }
        return new IllegalStateException("PostgreSQL " + endpoint + ": " + detail, e);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null && c != c.getCause(); c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ReadTxn beginRead() {
        return begin(readers, false);
    }

    /** Blocks until every other process's write transaction on this database has ended. */
    @Override
    public WriteTxn beginWrite() {
        return begin(writers, true);
    }

    private PostgresTxn begin(HikariDataSource pool, boolean write) {
        ensureOpen();
        Connection c;
        try {
            c = pool.getConnection();
        } catch (SQLException e) {
            throw PostgresTxn.failure("connect", e);
        }
        return new PostgresTxn(c, write, CHANNEL);
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public synchronized void listen(LongConsumer committedRevision) {
        ensureOpen();
        if (listener != null) {
            throw new IllegalStateException("listen called twice");
        }
        listener = new CommitListener(() -> {
            Connection c = connect(endpoint, endpoint.database());
            c.setAutoCommit(true);
            return c;
        }, CHANNEL, committedRevision);
        listener.start();
    }

    /** Bytes of rhino's tables, their indexes and TOAST data. */
    @Override
    public long sizeBytes() {
        return queryLong("size", "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '" + SCHEMA + "' AND c.relkind = 'r'");
    }

    /**
     * An estimate from the statistics collector: each table's size scaled by its share of live
     * tuples (dead tuples left by compaction are what VACUUM reclaims).
     */
    @Override
    public long sizeInUseBytes() {
        return queryLong("size in use", "SELECT coalesce(sum(pg_total_relation_size(c.oid) * CASE"
                + " WHEN coalesce(s.n_live_tup + s.n_dead_tup, 0) = 0 THEN 1"
                + " ELSE s.n_live_tup::float8 / (s.n_live_tup + s.n_dead_tup) END), 0)::bigint"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
                + " WHERE n.nspname = '" + SCHEMA + "' AND c.relkind = 'r'");
    }

    private long queryLong(String what, String sql) {
        ensureOpen();
        try (Connection c = readers.getConnection()) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw PostgresTxn.failure(what, e);
        }
    }

    /**
     * A plain VACUUM (with ANALYZE) of rhino's tables: space of compacted rows becomes reusable and
     * empty pages at a table's end go back to the file system. Not VACUUM FULL, whose exclusive
     * locks would stall every rhino process on the database for the whole rewrite.
     */
    @Override
    public void defragment() {
        ensureOpen();
        try (Connection c = writers.getConnection()) {
            c.setAutoCommit(true); // VACUUM cannot run inside a transaction
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM (ANALYZE) kv, live, lease, meta, record");
            }
        } catch (SQLException e) {
            throw PostgresTxn.failure("defragment", e);
        }
    }

    /**
     * Copies one REPEATABLE READ snapshot (every stored row, lease, record and meta value) into a
     * scratch SQLite database and streams that in the SQLite backend's snapshot format, so
     * {@code kj rhino --restore} (and {@code etcdctl snapshot save}'s hash check) accept it.
     */
    @Override
    public void snapshot(OutputStream out) {
        ensureOpen();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rhino-pg-snapshot-");
            try (SqliteBackend copy = SqliteBackend.open(dir.resolve("snapshot.db"))) {
                try (PostgresTxn source = begin(readers, false); WriteTxn target = copy.beginWrite()) {
                    source.scanRows(source.revision(), row -> {
                        if (row.isTombstone()) {
                            target.delete(row.key(), row.modRevision());
                        } else {
                            target.put(row);
                        }
                    });
                    for (ReadTxn.LeaseRow lease : source.leases()) {
                        target.putLease(lease);
                    }
                    for (Map.Entry<String, Map<String, byte[]>> bucket : source.allRecords().entrySet()) {
                        bucket.getValue().forEach((name, value) -> target.putRecord(bucket.getKey(), name, value));
                    }
                    for (Map.Entry<String, Long> meta : source.allMeta().entrySet()) {
                        switch (meta.getKey()) {
                            case "revision" -> target.setRevision(meta.getValue());
                            case "compact_revision" -> target.setCompactRevision(meta.getValue());
                            case "schema_version" -> { } // the copy has SQLite's own
                            default -> target.setMeta(meta.getKey(), meta.getValue());
                        }
                    }
                    target.commit();
                }
                copy.snapshot(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot failed", e);
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover scratch file in the temp dir is harmless
        }
    }

    /**
     * A B-tree entry holds at most about 2,700 bytes, and {@code kv}'s (key, revision) index holds
     * the key; a longer key that does not compress would fail inside the write transaction and take
     * its whole group commit with it, so such keys are refused up front.
     */
    @Override
    public int maxKeyBytes() {
        return MAX_KEY_BYTES;
    }

    @Override
    public String describe() {
        return "postgres " + endpoint;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backend closed");
        }
    }

    @Override
    public void close() {
        CommitListener l;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            l = listener;
        }
        if (l != null) {
            l.close();
        }
        writers.close();
        readers.close();
    }

    /**
     * For tests (EXPLAIN output): runs {@code sql} on a read connection, in a transaction set up as a
     * range read's is, and returns each row's first column.
     */
    java.util.List<String> queryStrings(String sql, Object... params) {
        return queryStrings(java.util.List.of(PostgresTxn.ORDERED_RANGES), sql, params);
    }

    /** As {@link #queryStrings(String, Object...)}, after the given SET LOCAL statements instead. */
    java.util.List<String> queryStrings(java.util.List<String> settings, String sql, Object... params) {
        try (Connection c = readers.getConnection()) {
            try (Statement s = c.createStatement()) {
                for (String setting : settings) {
                    s.execute(setting);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    if (params[i] == null) {
                        ps.setNull(i + 1, java.sql.Types.BIGINT);
                    } else {
                        ps.setObject(i + 1, params[i]);
                    }
                }
                java.util.List<String> lines = new java.util.ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lines.add(rs.getString(1));
                    }
                }
                return lines;
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw PostgresTxn.failure("query", e);
        }
    }
}
