package dev.kj.apiserver.storage;

/** What a storage watch reports, in revision order. */
public sealed interface StorageEvent {
    /** A key was created, or changed from {@code previous} (null on create). */
    record Put(StoredValue current, StoredValue previous) implements StorageEvent {
    }

    /** A key was deleted at {@code revision}; {@code previous} is its last value. */
    record Delete(StoredValue previous, long revision) implements StorageEvent {
    }

    /** The watch cannot start (or continue) because history before {@code compactRevision} is gone. */
    record Expired(long requestedRevision, long compactRevision) implements StorageEvent {
    }

    /** The watch ended for another reason (storage down, server stopping). */
    record Failed(String reason) implements StorageEvent {
    }
}
