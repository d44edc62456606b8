package dev.kj.apiserver.registry;

import java.util.List;

/**
 * Resources whose spec changes are counted in metadata.generation (workloads, PDBs): upstream's
 * strategies set generation 1 on create and bump it when spec changes, so controllers can report
 * observedGeneration. Webhook configurations count changes of {@code webhooks} instead.
 */
public class WorkloadStrategy implements Strategy {
    public static final WorkloadStrategy INSTANCE = new WorkloadStrategy(List.of("spec"), GarbageCollectionPolicy.DELETE_DEPENDENTS);
    /** Replication controllers (v1) and jobs (batch/v1) keep their pods by default, for backwards compatibility. */
    public static final WorkloadStrategy ORPHANING = new WorkloadStrategy(List.of("spec"), GarbageCollectionPolicy.ORPHAN_DEPENDENTS);
    /**
     * Deployments: a status write also carries metadata.annotations (upstream's status strategy
     * resets only spec and labels), which is how the deployment controller records
     * deployment.kubernetes.io/revision.
     */
    public static final WorkloadStrategy DEPLOYMENTS = new WorkloadStrategy(List.of("spec"), GarbageCollectionPolicy.DELETE_DEPENDENTS) {
        @Override
        public com.fasterxml.jackson.databind.node.ObjectNode prepareForSubresourceUpdate(Subresource subresource,
                com.fasterxml.jackson.databind.node.ObjectNode written, com.fasterxml.jackson.databind.node.ObjectNode old) {
            var object = super.prepareForSubresourceUpdate(subresource, written, old);
            if (subresource == Subresource.STATUS && object.path("metadata") instanceof com.fasterxml.jackson.databind.node.ObjectNode meta) {
                var annotations = written.path("metadata").get("annotations");
                if (annotations == null || annotations.isNull()) {
                    meta.remove("annotations");
                } else {
                    meta.set("annotations", annotations.deepCopy());
                }
            }
            return object;
        }
    };

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
