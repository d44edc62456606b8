package dev.kj.kubelet.status;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/**
 * The hook between the pod workers and a probe manager (prober/): the workers ask it whether a
 * running container is ready and started, and tell it which containers run after each sync. A
 * liveness failure comes back through {@code PodWorkers.restartContainer}.
 */
public interface ContainerProbes {
    boolean ready(Pod pod, Container container, String containerId);

    boolean started(Pod pod, Container container, String containerId);

    /** After a sync: the pod's running containers, by name, with their CRI ids. */
    default void podSynced(Pod pod, Map<String, String> runningContainers) {
    }

    /** The pod is gone from the node. */
    default void podRemoved(String podUid) {
    }

    /**
     * Without a probe manager: a container without a readiness probe is ready once running, one with
     * a readiness probe is never reported ready; one without a startup probe is started once running.
     */
    ContainerProbes NONE = new ContainerProbes() {
        @Override
        public boolean ready(Pod pod, Container container, String containerId) {
            return container.getReadinessProbe() == null;
        }

        @Override
        public boolean started(Pod pod, Container container, String containerId) {
            return container.getStartupProbe() == null;
        }
    };
}
