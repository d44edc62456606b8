package dev.kj.rhino.backend.sqlite;

import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.WriteTxn;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.sqlite.SQLiteConfig;

/**
 * The embedded backend: one SQLite file in WAL mode. One connection writes (the store's single
 * writer thread); a small pool of connections reads, each read transaction a WAL snapshot.
 *
 * <p>Tables: see {@link SqliteSchema}; {@code meta} holds the revision counters.
 */
public final class SqliteBackend implements Backend {
    private static final Logger LOG = System.getLogger(SqliteBackend.class.getName());
    private static final int READERS = 4;
    private static final int SNAPSHOT_HASH_BYTES = 32;

    private final Path file;
    private final SqliteConn writer;
    private final BlockingQueue<SqliteConn> readers;
    private final WalCheckpointer checkpointer;
    private final long walRewindBytes;
    /** The writer's next rewind attempt waits until the WAL holds this much (see betweenWrites). */
    private long nextRewindBytes;
    private volatile boolean closed;

    /** How much of the database file each connection maps (PRAGMA mmap_size). */
    static final long MMAP_BYTES = 1L << 30;

    /** Past this much WAL the writer rewinds it (it then stays about this size on disk). */
    static final long WAL_REWIND_BYTES = 32L << 20;

    private SqliteBackend(Path file, SqliteConn writer, BlockingQueue<SqliteConn> readers, WalCheckpointer checkpointer,
                          long walRewindBytes) {
        this.file = file;
        this.writer = writer;
        this.readers = readers;
        this.checkpointer = checkpointer;
        this.walRewindBytes = walRewindBytes;
        this.nextRewindBytes = walRewindBytes;
    }

    /** Opens (creating if needed) the database file. */
    public static SqliteBackend open(Path file) {
        return open(file, WAL_REWIND_BYTES);
    }

