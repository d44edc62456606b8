package dev.kj.apiserver.storage.cacher;

import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.ListPage;
import dev.kj.apiserver.storage.ListRequest;
import dev.kj.apiserver.storage.Selection;
import dev.kj.apiserver.storage.Storage;
import dev.kj.apiserver.storage.StorageEvent;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.storage.Watch;
import dev.kj.apiserver.storage.WatchRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The watch caches of every resource, in front of etcd: the {@link Storage} the registry uses.
 * Writes and gets go to etcd; a list or watch under a cached prefix is answered by that prefix's
 * {@link Cacher} when its resourceVersion semantics allow (upstream's delegator rules), else by etcd.
 * Prefixes without a started cache are etcd's alone.
 */
public final class Cachers implements Storage, AutoCloseable {
    private final EtcdStorage etcd;
    private final CacherConfig config;
    private final CacherMetrics metrics;
    private final boolean consistentReads;
    private final Map<String, Cacher> byPrefix = new ConcurrentSkipListMap<>();
    private final ScheduledExecutorService bookmarks;

    public Cachers(EtcdStorage etcd, CacherConfig config, CacherMetrics metrics) {
        this.etcd = etcd;
        this.config = config;
        this.metrics = metrics;
        this.consistentReads = supportsConsistentReads(etcd.serverVersion());
        this.bookmarks = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("watch-cache-bookmarks").daemon().factory());
        long every = Math.max(1, config.bookmarkInterval().toMillis());
        bookmarks.scheduleAtFixedRate(() -> byPrefix.values().forEach(Cacher::sendBookmarks), every, every,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Whether etcd's progress notifications follow every event sent before them, which consistent
     * reads from the cache rely on: etcd 3.4.31+, 3.5.13+ and 3.6 (upstream's requirement; older
     * ones could answer a progress request ahead of events still queued). Rhino reports 3.5.21.
     */
    static boolean supportsConsistentReads(String version) {
        String[] parts = version.split("[.-]");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = Integer.parseInt(parts[1]);
            int patch = Integer.parseInt(parts[2]);
            if (major != 3) {
                return major > 3;
            }
            return minor > 5 || minor == 5 && patch >= 13 || minor == 4 && patch >= 31;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Starts the cache of the objects under {@code prefix} (lists them and watches etcd), keeping
     * beside each object the attributes selections are judged on. A second resource on the same
     * prefix (a version sharing another's storage) shares the cache, whose selections are then
     * left to the registry, as the two read different fields.
     */
    public void start(String prefix, String resource, Function<StoredValue, Selection.Attributes> attributes) {
        Cacher existing = byPrefix.get(prefix);
        if (existing != null) {
            existing.shareWithAnotherResource();
            return;
        }
        Cacher cacher = new Cacher(prefix, resource, etcd, attributes, config, metrics, consistentReads);
        cacher.startOrKeepTrying();
        byPrefix.put(prefix, cacher);
    }

    /** Whether consistent lists are served from the caches (else they read etcd). */
    public boolean consistentReads() {
        return consistentReads;
    }

    /** The cache whose prefix holds {@code prefixOrKey} (the longest such prefix), if any. */
    private Cacher cacherFor(String prefixOrKey) {
        Cacher found = null;
        for (Cacher cacher : byPrefix.values()) {
            if (prefixOrKey.startsWith(cacher.prefix()) && (found == null || cacher.prefix().length() > found.prefix().length())) {
                found = cacher;
            }
        }
        return found;
    }

    @Override
    public Optional<StoredValue> get(String key) {
        return etcd.get(key);
    }

    /**
     * The object a watch cache holds under {@code key} now, without asking etcd: it may lag the
     * newest write by the watch's delay. Empty when the key is not cached (absent, not yet seen,
     * or no ready cache holds its prefix): callers that need an answer then ask etcd.
     */
    @Override
    public Optional<StoredValue> cached(String key) {
        Cacher cacher = cacherFor(key);
        return Optional.ofNullable(cacher == null ? null : cacher.current(key));
    }

    @Override
    public long create(String key, byte[] value, long lease) {
        return etcd.create(key, value, lease);
    }

    @Override
    public long update(String key, byte[] value, long expectedModRevision, long lease) {
        return etcd.update(key, value, expectedModRevision, lease);
    }

    @Override
    public StorageEvent.Delete delete(String key, long expectedModRevision) {
        return etcd.delete(key, expectedModRevision);
    }

    @Override
    public long grantLease(long ttlSeconds) {
        return etcd.grantLease(ttlSeconds);
    }

    @Override
    public ListPage list(String prefix, ListRequest request) {
        Cacher cacher = cacherFor(prefix);
        ListPage cached = cacher == null ? null : cacher.list(prefix, request);
        return cached != null ? cached : etcd.list(prefix, request);
    }

    @Override
    public Watch watch(String prefix, WatchRequest request, Consumer<StorageEvent> events) {
        Cacher cacher = cacherFor(prefix);
        Watch cached = cacher == null ? null : cacher.watch(prefix, request, events);
        return cached != null ? cached : etcd.watch(prefix, request, events);
    }

    /** Client watches being served from memory now (for tests and diagnostics). */
    public int watchers() {
        return byPrefix.values().stream().mapToInt(Cacher::watcherCount).sum();
    }

    @Override
    public void close() {
        bookmarks.shutdownNow();
        byPrefix.values().forEach(Cacher::close);
    }
}
