package dev.kj.apiserver.registry;

import java.util.List;

/**
 * Resources whose spec changes are counted in metadata.generation (workloads, PDBs): upstream's
 * strategies set generation 1 on create and bump it when spec changes, so controllers can report
 * observedGeneration. Webhook configurations count changes of {@code webhooks} instead.
 */
public final class WorkloadStrategy implements Strategy {
    public static final WorkloadStrategy INSTANCE = new WorkloadStrategy(List.of("spec"), GarbageCollectionPolicy.DELETE_DEPENDENTS);
    /** Replication controllers (v1) and jobs (batch/v1) keep their pods by default, for backwards compatibility. */
    public static final WorkloadStrategy ORPHANING = new WorkloadStrategy(List.of("spec"), GarbageCollectionPolicy.ORPHAN_DEPENDENTS);

    private final List<String> fields;
    private final GarbageCollectionPolicy garbageCollection;

    private WorkloadStrategy(List<String> fields, GarbageCollectionPolicy garbageCollection) {
        this.fields = List.copyOf(fields);
        this.garbageCollection = garbageCollection;
    }

    /** Generation counting changes of these top-level fields. */
    public static WorkloadStrategy countingChangesOf(String... fields) {
        return new WorkloadStrategy(List.of(fields), GarbageCollectionPolicy.DELETE_DEPENDENTS);
    }

    @Override
    public GarbageCollectionPolicy defaultGarbageCollectionPolicy() {
        return garbageCollection;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public List<String> generationFields() {
        return fields;
    }
}
