package dev.kj.apiserver.registry;

/**
 * What a delete does to an object's dependents when the request does not say (upstream's
 * rest.GarbageCollectionPolicy, one per resource). Deciding it is all kj does so far: the
 * {@code orphan} and {@code foregroundDeletion} finalizers that carry it out need a garbage
 * collector, and without one objects holding them would never go away, so the store does not set
 * them yet (as upstream with --enable-garbage-collector=false).
 */
public enum GarbageCollectionPolicy {
    /** Dependents are deleted, in the background unless the request asks for foreground (most resources). */
    DELETE_DEPENDENTS,
    /** Dependents are kept (replication controllers and jobs in their current versions, for backwards compatibility). */
    ORPHAN_DEPENDENTS,
    /** The resource cannot own anything; no garbage-collection finalizer is ever set. */
    UNSUPPORTED;

    /** metav1.FinalizerOrphanDependents. */
    public static final String ORPHAN_FINALIZER = "orphan";
    /** metav1.FinalizerDeleteDependents. */
    public static final String FOREGROUND_FINALIZER = "foregroundDeletion";
}
