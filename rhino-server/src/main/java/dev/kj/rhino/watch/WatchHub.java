package dev.kj.rhino.watch;

import dev.kj.rhino.api.etcdserverpb.ResponseHeader;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.mvcc.RevisionEvents;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Fans committed revisions out to watchers, in the shape of etcd's watchable store: synced
 * watchers receive each revision from the writer as it commits; a watcher that starts in the past,
 * or whose stream cannot keep up, becomes unsynced and a catch-up task replays history from the
 * backend until it is current again. No event is ever skipped: a watcher is either fed live,
 * caught up from history, or canceled with a reason (compaction) the client sees.
 *
 * <p>Lock order: hub lock, then a stream's queue lock. The writer thread only takes the hub lock
 * and never blocks on a slow client.
 */
public final class WatchHub implements AutoCloseable {
    private static final Logger LOG = System.getLogger(WatchHub.class.getName());
    /** Revisions replayed per history read during catch-up (etcd's watchBatchMaxRevs is 1000). */
    private static final long CATCH_UP_REVISIONS = 1000;

    private final MvccStore store;
    private final Duration progressInterval;
    private final Object lock = new Object();
    private final Set<Watcher> synced = new HashSet<>();
    private final Set<WatchStream> streams = ConcurrentHashMap.newKeySet();
    private final ExecutorService catchUp = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread progressTicker;
    private long publishedRevision;
    private volatile boolean closed;

    public WatchHub(MvccStore store, Duration progressInterval) {
        this.store = store;
        this.progressInterval = progressInterval;
        this.progressTicker = Thread.ofPlatform().name("rhino-watch-progress").daemon(true)
                .unstarted(this::progressLoop);
    }

    public void start() {
        synchronized (lock) {
            publishedRevision = store.currentRevision();
        }
        progressTicker.start();
    }

    /** Opens a watch stream (one gRPC Watch call); responses go to {@code sink} on one thread. */
    public WatchStream openStream(WatchSink sink) {
        if (closed) {
            throw dev.kj.rhino.mvcc.EtcdError.STOPPED.exception();
        }
        WatchStream stream = new WatchStream(this, sink);
        streams.add(stream);
        stream.start();
        return stream;
    }

    /** Called by the writer after each durable commit, in revision order. */
    public void publish(List<RevisionEvents> committed, long currentRevision) {
        synchronized (lock) {
            for (RevisionEvents revision : committed) {
                List<Watcher> demoted = null;
                for (Watcher w : synced) {
                    List<Event> events = null;
                    for (Event e : revision.events()) {
                        Event seen = w.view(e);
                        if (seen != null) {
                            if (events == null) {
                                events = new ArrayList<>();
                            }
                            events.add(seen);
                        }
                    }
                    if (events == null) {
                        continue;
                    }
                    // Previous values this revision's events lack, or a slow client: replay from
                    // history instead of sending less or dropping anything.
                    boolean needsHistory = revision.previousOmitted() && w.prevKv;
                    if (needsHistory || !w.stream.offerEvents(w, revision.revision(), events)) {
                        if (demoted == null) {
                            demoted = new ArrayList<>();
                        }
                        demoted.add(w);
                        w.nextRevision = revision.revision();
                    }
                }
                if (demoted != null) {
                    for (Watcher w : demoted) {
                        synced.remove(w);
                        w.state = Watcher.State.UNSYNCED;
                        scheduleCatchUp(w);
                    }
                }
            }
            publishedRevision = currentRevision;
        }
    }

    long publishedRevision() {
        synchronized (lock) {
            return publishedRevision;
        }
    }

    ResponseHeader header(long revision) {
        return store.header(revision);
    }

    /**
     * Registers a watcher; it starts synced when it asks for no history. {@code created} runs under
     * the hub lock with the current revision, so the created response is queued before any event.
     */
    void register(Watcher w, long startRevision, java.util.function.LongConsumer created) {
        synchronized (lock) {
            long current = publishedRevision;
            created.accept(current);
            if (startRevision <= 0 || startRevision > current) {
                // From now (or a future revision, which simply waits): live delivery filters older events.
                w.nextRevision = startRevision <= 0 ? current + 1 : startRevision;
                if (startRevision > current + 1) {
                    // Future start: history catch-up waits for the revision to exist.
                    w.state = Watcher.State.UNSYNCED;
                    scheduleCatchUp(w);
                } else {
                    w.state = Watcher.State.SYNCED;
                    synced.add(w);
                }
            } else {
                w.nextRevision = startRevision;
                w.state = Watcher.State.UNSYNCED;
                scheduleCatchUp(w);
            }
        }
    }

