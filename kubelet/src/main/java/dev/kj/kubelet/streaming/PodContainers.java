package dev.kj.kubelet.streaming;

import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.Container;
import dev.kj.kubelet.cri.v1.ContainerFilter;
import dev.kj.kubelet.cri.v1.PodSandbox;
import dev.kj.kubelet.cri.v1.PodSandboxFilter;
import dev.kj.kubelet.cri.v1.PodSandboxState;
import dev.kj.kubelet.cri.v1.PodSandboxStateValue;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a pod's sandbox and containers in the runtime by kuberuntime's labels, as the kubelet's
 * streaming handlers do (upstream asks its pod cache; the labels are what that cache is built from).
 */
public final class PodContainers {
    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";

    private final RuntimeClient runtime;

    public PodContainers(RuntimeClient runtime) {
        this.runtime = runtime;
    }

    /** The pod's ready sandbox (the newest when several are). */
    public Optional<PodSandbox> sandbox(String namespace, String pod) {
        return runtime.listPodSandbox(PodSandboxFilter.newBuilder()
                        .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))
                        .putAllLabelSelector(Map.of(POD_NAME, pod, POD_NAMESPACE, namespace)).build())
                .stream().max(Comparator.comparingLong(PodSandbox::getCreatedAt));
    }

    /** The container's instances, newest first (by attempt, then creation). */
    public List<Container> instances(String namespace, String pod, String container) {
        return runtime.listContainers(ContainerFilter.newBuilder()
                        .putAllLabelSelector(Map.of(POD_NAME, pod, POD_NAMESPACE, namespace, CONTAINER_NAME, container)).build())
                .stream().sorted(Comparator.comparingInt((Container c) -> c.getMetadata().getAttempt())
                        .thenComparingLong(Container::getCreatedAt).reversed())
                .toList();
    }
}
