package dev.kj.apiserver.storage;

/**
 * One key as etcd holds it; {@code modRevision} is what the API server reports as resourceVersion.
 * {@code stale}: the value was stored by an encryption provider or key other than the one writes
 * use now, so an update rewrites it even when the object is unchanged (key rotation relies on it).
 */
public record StoredValue(String key, byte[] value, long createRevision, long modRevision, boolean stale) {
    public StoredValue(String key, byte[] value, long createRevision, long modRevision) {
        this(key, value, createRevision, modRevision, false);
    }
}
