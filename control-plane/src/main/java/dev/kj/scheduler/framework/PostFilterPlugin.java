package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/** Runs when no node passed the filters (preemption). */
public interface PostFilterPlugin extends Plugin {
    /** @param nominatedNodeName the node to nominate ("" clears a nomination), or null to leave it */
    record Result(String nominatedNodeName, Status status) {
    }

    Result postFilter(CycleState state, Pod pod, Map<String, Status> filteredNodeStatus);
}
