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
 * writer or readers, and SQLite restarts the WAL from its beginning once everything in it is copied.
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(WalCheckpointer.class.getName());
    private static final long INTERVAL_MILLIS = 250;
    /**
     * Under sustained writes a PASSIVE checkpoint may never find the WAL fully copied at the moment a
     * write begins, which is when SQLite rewinds it; past this size we wait for a moment of quiet
     * (TRUNCATE) so the file cannot grow without bound.
     */
    private static final long MAX_WAL_BYTES = 64L << 20;

    private final Connection connection;
    private final Path wal;
    private final Thread thread;
    private volatile boolean closed;

    WalCheckpointer(Connection connection, Path databaseFile) {
        this.connection = connection;
        this.wal = databaseFile.resolveSibling(databaseFile.getFileName() + "-wal");
        this.thread = Thread.ofPlatform().name("rhino-sqlite-checkpoint").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
                checkpoint(walBytes() > MAX_WAL_BYTES ? "TRUNCATE" : "PASSIVE");
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "WAL checkpoint failed: " + e.getMessage());
                }
            }
        }
    }

    private long walBytes() {
        try {
            return Files.size(wal);
        } catch (IOException e) {
            return 0; // no WAL file (yet): nothing to bound
        }
    }

    private void checkpoint(String mode) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            rs.next();
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
            checkpoint("TRUNCATE");
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