    void unregister(Watcher w) {
        synchronized (lock) {
            w.state = Watcher.State.CANCELED;
            synced.remove(w);
        }
    }

    void streamClosed(WatchStream stream) {
        streams.remove(stream);
    }

    /**
     * Answers a progress request: immediately when every watcher of the stream is synced, otherwise
     * as soon as the last one catches up. Runs under the hub lock so the revision it reports is not
     * older than any event already queued.
     */
    void requestProgress(WatchStream stream) {
        synchronized (lock) {
            if (stream.allSynced()) {
                stream.offerProgress(-1, publishedRevision);
            } else {
                stream.progressPending = true;
            }
        }
    }

    private void scheduleCatchUp(Watcher w) {
        if (closed) {
            return;
        }
        catchUp.execute(() -> {
            try {
                catchUp(w);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "watch catch-up failed; canceling watch " + w.id, e);
                w.stream.cancelWithReason(w, "etcdserver: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void catchUp(Watcher w) throws InterruptedException {
        while (!closed) {
            long from;
            long to;
            synchronized (lock) {
                if (w.state != Watcher.State.UNSYNCED) {
                    return;
                }
                from = w.nextRevision;
                to = publishedRevision;
                if (from > to) {
                    if (from == to + 1) {
                        w.state = Watcher.State.SYNCED;
                        synced.add(w);
                        if (w.stream.progressPending && w.stream.allSynced()) {
                            w.stream.progressPending = false;
                            w.stream.offerProgress(-1, publishedRevision);
                        }
                        return;
                    }
                }
            }
            if (from > to) {
                // A future start revision: wait for the store to reach it.
                Thread.sleep(50);
                continue;
            }
            long upTo = Math.min(to, from + CATCH_UP_REVISIONS - 1);
            List<Event> events = new ArrayList<>();
            try (ReadTxn txn = store.beginRead()) {
                // On a shared backend another process may have compacted; the store learns of it late.
                long compacted = Math.max(store.compactRevision(), txn.compactRevision());
                if (from < compacted) {
                    w.stream.cancelCompacted(w, compacted);
                    return;
                }
                txn.history(w.range, from, upTo, w.prevKv, h -> {
                    Event.Builder e = Event.newBuilder();
                    e.setType(h.row().isTombstone() ? Event.EventType.DELETE : Event.EventType.PUT);
                    e.setKv(h.row().toKeyValue());
                    if (h.previous() != null) {
                        e.setPrevKv(h.previous().toKeyValue());
                    }
                    Event seen = w.view(e.build());
                    if (seen != null) {
                        events.add(seen);
                    }
                });
            }
            // Physical compaction may have run while we read; trust what we read only if it had not.
            long compactedAfter = store.compactRevision();
            if (store.backend().shared()) {
                try (ReadTxn now = store.beginRead()) {
                    compactedAfter = Math.max(compactedAfter, now.compactRevision());
                }
            }
            if (from < compactedAfter) {
                w.stream.cancelCompacted(w, compactedAfter);
                return;
            }
            if (!events.isEmpty()) {
                w.stream.putEvents(w, to, events);
            }
            synchronized (lock) {
                if (w.state != Watcher.State.UNSYNCED) {
                    return;
                }
                w.nextRevision = upTo + 1;
            }
        }
    }

    private void progressLoop() {
        while (!closed) {
            try {
                Thread.sleep(progressInterval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                for (Watcher w : synced) {
                    if (w.progressNotify) {
                        w.stream.offerProgressIfIdle(w, publishedRevision);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        progressTicker.interrupt();
        for (WatchStream s : List.copyOf(streams)) {
            s.close();
        }
        catchUp.shutdownNow();
    }
}
