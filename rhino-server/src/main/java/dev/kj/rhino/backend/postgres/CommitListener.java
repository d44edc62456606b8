package dev.kj.rhino.backend.postgres;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Hears every process's commits: a dedicated connection LISTENs on the channel write transactions
 * {@code pg_notify} their new revision on, and a thread hands each announced revision to the
 * listener. After (re)connecting it reports the revision stored at that moment, so commits made
 * while it was not listening are not missed (the commit feed reads them back from history).
 */
final class CommitListener implements AutoCloseable {
    private static final Logger LOG = System.getLogger(CommitListener.class.getName());
    private static final int POLL_MILLIS = 1_000;
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    /** A quiet connection is checked (and the stored revision re-read) this often. */
    private static final long CHECK_IDLE_NANOS = 30_000_000_000L;

    private final ConnectionFactory connect;
    private final String channel;
    private final LongConsumer listener;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Connection current;

    /** Opens a new, autocommitting connection to the rhino database. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    CommitListener(ConnectionFactory connect, String channel, LongConsumer listener) {
        this.connect = connect;
        this.channel = channel;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("rhino-pg-listen").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long backoff = 100;
        while (!closed) {
            try (Connection c = connect.open()) {
                current = c;
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                // Listening from here on; whatever committed before is covered by this read.
                listener.accept(storedRevision(c));
                backoff = 100;
                long lastHeard = System.nanoTime();
                while (!closed) {
                    PGNotification[] notes = pg.getNotifications(POLL_MILLIS);
                    if (notes == null || notes.length == 0) {
                        if (System.nanoTime() - lastHeard > CHECK_IDLE_NANOS) {
                            // A silently dropped connection would never deliver again; a query notices.
                            listener.accept(storedRevision(c));
                            lastHeard = System.nanoTime();
                        }
                        continue;
                    }
                    lastHeard = System.nanoTime();
                    long newest = 0;
                    for (PGNotification n : notes) {
                        try {
                            newest = Math.max(newest, Long.parseLong(n.getParameter()));
                        } catch (NumberFormatException e) {
                            LOG.log(Level.WARNING, "ignoring notification {0} on {1}", n.getParameter(), channel);
                        }
                    }
                    if (newest > 0) {
                        listener.accept(newest);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "commit notifications interrupted ({0}); reconnecting in {1} ms",
                        e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            } finally {
                current = null;
            }
        }
    }

    private static long storedRevision(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'revision'")) {
            if (!rs.next()) {
                throw new SQLException("no revision stored");
            }
            return rs.getLong(1);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        Connection c = current;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it is going away either way
            }
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
