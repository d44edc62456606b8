package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/** Says whether the pod may run on one node. */
public interface FilterPlugin extends Plugin {
    Status filter(CycleState state, Pod pod, NodeInfo node);
}
