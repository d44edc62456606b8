package dev.kj.scheduler.framework;

import java.util.HashMap;
import java.util.Map;

/**
 * What plugins compute once per scheduling cycle (PreFilter, PreScore) and read per node (Filter,
 * Score), under typed keys. Not shared between cycles; one thread uses it at a time.
 */
public final class CycleState {
    /** A typed key; each plugin owns its keys. */
    public record Key<T>(String name) {
    }

    private final Map<Key<?>, Object> values = new HashMap<>();

    public <T> void write(Key<T> key, T value) {
        values.put(key, value);
    }

    @SuppressWarnings("unchecked")
    public <T> T read(Key<T> key) {
        return (T) values.get(key);
    }

    /** A copy for a dry run (preemption); values are immutable, so sharing them is safe. */
    public CycleState copy() {
        CycleState copy = new CycleState();
        copy.values.putAll(values);
        return copy;
    }
}
