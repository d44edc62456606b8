package dev.kj.kubelet.cri;

import dev.kj.kubelet.cri.v1.AttachRequest;
import dev.kj.kubelet.cri.v1.ContainerConfig;
import dev.kj.kubelet.cri.v1.ContainerFilter;
import dev.kj.kubelet.cri.v1.ContainerStatusRequest;
import dev.kj.kubelet.cri.v1.ContainerStatusResponse;
import dev.kj.kubelet.cri.v1.CreateContainerRequest;
import dev.kj.kubelet.cri.v1.ExecRequest;
import dev.kj.kubelet.cri.v1.ExecSyncRequest;
import dev.kj.kubelet.cri.v1.ExecSyncResponse;
import dev.kj.kubelet.cri.v1.ListContainersRequest;
import dev.kj.kubelet.cri.v1.ListPodSandboxRequest;
import dev.kj.kubelet.cri.v1.NetworkConfig;
import dev.kj.kubelet.cri.v1.PodSandbox;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxFilter;
import dev.kj.kubelet.cri.v1.PodSandboxStatusRequest;
import dev.kj.kubelet.cri.v1.PodSandboxStatusResponse;
import dev.kj.kubelet.cri.v1.PortForwardRequest;
import dev.kj.kubelet.cri.v1.RemoveContainerRequest;
import dev.kj.kubelet.cri.v1.RemovePodSandboxRequest;
import dev.kj.kubelet.cri.v1.RunPodSandboxRequest;
import dev.kj.kubelet.cri.v1.RuntimeConfig;
import dev.kj.kubelet.cri.v1.RuntimeServiceGrpc;
import dev.kj.kubelet.cri.v1.StartContainerRequest;
import dev.kj.kubelet.cri.v1.StatusRequest;
import dev.kj.kubelet.cri.v1.StatusResponse;
import dev.kj.kubelet.cri.v1.StopContainerRequest;
import dev.kj.kubelet.cri.v1.StopPodSandboxRequest;
import dev.kj.kubelet.cri.v1.UpdateRuntimeConfigRequest;
import dev.kj.kubelet.cri.v1.VersionRequest;
import dev.kj.kubelet.cri.v1.VersionResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The kubelet's view of a CRI RuntimeService: one method per call it makes, each bounded by the
 * request timeout (calls that wait on the container, such as StopContainer and ExecSync, get their
 * own wait on top of it, as upstream's remote runtime adds them).
 */
public final class RuntimeClient {
    /** The CRI API version the kubelet asks for in Version. */
    public static final String API_VERSION = "v1";

    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub stub;
    private final Duration timeout;

    RuntimeClient(CriConnection connection, Duration timeout) {
        this.stub = RuntimeServiceGrpc.newBlockingStub(connection.channel());
        this.timeout = timeout;
    }

    private <R> R call(String operation, Duration deadline, Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, R> rpc) {
        try {
            return rpc.apply(stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw new CriException(operation, e);
        }
    }

    private <R> R call(String operation, Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, R> rpc) {
        return call(operation, timeout, rpc);
    }

    public VersionResponse version() {
        return call("Version", s -> s.version(VersionRequest.newBuilder().setVersion(API_VERSION).build()));
    }

    /** The runtime's conditions (RuntimeReady, NetworkReady); {@code verbose} adds its config as info. */
    public StatusResponse status(boolean verbose) {
        return call("Status", s -> s.status(StatusRequest.newBuilder().setVerbose(verbose).build()));
    }

    /** Tells the runtime the node's pod CIDR (containerd fills its CNI config template with it). */
    public void updatePodCidr(String podCidr) {
        call("UpdateRuntimeConfig", s -> s.updateRuntimeConfig(UpdateRuntimeConfigRequest.newBuilder()
                .setRuntimeConfig(RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(podCidr)))
                .build()));
    }

    /** Creates and starts a sandbox (its pause container and network); returns its id. */
    public String runPodSandbox(PodSandboxConfig config, String runtimeHandler) {
        // Setting up networking and pulling the sandbox image take long: no deadline beyond the caller's, as upstream.
        return call("RunPodSandbox", timeout.multipliedBy(2), s -> s.runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(config).setRuntimeHandler(runtimeHandler).build())).getPodSandboxId();
    }

    public void stopPodSandbox(String podSandboxId) {
        call("StopPodSandbox", s -> s.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podSandboxId).build()));
    }

    public void removePodSandbox(String podSandboxId) {
        call("RemovePodSandbox", s -> s.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podSandboxId).build()));
    }

    public PodSandboxStatusResponse podSandboxStatus(String podSandboxId, boolean verbose) {
        return call("PodSandboxStatus", s -> s.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(podSandboxId).setVerbose(verbose).build()));
    }

    public List<PodSandbox> listPodSandbox(PodSandboxFilter filter) {
        return call("ListPodSandbox", s -> s.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(filter).build()))
                .getItemsList();
    }

    /** Creates a container in a sandbox; {@code sandboxConfig} is the one the sandbox was run with. */
    public String createContainer(String podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig) {
        return call("CreateContainer", s -> s.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(podSandboxId).setConfig(config).setSandboxConfig(sandboxConfig).build())).getContainerId();
    }

    public void startContainer(String containerId) {
        call("StartContainer", s -> s.startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build()));
    }

    /** Signals the container and waits up to {@code gracePeriod} before killing it. */
    public void stopContainer(String containerId, Duration gracePeriod) {
        call("StopContainer", timeout.plus(gracePeriod), s -> s.stopContainer(StopContainerRequest.newBuilder()
                .setContainerId(containerId).setTimeout(gracePeriod.toSeconds()).build()));
    }

    public void removeContainer(String containerId) {
        call("RemoveContainer", s -> s.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build()));
    }

    public List<dev.kj.kubelet.cri.v1.Container> listContainers(ContainerFilter filter) {
        return call("ListContainers", s -> s.listContainers(ListContainersRequest.newBuilder().setFilter(filter).build()))
                .getContainersList();
    }

    public ContainerStatusResponse containerStatus(String containerId, boolean verbose) {
        return call("ContainerStatus", s -> s.containerStatus(ContainerStatusRequest.newBuilder()
                .setContainerId(containerId).setVerbose(verbose).build()));
    }

    /** Runs a command to completion; {@code limit} is the command's own timeout (zero: none, the call's deadline still holds). */
    public ExecSyncResponse execSync(String containerId, List<String> command, Duration limit) {
        return call("ExecSync", timeout.plus(limit), s -> s.execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId).addAllCmd(command).setTimeout(limit.toSeconds()).build()));
    }

    /** The runtime's streaming-server URL for an interactive exec. */
    public String exec(ExecRequest request) {
        return call("Exec", s -> s.exec(request)).getUrl();
    }

    /** The streaming-server URL for attaching to a container's stdio. */
    public String attach(AttachRequest request) {
        return call("Attach", s -> s.attach(request)).getUrl();
    }

    /** The streaming-server URL for forwarding to a sandbox's ports. */
    public String portForward(String podSandboxId, List<Integer> ports) {
        return call("PortForward", s -> s.portForward(PortForwardRequest.newBuilder()
                .setPodSandboxId(podSandboxId).addAllPort(ports).build())).getUrl();
    }
}
