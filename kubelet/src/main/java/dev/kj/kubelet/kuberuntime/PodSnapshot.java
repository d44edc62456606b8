package dev.kj.kubelet.kuberuntime;

import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.ContainerFilter;
import dev.kj.kubelet.cri.v1.ContainerState;
import dev.kj.kubelet.cri.v1.ContainerStatus;
import dev.kj.kubelet.cri.v1.PodIP;
import dev.kj.kubelet.cri.v1.PodSandboxFilter;
import dev.kj.kubelet.cri.v1.PodSandboxState;
import dev.kj.kubelet.cri.v1.PodSandboxStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** What the runtime holds for one pod uid (upstream's kubecontainer.PodStatus): sandboxes and containers, newest first. */
public record PodSnapshot(List<PodSandboxStatus> sandboxes, List<ContainerStatus> containers) {
    public static PodSnapshot observe(RuntimeClient runtime, String podUid) {
        List<PodSandboxStatus> sandboxes = new ArrayList<>();
        for (var sandbox : runtime.listPodSandbox(PodSandboxFilter.newBuilder().putLabelSelector(Labels.POD_UID, podUid).build())) {
            try {
                sandboxes.add(runtime.podSandboxStatus(sandbox.getId(), false).getStatus());
            } catch (CriException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
        List<ContainerStatus> containers = new ArrayList<>();
        for (var container : runtime.listContainers(ContainerFilter.newBuilder().putLabelSelector(Labels.POD_UID, podUid).build())) {
            try {
                containers.add(runtime.containerStatus(container.getId(), false).getStatus());
            } catch (CriException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
        sandboxes.sort(Comparator.comparingLong(PodSandboxStatus::getCreatedAt).reversed());
        containers.sort(Comparator.comparingLong(ContainerStatus::getCreatedAt).reversed());
        return new PodSnapshot(List.copyOf(sandboxes), List.copyOf(containers));
    }

    public Optional<PodSandboxStatus> latestSandbox() {
        return sandboxes.stream().findFirst();
    }

    public boolean sandboxReady() {
        return latestSandbox().map(s -> s.getState() == PodSandboxState.SANDBOX_READY).orElse(false);
    }

    /** The latest sandbox's addresses, primary first. */
    public List<String> podIps() {
        Optional<PodSandboxStatus> sandbox = latestSandbox().filter(s -> s.getState() == PodSandboxState.SANDBOX_READY);
        if (sandbox.isEmpty() || !sandbox.get().hasNetwork() || sandbox.get().getNetwork().getIp().isEmpty()) {
            return List.of();
        }
        List<String> ips = new ArrayList<>();
        ips.add(sandbox.get().getNetwork().getIp());
        sandbox.get().getNetwork().getAdditionalIpsList().stream().map(PodIP::getIp).forEach(ips::add);
        return ips;
    }

    /** The pod's containers of this name, newest first. */
    public List<ContainerStatus> named(String name) {
        return containers.stream().filter(c -> name.equals(c.getMetadata().getName())).toList();
    }

    public Optional<ContainerStatus> latest(String name) {
        return named(name).stream().findFirst();
    }

    public static boolean running(ContainerStatus status) {
        return status.getState() == ContainerState.CONTAINER_RUNNING;
    }

    public static boolean exited(ContainerStatus status) {
        return status.getState() == ContainerState.CONTAINER_EXITED || status.getState() == ContainerState.CONTAINER_UNKNOWN;
    }

    public static int restartCount(ContainerStatus status) {
        return Labels.intAnnotation(status.getAnnotationsMap(), Labels.RESTART_COUNT);
    }
}
