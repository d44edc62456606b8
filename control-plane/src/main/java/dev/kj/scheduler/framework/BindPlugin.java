package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/** Binds the pod to the node; {@link Status.Code#SKIP} passes the pod to the next bind plugin. */
public interface BindPlugin extends Plugin {
    Status bind(CycleState state, Pod pod, String nodeName);
}
