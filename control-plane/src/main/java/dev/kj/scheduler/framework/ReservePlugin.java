package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/** Told when a node is chosen (reserve) and when that choice is undone (unreserve). */
public interface ReservePlugin extends Plugin {
    Status reserve(CycleState state, Pod pod, String nodeName);

    void unreserve(CycleState state, Pod pod, String nodeName);
}
