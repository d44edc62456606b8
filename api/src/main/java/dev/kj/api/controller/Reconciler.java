package dev.kj.api.controller;

/**
 * Brings one object to its desired state, level-triggered: read the informers' caches, treat a
 * missing object as deleted, compare, act, write status. Throwing retries the key with backoff;
 * throwing {@link Requeue} brings it back later without counting as a failure.
 */
@FunctionalInterface
public interface Reconciler<K> {
    void sync(K key) throws Exception;
}
