package dev.kj.api.informers;

/** A handler added to an informer. */
public interface Registration {
    /** True once the informer has synced and this handler has been given everything of the initial state. */
    boolean hasSynced();

    /** Stops notifications to the handler; those already queued are dropped. */
    void remove();
}
