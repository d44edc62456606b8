package dev.kj.apiserver.storage;

/** A running storage watch; closing it cancels the etcd watch. */
@FunctionalInterface
public interface Watch extends AutoCloseable {
    @Override
    void close();
}
