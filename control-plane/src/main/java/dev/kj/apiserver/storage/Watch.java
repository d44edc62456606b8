package dev.kj.apiserver.storage;

/** A running storage watch; closing it cancels the etcd watch. */
@FunctionalInterface
public interface Watch extends AutoCloseable {
    @Override
    void close();

    /** Asks for a {@link StorageEvent.Bookmark} once every event so far has been delivered (etcd's progress request). */
    default void requestProgress() {
    }
}
