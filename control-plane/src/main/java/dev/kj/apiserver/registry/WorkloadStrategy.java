package dev.kj.apiserver.registry;

/**
 * Resources whose spec changes are counted in metadata.generation (workloads, PDBs): upstream's
 * strategies set generation 1 on create and bump it when spec changes, so controllers can report
 * observedGeneration.
 */
public final class WorkloadStrategy implements Strategy {
    public static final WorkloadStrategy INSTANCE = new WorkloadStrategy(GarbageCollectionPolicy.DELETE_DEPENDENTS);
    /** Replication controllers (v1) and jobs (batch/v1) keep their pods by default, for backwards compatibility. */
    public static final WorkloadStrategy ORPHANING = new WorkloadStrategy(GarbageCollectionPolicy.ORPHAN_DEPENDENTS);

    private final GarbageCollectionPolicy garbageCollection;

    private WorkloadStrategy(GarbageCollectionPolicy garbageCollection) {
        this.garbageCollection = garbageCollection;
    }

    @Override
    public GarbageCollectionPolicy defaultGarbageCollectionPolicy() {
        return garbageCollection;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }
}
