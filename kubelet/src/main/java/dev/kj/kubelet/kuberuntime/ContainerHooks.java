package dev.kj.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;

/**
 * Where lifecycle hooks (lifecycle/) plug in: postStart right after a container starts (a failure
 * kills it, as upstream), preStop before a container is stopped, within the grace period.
 */
public interface ContainerHooks {
    /** @return an error message when the hook failed (the container is then killed), else null */
    default String postStart(Pod pod, Container container, String containerId) {
        return null;
    }

    default void preStop(Pod pod, Container container, String containerId, Duration gracePeriod) {
    }

    ContainerHooks NONE = new ContainerHooks() {
    };
}
