package dev.kj.rhino.mvcc;

import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.api.mvccpb.KeyValue;
import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.watch.WatchHub;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Hands committed revisions to the watch hub strictly in order and without gaps. This process's own
 * batches arrive with their events; on a shared backend, revisions other processes committed are
 * announced by {@link Backend#listen} and read back from history before anything newer is passed on.
 */
final class CommitFeed implements Writer.Publisher {
    private static final Logger LOG = System.getLogger(CommitFeed.class.getName());
    /** Everything from the empty key on. */
    private static final KeyRange ALL_KEYS = KeyRange.of(new byte[] {0}, new byte[] {0});

    private final Backend backend;
    private final WatchHub hub;
    private final LongConsumer onCompactRevision;
    private final Object lock = new Object();
    /** Newest revision the hub has been given. */
    private long published;
    /** Between the writer's {@link #committing()} and {@link #commitEnded()}. */
    private boolean localCommitInFlight;

    CommitFeed(Backend backend, WatchHub hub, long startRevision, LongConsumer onCompactRevision) {
        this.backend = backend;
        this.hub = hub;
        this.published = startRevision;
        this.onCompactRevision = onCompactRevision;
    }

    @Override
    public void publish(long baseRevision, List<RevisionEvents> committed, long currentRevision) {
        synchronized (lock) {
            if (currentRevision <= published) {
                return; // already read back from history after another process's notification
            }
            if (baseRevision > published) {
                readBack(baseRevision);
            }
            hub.publish(committed, currentRevision);
            published = currentRevision;
        }
    }

    @Override
    public void committing() {
        synchronized (lock) {
            localCommitInFlight = true;
        }
    }

    @Override
    public void commitEnded() {
        synchronized (lock) {
            localCommitInFlight = false;
            lock.notifyAll();
        }
    }

    /**
     * Another process (or this one) committed up to {@code revision}. While this process's own commit
     * is in flight the notice is most likely about it, and the writer is about to publish it with the
     * events in hand; reading it back from history (a large DeleteRange: every row with its previous
     * value) would only duplicate that, so wait for the writer first.
     */
    void committedElsewhere(long revision) {
        synchronized (lock) {
            while (localCommitInFlight) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (revision > published) {
                readBack(revision);
            }
        }
    }

    long published() {
        synchronized (lock) {
            return published;
        }
    }

    /** Publishes (published, to] from stored history. */
    private void readBack(long to) {
        List<RevisionEvents> revisions = new ArrayList<>();
        long compacted;
        try (ReadTxn txn = backend.beginRead()) {
            compacted = txn.compactRevision();
            List<Event> events = new ArrayList<>();
            long[] current = {published + 1};
            txn.history(ALL_KEYS, published + 1, to, true, h -> {
                long rev = h.row().modRevision();
                if (rev != current[0] && !events.isEmpty()) {
                    revisions.add(new RevisionEvents(current[0], events));
                    events.clear();
                }
                current[0] = rev;
                events.add(toEvent(h));
            });
            if (!events.isEmpty()) {
                revisions.add(new RevisionEvents(current[0], events));
            }
        }
        if (compacted > published + 1) {
            // Rows of revisions this process never saw may be gone; watchers that needed them are
            // canceled by the hub's compaction check rather than silently skipped.
            LOG.log(Level.WARNING, "watch feed fell behind compaction: published {0}, compacted {1}",
                    published, compacted);
        }
        onCompactRevision.accept(compacted);
        hub.publish(revisions, to);
        published = to;
    }

    private static Event toEvent(ReadTxn.HistoryRow h) {
        Event.Builder e = Event.newBuilder();
        if (h.row().isTombstone()) {
            e.setType(Event.EventType.DELETE)
                    .setKv(KeyValue.newBuilder().setKey(h.row().key()).setModRevision(h.row().modRevision()));
        } else {
            e.setType(Event.EventType.PUT).setKv(h.row().toKeyValue());
        }
        if (h.previous() != null) {
            e.setPrevKv(h.previous().toKeyValue());
        }
        return e.build();
    }
}
