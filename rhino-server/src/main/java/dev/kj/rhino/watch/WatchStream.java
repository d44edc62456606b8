package dev.kj.rhino.watch;

import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.MvccStore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The watchers of one Watch call and their outgoing queue. Control responses (created, canceled,
 * progress) always queue; event responses queue only while fewer than {@link #MAX_PENDING_EVENTS}
 * are waiting, so a slow client turns its watchers unsynced instead of growing memory or stalling
 * the writer. One sender thread drains the queue into the sink, keeping header revisions from
 * ever going backwards on the stream.
 */
public final class WatchStream implements AutoCloseable {
    private static final Logger LOG = System.getLogger(WatchStream.class.getName());
    static final int MAX_PENDING_EVENTS = 256;
    static final String ERR_EMPTY_RANGE = "mvcc: watcher range is empty";
    static final String ERR_DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

    private record Outbound(WatchResponse response, Watcher watcher) {
        boolean isEvents() {
            return watcher != null;
        }
    }

    private final WatchHub hub;
    private final WatchSink sink;
    private final LinkedBlockingQueue<Outbound> queue = new LinkedBlockingQueue<>();
    private final Map<Long, Watcher> watchers = new ConcurrentHashMap<>();
    private final Object capacity = new Object();
    private int pendingEvents;
    private long nextId;
    private Thread sender;
    private volatile boolean closed;
    /** A progress request waits for unsynced watchers (guarded by the hub lock). */
    boolean progressPending;

    WatchStream(WatchHub hub, WatchSink sink) {
        this.hub = hub;
        this.sink = sink;
    }

    void start() {
        sender = Thread.ofVirtual().name("rhino-watch-sender").start(this::sendLoop);
    }

    /** Creates a watcher: a "created" response, then events; errors come back as canceled responses. */
    public void create(WatchCreateRequest request) {
        byte[] key = request.getKey().isEmpty() ? new byte[] {0} : request.getKey().toByteArray();
        byte[] end = request.getRangeEnd().toByteArray();
        if (request.getStartRevision() < 0) {
            enqueue(failedCreate(EtcdError.COMPACTED.message()));
            return;
        }
        KeyRange range = KeyRange.of(key, end);
        if (!range.isSingleKey() && !range.isUnbounded() && Arrays.compareUnsigned(key, end) >= 0) {
            enqueue(failedCreate(ERR_EMPTY_RANGE));
            return;
        }
        long id;
        synchronized (this) {
            if (request.getWatchId() != 0) {
                if (watchers.containsKey(request.getWatchId())) {
                    enqueue(failedCreate(ERR_DUPLICATE_ID));
                    return;
                }
                id = request.getWatchId();
            } else {
                while (watchers.containsKey(nextId)) {
                    nextId++;
                }
                id = nextId++;
            }
            boolean noPut = false;
            boolean noDelete = false;
            for (WatchCreateRequest.FilterType f : request.getFiltersList()) {
                noPut |= f == WatchCreateRequest.FilterType.NOPUT;
                noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
            }
            Watcher w = new Watcher(id, this, range, noPut, noDelete, request.getPrevKv(),
                    request.getProgressNotify(), request.getFragment(), request.getStartRevision());
            watchers.put(id, w);
            final long watchId = id;
            hub.register(w, request.getStartRevision(), revision -> enqueue(WatchResponse.newBuilder()
                    .setHeader(hub.header(revision))
                    .setWatchId(watchId)
                    .setCreated(true)
                    .build()));
        }
    }

    /** Answers a create request that may not be served (etcd: permission denied) with created + canceled. */
    public void refuse(String reason) {
        enqueue(failedCreate(reason));
    }

    private WatchResponse failedCreate(String reason) {
        return WatchResponse.newBuilder()
                .setHeader(hub.header(hub.publishedRevision()))
                .setWatchId(-1)
                .setCreated(true)
                .setCanceled(true)
                .setCancelReason(reason)
                .build();
    }

    public void cancel(long watchId) {
        Watcher w = watchers.remove(watchId);
        if (w == null) {
            return;
        }
        hub.unregister(w);
        enqueue(WatchResponse.newBuilder()
                .setHeader(hub.header(hub.publishedRevision()))
                .setWatchId(watchId)
                .setCanceled(true)
                .build());
    }

    /** Answers once with watch_id -1 when every watcher on this stream is caught up. */
    public void requestProgress() {
        hub.requestProgress(this);
    }

    boolean allSynced() {
        for (Watcher w : watchers.values()) {
            if (w.state != Watcher.State.SYNCED) {
                return false;
            }
        }
        return true;
    }

    /** Live delivery from the writer: never blocks; false means "too far behind, catch up from history". */
    boolean offerEvents(Watcher w, long revision, List<Event> events) {
        synchronized (capacity) {
            if (pendingEvents >= MAX_PENDING_EVENTS) {
                return false;
            }
            pendingEvents++;
        }
        enqueueEvents(w, revision, events);
        return true;
    }

    /** Catch-up delivery: waits for room. */
    void putEvents(Watcher w, long revision, List<Event> events) throws InterruptedException {
        synchronized (capacity) {
            while (pendingEvents >= MAX_PENDING_EVENTS && !closed) {
                capacity.wait(100);
            }
            pendingEvents++;
        }
        enqueueEvents(w, revision, events);
    }

    private void enqueueEvents(Watcher w, long revision, List<Event> events) {
        if (!w.fragment) {
            queue.add(new Outbound(eventResponse(w, revision, events, false), w));
            return;
        }
        // Split into fragments under the request size limit; all but the last carry fragment=true.
        List<List<Event>> parts = new ArrayList<>();
        List<Event> part = new ArrayList<>();
        long size = 0;
        for (Event e : events) {
            int n = e.getSerializedSize();
            if (!part.isEmpty() && size + n > MvccStore.MAX_REQUEST_BYTES) {
                parts.add(part);
                part = new ArrayList<>();
                size = 0;
            }
            part.add(e);
            size += n;
        }
        parts.add(part);
        synchronized (capacity) {
            pendingEvents += parts.size() - 1;
        }
        for (int i = 0; i < parts.size(); i++) {
            queue.add(new Outbound(eventResponse(w, revision, parts.get(i), i < parts.size() - 1), w));
        }
    }

    private WatchResponse eventResponse(Watcher w, long revision, List<Event> events, boolean fragment) {
        return WatchResponse.newBuilder()
                .setHeader(hub.header(revision))
                .setWatchId(w.id)
                .addAllEvents(events)
                .setFragment(fragment)
                .build();
    }

    void offerProgress(long watchId, long revision) {
        enqueue(WatchResponse.newBuilder().setHeader(hub.header(revision)).setWatchId(watchId).build());
    }

    /** Periodic progress: only when nothing for this stream is waiting to be sent. */
    void offerProgressIfIdle(Watcher w, long revision) {
        synchronized (capacity) {
            if (pendingEvents > 0) {
                return;
            }
        }
        offerProgress(w.id, revision);
    }

    /**
     * The start revision (or the point a slow watcher fell behind to) has been compacted. etcd's
     * header on this response carries no revision (its watch response for a compaction has none).
     */
    void cancelCompacted(Watcher w, long compactRevision) {
        if (watchers.remove(w.id, w)) {
            hub.unregister(w);
            enqueue(WatchResponse.newBuilder()
                    .setHeader(hub.header(0))
                    .setWatchId(w.id)
                    .setCompactRevision(compactRevision)
                    .setCanceled(true)
                    .build());
        }
    }

    void cancelWithReason(Watcher w, String reason) {
        if (watchers.remove(w.id, w)) {
            hub.unregister(w);
            enqueue(WatchResponse.newBuilder()
                    .setHeader(hub.header(hub.publishedRevision()))
                    .setWatchId(w.id)
                    .setCanceled(true)
                    .setCancelReason(reason)
                    .build());
        }
    }

    private void enqueue(WatchResponse response) {
        queue.add(new Outbound(response, null));
    }

    private void sendLoop() {
        long lastRevision = 0;
        try {
            while (!closed) {
                Outbound next = queue.take();
                if (next.isEvents()) {
                    synchronized (capacity) {
                        pendingEvents--;
                        capacity.notifyAll();
                    }
                    if (next.watcher().state == Watcher.State.CANCELED) {
                        continue; // canceled by the client: etcd drops what was still pending
                    }
                }
                WatchResponse response = next.response();
                long revision = response.getHeader().getRevision();
                boolean compacted = response.getCanceled() && response.getCompactRevision() > 0;
                if (compacted) {
                    // etcd sends this one with no revision at all; it says nothing about progress
                } else if (revision < lastRevision) {
                    response = response.toBuilder()
                            .setHeader(response.getHeader().toBuilder().setRevision(lastRevision))
                            .build();
                } else {
                    lastRevision = revision;
                }
                sink.send(response);
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(Level.DEBUG, "watch stream send failed; closing", e);
            }
            close();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Watcher w : watchers.values()) {
            hub.unregister(w);
        }
        watchers.clear();
        hub.streamClosed(this);
        synchronized (capacity) {
            capacity.notifyAll();
        }
        if (sender != null && sender != Thread.currentThread()) {
            sender.interrupt();
        }
    }
}
