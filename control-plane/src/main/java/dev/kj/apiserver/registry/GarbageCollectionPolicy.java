package dev.kj.apiserver.registry;

/**
 * What a delete does to an object's dependents when the request does not say (upstream's
 * rest.GarbageCollectionPolicy, one per resource), carried out by the {@code orphan} and
 * {@code foregroundDeletion} finalizers the store sets (see {@link DeleteOptions#garbageCollectionFinalizers})
 * and the garbage collector removes.
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
