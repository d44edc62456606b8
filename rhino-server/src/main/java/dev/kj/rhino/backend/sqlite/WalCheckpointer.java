package dev.kj.rhino.backend.sqlite;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Copies the WAL back into the database file from its own thread and connection. SQLite's
 * automatic checkpoint would run inside the writer's commit (page copies plus an fsync of the
 * database file) and stall every request of that batch; a PASSIVE checkpoint here never blocks the
 * writer or readers.
 *
 * <p>SQLite rewinds the WAL only when a write begins with every frame already copied, which never
 * happens under sustained writes: the writer begins its next transaction the moment it commits. So
 * the writer asks {@link #walBytes()} between transactions and rewinds it itself past a bound (see
 * {@link SqliteBackend#betweenWrites()}); the file then keeps its size and is overwritten in place,
 * which is much cheaper than growing it (every new page of a growing file is allocated and zeroed).
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(WalCheckpointer.class.getName());
    private static final long INTERVAL_MILLIS = 100;

    /** What {@code PRAGMA wal_checkpoint} reports: frames in the WAL and how many are copied. */
    record Result(boolean busy, long walFrames, long copiedFrames) {
        boolean complete() {
            return !busy && walFrames == copiedFrames;
        }
    }

    private final Connection connection;
    private final Path wal;
    private final Thread thread;
    private volatile long walBytes;
    /** Frames the last pass found in the WAL, all copied when the pass was complete (for the writer's log). */
    private volatile long lastCopiedFrames;
    private volatile boolean closed;

    WalCheckpointer(Connection connection, Path databaseFile) {
        this.connection = connection;
        this.wal = databaseFile.resolveSibling(databaseFile.getFileName() + "-wal");
        this.thread = Thread.ofPlatform().name("rhino-sqlite-checkpoint").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Bytes of WAL in use at the last checkpoint (not the file's size, which a rewind keeps). */
    long walBytes() {
        return walBytes;
    }

    /** After the writer rewound the WAL. */
    void rewound() {
        walBytes = 0;
        lastCopiedFrames = 0;
    }

    /** Frames copied by the last pass, or 0 after a rewind. */
    long lastCopiedFrames() {
        return lastCopiedFrames;
    }

    private void run() {
        long frameBytes = 0;
        while (!closed) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
                if (frameBytes == 0) {
                    frameBytes = frameBytes();
                }
                Result r = checkpoint(connection, "PASSIVE");
                walBytes = r.walFrames() * frameBytes;
                lastCopiedFrames = r.busy() ? lastCopiedFrames : r.copiedFrames();
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "WAL checkpoint failed: " + e.getMessage());
                }
            }
        }
    }

    private long frameBytes() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA page_size")) {
            rs.next();
            return rs.getLong(1) + WAL_FRAME_HEADER_BYTES;
        }
    }

    private static final int WAL_FRAME_HEADER_BYTES = 24;

    static Result checkpoint(Connection c, String mode) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            rs.next();
            return new Result(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
        }
    }

    /** The WAL file's size (for tests: a rewound WAL keeps it). */
    long walFileBytes() {
        try {
            return Files.size(wal);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Stops the thread; a final TRUNCATE checkpoint leaves the data in the database file alone. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            checkpoint(connection, "TRUNCATE");
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "final WAL checkpoint failed: " + e.getMessage());
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
