package dev.kj.scheduler.framework;

/** A change in the cluster that may make unschedulable pods schedulable (upstream's ClusterEvent). */
public enum ClusterEvent {
    NODE_ADD, NODE_UPDATE, NODE_DELETE, ASSIGNED_POD_ADD, ASSIGNED_POD_UPDATE, ASSIGNED_POD_DELETE,
    /** A PodDisruptionBudget changed (matters to preemption). */
    PDB_CHANGE;

    public String label() {
        return switch (this) {
            case NODE_ADD -> "NodeAdd";
            case NODE_UPDATE -> "NodeUpdate";
            case NODE_DELETE -> "NodeDelete";
            case ASSIGNED_POD_ADD -> "AssignedPodAdd";
            case ASSIGNED_POD_UPDATE -> "AssignedPodUpdate";
            case ASSIGNED_POD_DELETE -> "AssignedPodDelete";
            case PDB_CHANGE -> "PodDisruptionBudgetChange";
        };
    }
}
