package dev.kj.api.informers;

import dev.kj.api.objects.Keys;
import dev.kj.api.objects.ObjectCodec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * An informer's local cache (client-go's thread-safe store with indexers): objects by key, plus
 * named indexes from an index value to the keys of the objects that have it. Reads may come from
 * any thread; only the informer writes. Objects are shared, not copied: treat them as read-only.
 */
public final class Indexer<T> {
    /** The namespace index every indexer has (client-go's NamespaceIndex). */
    public static final String NAMESPACE = "namespace";

    private final ObjectCodec<T> codec;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, T> items = new HashMap<>();
    private final Map<String, Function<T, Collection<String>>> indexFunctions = new HashMap<>();
    /** index name → index value → keys. */
    private final Map<String, Map<String, Set<String>>> indices = new HashMap<>();

    Indexer(ObjectCodec<T> codec) {
        this.codec = codec;
        addIndex(NAMESPACE, object -> {
            String namespace = codec.namespace(object);
            return namespace == null ? List.of() : List.of(namespace);
        });
    }

    /**
     * Adds an index; objects already cached are indexed at once.
     *
     * @param values the index values of an object (none, one or several)
     */
    public void addIndex(String name, Function<T, Collection<String>> values) {
        lock.writeLock().lock();
        try {
            if (indexFunctions.putIfAbsent(name, values) != null) {
                throw new IllegalArgumentException("index " + name + " exists already");
            }
            Map<String, Set<String>> index = new HashMap<>();
            indices.put(name, index);
            items.forEach((key, object) -> values.apply(object).forEach(v -> index.computeIfAbsent(v, x -> new HashSet<>()).add(key)));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether an index of this name exists (components sharing an informer add a common index once). */
    public boolean hasIndex(String name) {
        lock.readLock().lock();
        try {
            return indexFunctions.containsKey(name);
        } finally {
            lock.readLock().unlock();
        }
    }

    public Optional<T> get(String key) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(items.get(key));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** @param namespace null for cluster-scoped objects */
    public Optional<T> get(String namespace, String name) {
        return get(Keys.of(namespace, name));
    }

    public List<T> list() {
        lock.readLock().lock();
        try {
            return List.copyOf(items.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<String> keys() {
        lock.readLock().lock();
        try {
            return List.copyOf(items.keySet());
        } finally {
            lock.readLock().unlock();
        }
    }

    public int size() {
        lock.readLock().lock();
        try {
            return items.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The objects whose index {@code indexName} has {@code value}. */
    public List<T> byIndex(String indexName, String value) {
        lock.readLock().lock();
        try {
            Map<String, Set<String>> index = indices.get(indexName);
            if (index == null) {
                throw new IllegalArgumentException("no index named " + indexName);
            }
            List<T> objects = new ArrayList<>();
            for (String key : index.getOrDefault(value, Set.of())) {
                objects.add(items.get(key));
            }
            return objects;
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<T> byNamespace(String namespace) {
        return byIndex(NAMESPACE, namespace);
    }

    /** Stores an object; returns the one it replaced, or null. */
    T put(T object) {
        String key = codec.key(object);
        lock.writeLock().lock();
        try {
            T old = items.put(key, object);
            if (old != null) {
                unindex(key, old);
            }
            index(key, object);
            return old;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes an object by key; returns it, or null. */
    T remove(String key) {
        lock.writeLock().lock();
        try {
            T old = items.remove(key);
            if (old != null) {
                unindex(key, old);
            }
            return old;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void index(String key, T object) {
        indexFunctions.forEach((name, values) -> {
            Map<String, Set<String>> index = indices.get(name);
            values.apply(object).forEach(v -> index.computeIfAbsent(v, x -> new HashSet<>()).add(key));
        });
    }

    private void unindex(String key, T object) {
        indexFunctions.forEach((name, values) -> {
            Map<String, Set<String>> index = indices.get(name);
            for (String value : values.apply(object)) {
                Set<String> keys = index.get(value);
                if (keys != null) {
                    keys.remove(key);
                    if (keys.isEmpty()) {
                        index.remove(value);
                    }
                }
            }
        });
    }
}
