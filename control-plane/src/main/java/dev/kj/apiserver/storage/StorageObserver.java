package dev.kj.apiserver.storage;

/** Told about every storage request: its operation (upstream's names: get, create, update, delete, list, listWithCount), key, duration and outcome. */
@FunctionalInterface
public interface StorageObserver {
    String COUNT = "listWithCount";

    void observe(String operation, String key, long nanos, boolean failed);

    StorageObserver NONE = (operation, key, nanos, failed) -> {
    };
}
