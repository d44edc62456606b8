package dev.kj.kubelet.pod;

import dev.kj.api.client.ApiClient;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.kuberuntime.ContainerHooks;
import dev.kj.kubelet.kuberuntime.SandboxConfigs;
import dev.kj.kubelet.status.ContainerProbes;
import dev.kj.kubelet.volume.PodVolumes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Everything the pod workers need.
 *
 * @param api          the API as {@code system:node:<nodeName>}
 * @param hostIps      the node's addresses (status.hostIP/hostIPs), primary first
 * @param logRoot      container logs go under {@code <logRoot>/<ns>_<pod>_<uid>/} (upstream: /var/log/pods)
 * @param rootDir      the kubelet's directory; per-pod files under {@code <rootDir>/pods/<uid>/}
 * @param dns          cluster DNS servers (none: pods get the host's resolv.conf), cluster domain, resolv.conf
 * @param nodeCpus     allocatable CPUs and memory: unset limits in resourceFieldRef, the OOM score
 * @param probes       readiness/startup answers and running containers (a probe manager; {@link ContainerProbes#NONE} without)
 * @param hooks        postStart/preStop (lifecycle hooks; {@link ContainerHooks#NONE} without)
 * @param housekeeping how often every pod is synced (container exits and back-off expiry are seen by then)
 */
public record PodWorkersConfig(ApiClient api, RuntimeClient runtime, ImageClient images, String nodeName, List<String> hostIps,
                               Path logRoot, Path rootDir, PodVolumes volumes, Clock clock, SandboxConfigs.Dns dns, int nodeCpus,
                               long nodeMemory, ContainerProbes probes, ContainerHooks hooks, Duration crashBackOffInitial,
                               Duration crashBackOffMax, Duration imageBackOffInitial, Duration imageBackOffMax, Duration housekeeping) {
    public static final Duration CRASH_BACK_OFF_INITIAL = Duration.ofSeconds(10);
    public static final Duration CRASH_BACK_OFF_MAX = Duration.ofMinutes(5);

    /** Upstream's defaults: no cluster DNS, cluster.local, /etc/resolv.conf, 10 s → 5 min back-offs, a 1 s housekeeping. */
    public static PodWorkersConfig of(ApiClient api, RuntimeClient runtime, ImageClient images, String nodeName, String hostIp,
                                      Path logRoot, Path rootDir, PodVolumes volumes, Clock clock) {
        return new PodWorkersConfig(api, runtime, images, nodeName, List.of(hostIp), logRoot, rootDir, volumes, clock,
                new SandboxConfigs.Dns(List.of(), "cluster.local", Path.of("/etc/resolv.conf")),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(), ContainerProbes.NONE, ContainerHooks.NONE,
                CRASH_BACK_OFF_INITIAL, CRASH_BACK_OFF_MAX, CRASH_BACK_OFF_INITIAL, CRASH_BACK_OFF_MAX, Duration.ofSeconds(1));
    }

    public PodWorkersConfig withDns(SandboxConfigs.Dns value) {
        return new PodWorkersConfig(api, runtime, images, nodeName, hostIps, logRoot, rootDir, volumes, clock, value, nodeCpus, nodeMemory,
                probes, hooks, crashBackOffInitial, crashBackOffMax, imageBackOffInitial, imageBackOffMax, housekeeping);
    }

    public PodWorkersConfig withNodeResources(int cpus, long memory) {
        return new PodWorkersConfig(api, runtime, images, nodeName, hostIps, logRoot, rootDir, volumes, clock, dns, cpus, memory,
                probes, hooks, crashBackOffInitial, crashBackOffMax, imageBackOffInitial, imageBackOffMax, housekeeping);
    }

    public PodWorkersConfig withProbes(ContainerProbes value) {
        return new PodWorkersConfig(api, runtime, images, nodeName, hostIps, logRoot, rootDir, volumes, clock, dns, nodeCpus, nodeMemory,
                value, hooks, crashBackOffInitial, crashBackOffMax, imageBackOffInitial, imageBackOffMax, housekeeping);
    }

    public PodWorkersConfig withHooks(ContainerHooks value) {
        return new PodWorkersConfig(api, runtime, images, nodeName, hostIps, logRoot, rootDir, volumes, clock, dns, nodeCpus, nodeMemory,
                probes, value, crashBackOffInitial, crashBackOffMax, imageBackOffInitial, imageBackOffMax, housekeeping);
    }

    public PodWorkersConfig withImageBackOff(Duration initial, Duration max) {
        return new PodWorkersConfig(api, runtime, images, nodeName, hostIps, logRoot, rootDir, volumes, clock, dns, nodeCpus, nodeMemory,
                probes, hooks, crashBackOffInitial, crashBackOffMax, initial, max, housekeeping);
    }
}
