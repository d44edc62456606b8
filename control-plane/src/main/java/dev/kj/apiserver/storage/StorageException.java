package dev.kj.apiserver.storage;

/**
 * A storage outcome the registry turns into an API status (upstream's storage errors:
 * key exists, key not found, resource version conflict, compacted history, unreachable store,
 * a value that cannot be transformed).
 */
public final class StorageException extends RuntimeException {
    /** INTERNAL: a stored value that cannot be read or written (encryption at rest), upstream's InternalError. */
    public enum Kind { KEY_EXISTS, KEY_NOT_FOUND, CONFLICT, COMPACTED, UNAVAILABLE, INTERNAL }

    private final Kind kind;
    private final String key;

    public StorageException(Kind kind, String key, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.key = key;
    }

    public StorageException(Kind kind, String key, String message) {
        this(kind, key, message, null);
    }

    public Kind kind() {
        return kind;
    }

    public String key() {
        return key;
    }
}
