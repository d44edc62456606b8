package dev.kj.apiserver.registry;

/**
 * Resources whose spec changes are counted in metadata.generation (workloads, PDBs): upstream's
 * strategies set generation 1 on create and bump it when spec changes, so controllers can report
 * observedGeneration.
 */
public final class WorkloadStrategy implements Strategy {
    public static final WorkloadStrategy INSTANCE = new WorkloadStrategy();

    private WorkloadStrategy() {
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }
}
