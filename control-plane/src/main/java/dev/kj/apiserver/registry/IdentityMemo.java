package dev.kj.apiserver.registry;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * A few recent results of a pure function, by the identity of its argument: the watch cache hands
 * the same event instance to every watcher, so the decoding and serializing each would repeat is
 * done once per event (upstream's cachingObject). Lock-free and lossy: a slot holds the newest
 * key that hashed to it, and two threads missing at once both compute (the results are equal).
 * Cached values are shared between threads and must not be modified.
 */
public final class IdentityMemo<K, V> {
    private record Slot<K, V>(K key, V value) {
    }

    private final AtomicReferenceArray<Slot<K, V>> slots;
    private final int mask;

    /** @param size a power of two; small, since each slot keeps its key and value reachable */
    public IdentityMemo(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size must be a power of two: " + size);
        }
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    public V get(K key, Function<? super K, ? extends V> compute) {
        int index = spread(System.identityHashCode(key)) & mask;
        Slot<K, V> slot = slots.get(index);
        if (slot != null && slot.key() == key) {
            return slot.value();
        }
        V value = compute.apply(key);
        slots.set(index, new Slot<>(key, value));
        return value;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
