package dev.kj.apiserver.storage.value;

/**
 * Turns a value into what is stored under a key and back (upstream's value.Transformer). The
 * authenticated data is the etcd key (upstream's authenticatedDataString): a transformer that
 * authenticates it (AES-GCM) refuses a value copied to another key.
 */
public interface Transformer {
    /**
     * What a read gave: the value, and whether it was stored in a form other than the one writes
     * now produce (an older provider or key), so an update must rewrite it even when unchanged.
     */
    record Read(byte[] data, boolean stale) {
    }

    /** @throws TransformException when the stored value cannot be read (wrong key, tampered, unknown prefix) */
    Read fromStorage(byte[] stored, byte[] authenticatedData);

    byte[] toStorage(byte[] data, byte[] authenticatedData);
}