    static SqliteBackend open(Path file, long walRewindBytes) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // IMMEDIATE: the writer takes the write lock when it begins (waiting out a checkpoint
            // through the busy timeout) instead of failing on upgrade with "database is locked".
            SqliteConn writer = new SqliteConn(connect(file, SQLiteConfig.TransactionMode.IMMEDIATE));
            try {
                SqliteSchema.ensure(writer.connection());
            } catch (SQLException | RuntimeException e) {
                writer.close();
                throw e;
            }
            BlockingQueue<SqliteConn> readers = new ArrayBlockingQueue<>(READERS);
            for (int i = 0; i < READERS; i++) {
                Connection c = connect(file, SQLiteConfig.TransactionMode.DEFERRED);
                c.setAutoCommit(false);
                readers.add(new SqliteConn(c));
            }
            try (Statement s = writer.connection().createStatement()) {
                s.execute("PRAGMA wal_autocheckpoint=0"); // the checkpointer thread does it
            }
            writer.connection().setAutoCommit(false);
            WalCheckpointer checkpointer = new WalCheckpointer(connect(file), file.toAbsolutePath());
            checkpointer.start();
            return new SqliteBackend(file, writer, readers, checkpointer, walRewindBytes);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open SQLite database " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create directory for " + file, e);
        }
    }

    private static Connection connect(Path file) throws SQLException {
        return connect(file, SQLiteConfig.TransactionMode.DEFERRED);
    }

    private static Connection connect(Path file, SQLiteConfig.TransactionMode mode) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: a commit is on disk (WAL fsync) before we acknowledge it.
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(60_000);
        config.setTransactionMode(mode);
        config.setCacheSize(-16_384);
        // Reads of database pages (a put's walk down `latest`, ranges) come from the mapping instead
        // of a pread copy each; writes still go through the WAL. ~15 % less CPU per write at check
        // perf --load=l (docs/benchmarks.md). Address space only: pages stay in the OS's cache.
        config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(MMAP_BYTES));
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        // Ids are computed, never read back; skip the driver's extra last_insert_rowid() query.
        config.setGetGeneratedKeys(false);
        return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    @Override
    public ReadTxn beginRead() {
        ensureOpen();
        SqliteConn conn;
        try {
            conn = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a read connection", e);
        }
        return new SqliteTxn(conn, () -> readers.add(conn), false);
    }

    @Override
    public WriteTxn beginWrite() {
        ensureOpen();
        return new SqliteTxn(writer, () -> {}, true);
    }

    @Override
    public long sizeBytes() {
        return pragmaProduct("page_count");
    }

    @Override
    public long sizeInUseBytes() {
        return pragmaProduct("page_count") - pragmaProduct("freelist_count");
    }

    private long pragmaProduct(String pragma) {
        try (SqliteTxn txn = (SqliteTxn) beginRead()) {
            return txn.pragmaLong(pragma) * txn.pragmaLong("page_size");
        }
    }

    /**
     * Rewinds the WAL once it holds {@link #walRewindBytes}: ends the writer's idle transaction (the
     * driver begins the next one right after each commit, so the WAL is never found fully copied at
     * a write's start), copies the frames the checkpointer has not yet copied, and begins again; the
     * next write then starts the WAL over from its beginning. The writer pauses for that last copy
     * only, a few pages since the checkpointer's last pass. A reader holding an old snapshot can keep
     * the copy from finishing; then the next attempt waits until the WAL has grown by another bound.
     */
    @Override
    public void betweenWrites() {
        long walBytes = checkpointer.walBytes();
        if (walBytes < nextRewindBytes) {
            return;
        }
        Connection c = writer.connection();
        try {
            long copiedBefore = checkpointer.lastCopiedFrames();
            long start = System.nanoTime();
            c.setAutoCommit(true);
            WalCheckpointer.Result r;
            try {
                r = WalCheckpointer.checkpoint(c, "PASSIVE");
            } finally {
                c.setAutoCommit(false);
            }
            if (LOG.isLoggable(Level.DEBUG)) {
                LOG.log(Level.DEBUG, String.format("WAL rewind stall %.1f ms: %d frames in the WAL, %d copied by the"
                        + " writer (checkpointer had %d), complete=%b", (System.nanoTime() - start) / 1e6,
                        r.walFrames(), r.copiedFrames() - copiedBefore, copiedBefore, r.complete()));
            }
            if (r.complete()) {
                checkpointer.rewound();
                nextRewindBytes = walRewindBytes;
            } else {
                nextRewindBytes = walBytes + walRewindBytes;
            }
        } catch (SQLException e) {
            nextRewindBytes = walBytes + walRewindBytes;
            throw new IllegalStateException("WAL rewind failed: " + e.getMessage(), e);
        }
    }

    long walFileBytes() {
        return checkpointer.walFileBytes();
    }

    /** Must be called from the writer thread, outside a write transaction. */
    @Override
    public void defragment() {
        ensureOpen();
        try {
            writer.closeStatements();
            Connection c = writer.connection();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("VACUUM");
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } finally {
                c.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("defragment failed: " + e.getMessage(), e);
        }
    }

    /**
     * Streams a consistent copy of the database followed by its SHA-256, the layout etcd uses for
     * snapshots (etcdctl checks the trailing hash on restore).
     */
    @Override
    public void snapshot(OutputStream out) {
        ensureOpen();
        Path copy = null;
        try {
            copy = Files.createTempFile(file.toAbsolutePath().getParent(), "snapshot-", ".db");
            Files.delete(copy);
            // VACUUM INTO copies one read snapshot; it needs a connection outside any transaction.
            try (Connection c = connect(file); Statement s = c.createStatement()) {
                s.execute("VACUUM INTO '" + copy.toAbsolutePath().toString().replace("'", "''") + "'");
            } catch (SQLException e) {
                throw new IllegalStateException("snapshot failed: " + e.getMessage(), e);
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = Files.newInputStream(copy)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    sha.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
            out.write(sha.digest());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot failed", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /**
     * Restores a snapshot written by {@link #snapshot} into {@code dbFile}, verifying its trailing
     * SHA-256. Refuses to overwrite an existing database.
     */
    public static void restore(Path snapshotFile, Path dbFile) throws IOException {
        if (Files.exists(dbFile)) {
            throw new IOException("refusing to restore: " + dbFile + " already exists");
        }
        byte[] all = Files.readAllBytes(snapshotFile);
        if (all.length <= SNAPSHOT_HASH_BYTES) {
            throw new IOException(snapshotFile + " is not a rhino snapshot (too short)");
        }
        int dataLength = all.length - SNAPSHOT_HASH_BYTES;
        byte[] expected = Arrays.copyOfRange(all, dataLength, all.length);
        byte[] actual;
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(all, 0, dataLength);
            actual = sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new IOException(snapshotFile + ": snapshot hash mismatch (corrupt or not a rhino snapshot)");
        }
        if (!new String(all, 0, Math.min(15, dataLength), java.nio.charset.StandardCharsets.US_ASCII)
                .equals("SQLite format 3")) {
            throw new IOException(snapshotFile + " is not a rhino snapshot (not an SQLite database)");
        }
        Path parent = dbFile.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "restore-", ".db");
        Files.write(tmp, Arrays.copyOf(all, dataLength));
        Files.move(tmp, dbFile, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String describe() {
        return "sqlite " + file.toAbsolutePath();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backend closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.close();
        checkpointer.close();
        for (SqliteConn r : readers) {
            r.close();
        }
    }
}
