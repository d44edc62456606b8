package dev.kj.apiserver.storage;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the registry reads and writes objects through (upstream's storage.Interface): either etcd
 * itself ({@link EtcdStorage}) or the watch cache in front of it ({@code storage.cacher}). Writes
 * and single-object reads always reach etcd; lists and watches say which resourceVersion semantics
 * they want, so an implementation may answer them from memory when those semantics allow.
 */
public interface Storage {
    Optional<StoredValue> get(String key);

    /**
     * The key's value as a cache in front of etcd holds it, which may be older than etcd's (empty:
     * not cached, ask {@link #get}). For writes guarded by the value's revision: when the guard
     * fails, or the write would change nothing, the caller reads etcd and decides again (upstream's
     * GuaranteedUpdate with a cached existing object).
     */
    default Optional<StoredValue> cached(String key) {
        return Optional.empty();
    }

    /** Creates the key ({@link StorageException.Kind#KEY_EXISTS} when it exists), attached to {@code lease} (0: none); returns its revision. */
    long create(String key, byte[] value, long lease);

    /** Replaces the key's value if it is still at {@code expectedModRevision}; returns the new revision. */
    long update(String key, byte[] value, long expectedModRevision, long lease);

    /** Deletes the key if it is still at {@code expectedModRevision}; returns its last value and the delete's revision. */
    StorageEvent.Delete delete(String key, long expectedModRevision);

    /**
     * Keys under {@code prefix} as the request selects them. The selection may be applied here (only
     * matching items returned) or not at all, so callers still check each item; a page ends early
     * (with {@code more}) only at the request's limit.
     */
    ListPage list(String prefix, ListRequest request);

    /** Streams what happens under {@code prefix} as the request asks; see {@link WatchRequest}. */
    Watch watch(String prefix, WatchRequest request, Consumer<StorageEvent> events);

    long grantLease(long ttlSeconds);
}
