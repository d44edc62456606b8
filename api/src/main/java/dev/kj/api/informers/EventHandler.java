package dev.kj.api.informers;

/**
 * What an informer tells a handler, in order, on the handler's own thread (a slow handler delays
 * only itself). Controllers' handlers only enqueue keys; the cache is the state to read.
 */
public interface EventHandler<T> {
    /**
     * @param initialList true for objects of the cache's initial list (or, for a handler added
     *                    later, of the cache's contents when it was added)
     */
    default void onAdd(T object, boolean initialList) {
    }

    /** On a relist or a resync, {@code old} and {@code current} may carry the same resourceVersion. */
    default void onUpdate(T old, T current) {
    }

    /**
     * @param lastKnown         the object's final state, or, when {@code finalStateUnknown}, the last
     *                          state this cache saw
     * @param finalStateUnknown the deletion was inferred from a relist that no longer had the object
     *                          (client-go's DeletedFinalStateUnknown tombstone): it may have changed
     *                          after {@code lastKnown} before it was deleted
     */
    default void onDelete(T lastKnown, boolean finalStateUnknown) {
    }
}
