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

    /** A watch asked to start at a revision the store has not reached in time. */
    record TooLargeResourceVersion(long requested, long current) implements StorageEvent {
    }

    /** The watch ended for another reason (storage down, server stopping). */
    record Failed(String reason) implements StorageEvent {
    }

    /**
     * Every event up to {@code revision} has been reported. {@code initialEventsEnd}: the initial
     * state a {@link WatchRequest.Start#STATE} watch asked to have marked has been sent.
     */
    record Bookmark(long revision, boolean initialEventsEnd) implements StorageEvent {
    }

    /** The watch was ended on purpose (its reader fell behind, the cache is reinitializing): the client watches again. */
    record Terminated(String reason) implements StorageEvent {
    }
}
