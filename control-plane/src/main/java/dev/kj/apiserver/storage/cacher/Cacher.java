package dev.kj.apiserver.storage.cacher;

import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.Freshness;
import dev.kj.apiserver.storage.ListPage;
import dev.kj.apiserver.storage.ListRequest;
import dev.kj.apiserver.storage.Selection;
import dev.kj.apiserver.storage.StorageEvent;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.storage.Watch;
import dev.kj.apiserver.storage.WatchRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The watch cache of one resource (upstream's Cacher with its watchCache): one etcd watch on the
 * resource's key prefix keeps every object in memory, with its labels and selectable fields, and
 * a window of recent events; lists and watches that may be answered from memory are, and each
 * client watch is a {@link CacheWatcher} fed from the one etcd watch.
 *
 * <p>Lock: {@link #lock} guards the objects, the window, the revision and the watcher set; events
 * are applied and handed to watchers' queues under it, so a watcher registered under it sees every
 * event after its starting point exactly once.
 */
final class Cacher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Cacher.class.getName());

    /** An object with the attributes selections are judged on (null when selection is left to the caller). */
    record Entry(StoredValue value, Selection.Attributes attributes) {
    }

    /** One event of the window: what changed, with the entries before and after. */
    record CachedEvent(long revision, String key, Entry current, Entry previous, StorageEvent event) {
    }

    private final String prefix;
    private final String resource;
    private final EtcdStorage etcd;
    private final CacherConfig config;
    private final CacherMetrics metrics;
    private final boolean consistentReads;
    private volatile Function<StoredValue, Selection.Attributes> attributes;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private final TreeMap<String, Entry> objects = new TreeMap<>();
    private final ArrayDeque<CachedEvent> window = new ArrayDeque<>();
    private final Set<CacheWatcher> watchers = ConcurrentHashMap.newKeySet();
    /** Every event up to this revision has been applied. */
    private long revision;
    /** Watches may start after this revision: the initial list's, or the newest event pushed out of the window. */
    private long oldestStart;
    private boolean ready;
    private boolean closed;
    private Watch storageWatch;
    private long progressRequestedAt;

    /**
     * @param consistentReads whether etcd's progress notifications can be trusted to follow every
     *                        event before them (etcd 3.4.31+, 3.5.13+, Rhino), so a consistent read
     *                        may wait for the cache instead of reading etcd
     */
    Cacher(String prefix, String resource, EtcdStorage etcd, Function<StoredValue, Selection.Attributes> attributes,
           CacherConfig config, CacherMetrics metrics, boolean consistentReads) {
        this.prefix = prefix;
        this.resource = resource;
        this.etcd = etcd;
        this.attributes = attributes;
        this.config = config;
        this.metrics = metrics;
        this.consistentReads = consistentReads;
    }

    String prefix() {
        return prefix;
    }

    /** Another store shares this prefix with its own fields: selections are then left to the callers. */
    void shareWithAnotherResource() {
        attributes = null;
        lock.lock();
        try {
            objects.replaceAll((key, entry) -> new Entry(entry.value(), null));
        } finally {
            lock.unlock();
        }
    }

    /** Lists the prefix and starts the etcd watch after it (upstream's ListAndWatch); the cache is then ready. */
    void start() {
        ListPage state = etcd.list(prefix, null, 0, 0);
        lock.lock();
        try {
            if (closed) {
                return;
            }
            objects.clear();
            window.clear();
            for (StoredValue value : state.items()) {
                objects.put(value.key(), entry(value));
            }
            revision = state.revision();
            oldestStart = revision;
            storageWatch = etcd.watch(prefix, revision + 1, this::onStorageEvent);
            ready = true;
            metrics.initializations.inc(resource);
            metrics.resourceVersion.set(revision, resource);
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Entry entry(StoredValue value) {
        Function<StoredValue, Selection.Attributes> reader = attributes;
        return new Entry(value, reader == null ? null : reader.apply(value));
    }

    // ---- the etcd watch ----

    private void onStorageEvent(StorageEvent event) {
        switch (event) {
            case StorageEvent.Put put -> {
                Entry current = entry(put.current());
                apply(put.current().key(), current, put.current().modRevision(), event);
            }
            case StorageEvent.Delete delete -> apply(delete.previous().key(), null, delete.revision(), event);
            case StorageEvent.Bookmark bookmark -> {
                lock.lock();
                try {
                    if (bookmark.revision() > revision) {
                        revision = bookmark.revision();
                        metrics.resourceVersion.set(revision, resource);
                    }
                    progressRequestedAt = 0;
                    advanced.signalAll();
                } finally {
                    lock.unlock();
                }
            }
            case StorageEvent.Expired expired -> reinitialize("etcd watch expired at " + expired.compactRevision());
            case StorageEvent.Failed failed -> reinitialize(failed.reason());
            case StorageEvent.TooLargeResourceVersion tooLarge -> reinitialize("unexpected answer from etcd");
            case StorageEvent.Terminated terminated -> reinitialize(terminated.reason());
        }
    }

    private void apply(String key, Entry current, long eventRevision, StorageEvent event) {
        metrics.received.inc(resource);
        lock.lock();
        try {
            Entry previous = current == null ? objects.remove(key) : objects.put(key, current);
            if (previous == null && current == null) {
                previous = entry(((StorageEvent.Delete) event).previous()); // deleted before we saw it: never cached
            }
            StorageEvent stored = current == null ? event
                    : new StorageEvent.Put(current.value(), previous == null ? null : previous.value());
            CachedEvent cached = new CachedEvent(eventRevision, key, current, previous, stored);
            window.addLast(cached);
            if (window.size() > config.windowCapacity()) {
                oldestStart = Math.max(oldestStart, window.removeFirst().revision());
            }
            revision = Math.max(revision, eventRevision);
            metrics.resourceVersion.set(revision, resource);
            for (CacheWatcher watcher : watchers) {
                if (watcher.wants(cached)) {
                    metrics.dispatched.inc(resource);
                    if (!watcher.offer(cached.event())) {
                        watchers.remove(watcher);
                        metrics.terminatedWatchers.inc(resource);
                        watcher.terminate("the watcher fell behind");
                    }
                }
            }
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The etcd watch ended: watchers are ended (their clients watch again) and the cache lists anew. */
    private void reinitialize(String reason) {
        lock.lock();
        try {
            if (closed || !ready) {
                return;
            }
            ready = false;
            LOG.log(System.Logger.Level.WARNING, "watch cache of {0} reinitializing: {1}", resource, reason);
            for (CacheWatcher watcher : watchers) {
                watcher.terminate("the watch cache is reinitializing");
            }
            watchers.clear();
            if (storageWatch != null) {
                storageWatch.close();
            }
        } finally {
            lock.unlock();
        }
        relistInBackground();
    }

    /**
     * {@link #start()}, except that a stored value that cannot be read (encrypted with a key the
     * configuration no longer has) does not stop the server: the cache stays unready, so reads go
     * to etcd (where only that object fails), and lists again in the background, as upstream's
     * reflector keeps retrying.
     */
    void startOrKeepTrying() {
        try {
            start();
        } catch (dev.kj.apiserver.storage.StorageException e) {
            if (e.kind() != dev.kj.apiserver.storage.StorageException.Kind.INTERNAL) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "watch cache of {0} cannot list: {1}", resource, e.getMessage());
            relistInBackground();
        }
    }

    private void relistInBackground() {
        Thread.ofVirtual().name("watch-cache-relist-" + resource).start(() -> {
            long pause = 100;
            while (true) {
                lock.lock();
                try {
                    if (closed) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                try {
                    start();
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "watch cache of {0} cannot list: {1}", resource, e.getMessage());
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                    pause = Math.min(pause * 2, 5_000);
                }
            }
        });
    }

    // ---- reads ----

    /** The page from memory, or null when etcd must answer (not ready, an exact revision, or not fresh in time). */
    ListPage list(String listPrefix, ListRequest request) {
        if (!ready || request.freshness() == Freshness.EXACT) {
            return null;
        }
        if (!fresh(request.freshness(), request.revision())) {
            return null;
        }
        lock.lock();
        try {
            if (!ready) {
                return null;
            }
            List<StoredValue> items = new ArrayList<>();
            boolean more = false;
            Selection selection = request.selection();
            NavigableMap<String, Entry> from = objects.tailMap(request.startKey() == null ? listPrefix : request.startKey(), true);
            for (Map.Entry<String, Entry> e : from.entrySet()) {
                if (!e.getKey().startsWith(listPrefix)) {
                    break;
                }
                if (request.limit() > 0 && items.size() >= request.limit()) {
                    more = true;
                    break;
                }
                if (matches(selection, e.getValue())) {
                    items.add(e.getValue().value());
                }
            }
            return new ListPage(items, revision, more);
        } finally {
            lock.unlock();
        }
    }

    /** The object the cache holds under {@code key} now (null when it holds none or is not ready); it may lag etcd a little. */
    StoredValue current(String key) {
        lock.lock();
        try {
            Entry entry = ready ? objects.get(key) : null;
            return entry == null ? null : entry.value();
        } finally {
            lock.unlock();
        }
    }

    /** A client watch from memory, or null when etcd must serve it (not ready, or no fresh enough state in time). */
    Watch watch(String watchPrefix, WatchRequest request, Consumer<StorageEvent> events) {
        if (!ready) {
            return null;
        }
        boolean bounded = request.start() == WatchRequest.Start.STATE;
        long target = switch (request.start()) {
            case AFTER -> request.revision();
            case NOW -> 0;
            case STATE -> request.freshness() == Freshness.NOT_OLDER_THAN ? request.revision() : 0;
        };
        if (bounded && request.freshness() == Freshness.CONSISTENT && !fresh(Freshness.CONSISTENT, 0)) {
            return null;
        }
        if (target > 0 && !fresh(Freshness.NOT_OLDER_THAN, target)) {
            long current = currentRevision();
            events.accept(new StorageEvent.TooLargeResourceVersion(target, current));
            return () -> { };
        }
        lock.lock();
        try {
            if (!ready) {
                return null;
            }
            List<StorageEvent> initial = new ArrayList<>();
            CacheWatcher watcher = new CacheWatcher(watchPrefix, request.selection(), request.bookmarks(),
                    config.watcherBuffer(), events, this::forget);
            switch (request.start()) {
                case STATE -> {
                    for (Map.Entry<String, Entry> e : objects.tailMap(watchPrefix, true).entrySet()) {
                        if (!e.getKey().startsWith(watchPrefix)) {
                            break;
                        }
                        if (matches(request.selection(), e.getValue())) {
                            initial.add(new StorageEvent.Put(e.getValue().value(), null));
                        }
                    }
                    if (request.initialEventsEnd()) {
                        initial.add(new StorageEvent.Bookmark(revision, true));
                    }
                }
                case AFTER -> {
                    if (request.revision() < oldestStart) {
                        events.accept(new StorageEvent.Expired(request.revision() + 1, oldestStart));
                        return () -> { };
                    }
                    for (CachedEvent cached : window) {
                        if (cached.revision() > request.revision() && watcher.wants(cached)) {
                            initial.add(cached.event());
                        }
                    }
                }
                case NOW -> {
                }
            }
            watchers.add(watcher);
            watcher.start(initial);
            return watcher;
        } finally {
            lock.unlock();
        }
    }

    private void forget(CacheWatcher watcher) {
        watchers.remove(watcher);
    }

    private static boolean matches(Selection selection, Entry entry) {
        return selection == Selection.EVERYTHING || entry.attributes() == null || selection.matches(entry.attributes());
    }

    long currentRevision() {
        lock.lock();
        try {
            return revision;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the cache holds a state at least as recent as the request needs, waiting for it a
     * little: CONSISTENT asks etcd for its revision (a one-key read) and, as upstream's consistent
     * list from cache, waits until the cache has caught up with it.
     */
    private boolean fresh(Freshness freshness, long wanted) {
        long target = switch (freshness) {
            case ANY, EXACT -> 0;
            case NOT_OLDER_THAN -> wanted;
            case CONSISTENT -> {
                if (!consistentReads) {
                    yield -1;
                }
                yield etcd.currentRevision(prefix);
            }
        };
        if (target < 0) {
            return false; // etcd answers consistent reads itself where its progress notifications cannot be trusted
        }
        boolean caughtUp = awaitRevision(target);
        if (freshness == Freshness.CONSISTENT) {
            metrics.consistentReads.inc(caughtUp ? "false" : "true", resource, "true");
        }
        return caughtUp;
    }

    private boolean awaitRevision(long target) {
        long deadline = System.nanoTime() + config.freshnessWait().toNanos();
        lock.lock();
        try {
            while (revision < target && ready) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    return false;
                }
                if (consistentReads && storageWatch != null
                        && (progressRequestedAt == 0 || now - progressRequestedAt > TimeUnit.MILLISECONDS.toNanos(100))) {
                    progressRequestedAt = now; // one progress request answers every reader waiting meanwhile
                    storageWatch.requestProgress();
                }
                try {
                    advanced.awaitNanos(Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return revision >= target && ready;
        } finally {
            lock.unlock();
        }
    }

    /** Gives every watcher that allows them a bookmark at the cache's revision. */
    void sendBookmarks() {
        lock.lock();
        try {
            if (!ready) {
                return;
            }
            for (CacheWatcher watcher : watchers) {
                watcher.bookmark(revision);
            }
        } finally {
            lock.unlock();
        }
    }

    int watcherCount() {
        return watchers.size();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            ready = false;
            if (storageWatch != null) {
                storageWatch.close();
            }
            for (CacheWatcher watcher : watchers) {
                watcher.terminate("the API server is stopping");
            }
            watchers.clear();
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
