package dev.kj.apiserver.storage;

/** One key as etcd holds it; {@code modRevision} is what the API server reports as resourceVersion. */
public record StoredValue(String key, byte[] value, long createRevision, long modRevision) {
}
