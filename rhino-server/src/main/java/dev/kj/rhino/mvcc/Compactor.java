package dev.kj.rhino.mvcc;

import dev.kj.rhino.backend.WriteTxn;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Physical compaction in the background: after a logical compaction, removes unreachable history
 * rows window by window, each window its own short write transaction queued behind client writes,
 * so writers are never held for long (kine's slow, blocking compaction is what we avoid).
 */
final class Compactor implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Compactor.class.getName());
    private static final long WINDOW_REVISIONS = 2_000;

    private final Writer writer;
    private final Duration interval;
    private final Thread thread;
    private final List<Waiter> waiters = new ArrayList<>();
    private long done;
    private long target;
    private boolean closed;

    private record Waiter(long revision, CompletableFuture<Void> future) {}

    Compactor(Writer writer, long doneCompacting, Duration interval) {
        this.writer = writer;
        this.done = doneCompacting;
        this.interval = interval;
        this.thread = Thread.ofPlatform().name("rhino-compactor").daemon(true).unstarted(this::run);
    }

    void start(long compactRevision) {
        synchronized (this) {
            target = compactRevision;
        }
        thread.start();
    }

    synchronized void compactTo(long revision) {
        target = Math.max(target, revision);
        notifyAll();
    }

    synchronized CompletableFuture<Void> whenCompacted(long revision) {
        if (done >= revision) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiters.add(new Waiter(revision, f));
        return f;
    }

    private void run() {
        while (true) {
            long from;
            long to;
            synchronized (this) {
                while (!closed && done >= target) {
                    try {
                        wait(interval.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                from = done;
                to = Math.min(target, done + WINDOW_REVISIONS);
            }
            try {
                writer.submitExclusive(backend -> {
                    try (WriteTxn txn = backend.beginWrite()) {
                        txn.compactWindow(from, to);
                        txn.setMeta("compact_done", to);
                        txn.commit();
                    }
                }).join();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "compaction of revisions " + from + ".." + to + " failed; will retry", e);
                sleepQuietly();
                continue;
            }
            synchronized (this) {
                done = to;
                for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                    Waiter w = it.next();
                    if (w.revision() <= done) {
                        w.future().complete(null);
                        it.remove();
                    }
                }
            }
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
            for (Waiter w : waiters) {
                w.future().completeExceptionally(EtcdError.STOPPED.exception());
            }
            waiters.clear();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
