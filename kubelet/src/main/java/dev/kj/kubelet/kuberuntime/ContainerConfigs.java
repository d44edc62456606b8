package dev.kj.kubelet.kuberuntime;

import com.google.protobuf.ByteString;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.v1.Capability;
import dev.kj.kubelet.cri.v1.ContainerConfig;
import dev.kj.kubelet.cri.v1.ContainerMetadata;
import dev.kj.kubelet.cri.v1.Image;
import dev.kj.kubelet.cri.v1.Int64Value;
import dev.kj.kubelet.cri.v1.KeyValue;
import dev.kj.kubelet.cri.v1.LinuxContainerConfig;
import dev.kj.kubelet.cri.v1.LinuxContainerResources;
import dev.kj.kubelet.cri.v1.LinuxContainerSecurityContext;
import dev.kj.kubelet.cri.v1.Mount;
import dev.kj.kubelet.cri.v1.MountPropagation;
import dev.kj.kubelet.env.ConfigError;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A container's ContainerConfig (upstream's generateContainerConfig with its Linux part). */
public final class ContainerConfigs {
    static final long CPU_PERIOD = 100_000;
    static final long MIN_SHARES = 2;
    /** Paths runc hides or makes read-only in unprivileged containers (upstream's securitycontext defaults). */
    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** Everything besides the pod and the container that goes into the config. */
    public record Inputs(int restartCount, Image image, Map<String, String> env, Map<String, Path> volumes, Path podDir,
                         List<String> podIps, long memoryCapacity) {
    }

    private ContainerConfigs() {
    }

    public static ContainerConfig build(Pod pod, Container container, Inputs in) throws ConfigError {
        ContainerConfig.Builder config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(container.getName()).setAttempt(in.restartCount()))
                .setImage(ImageClient.spec(in.image().getId()).toBuilder().setUserSpecifiedImage(container.getImage()))
                .addAllCommand(dev.kj.kubelet.env.Environment.expand(container.getCommand(), in.env()))
                .addAllArgs(dev.kj.kubelet.env.Environment.expand(container.getArgs(), in.env()))
                .setWorkingDir(container.getWorkingDir() == null ? "" : container.getWorkingDir())
                .putAllLabels(Labels.container(pod, container))
                .putAllAnnotations(Labels.containerAnnotations(pod, container, in.restartCount()))
                .setLogPath(container.getName() + "/" + in.restartCount() + ".log")
                .setStdin(Boolean.TRUE.equals(container.getStdin()))
                .setStdinOnce(Boolean.TRUE.equals(container.getStdinOnce()))
                .setTty(Boolean.TRUE.equals(container.getTty()));
        in.env().forEach((k, v) -> config.addEnvs(KeyValue.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8(v))));
        config.addAllMounts(mounts(pod, container, in));
        config.setLinux(LinuxContainerConfig.newBuilder().setResources(resources(pod, container, in.memoryCapacity()))
                .setSecurityContext(security(pod, container, in.image())));
        return config.build();
    }

    static List<Mount> mounts(Pod pod, Container container, Inputs in) throws ConfigError {
        java.util.ArrayList<Mount> mounts = new java.util.ArrayList<>();
        boolean ownHosts = false;
        for (VolumeMount vm : SandboxConfigs.nonNull(container.getVolumeMounts())) {
            Path base = in.volumes().get(vm.getName());
            if (base == null) {
                throw new ConfigError("cannot find volume \"" + vm.getName() + "\" to mount into container \"" + container.getName() + "\"");
            }
            Path host = base;
            String sub = vm.getSubPath();
            if (sub != null && !sub.isEmpty()) {
                if (sub.startsWith("/") || List.of(sub.split("/")).contains("..")) {
                    throw new ConfigError("failed to prepare subPath for volumeMount \"" + vm.getName() + "\" of container \""
                            + container.getName() + "\": subPath must be a relative path without '..'");
                }
                host = base.resolve(sub);
                if (!Files.exists(host)) {
                    try {
                        Files.createDirectories(host);
                    } catch (IOException e) {
                        throw new ConfigError("failed to create subPath directory for volumeMount \"" + vm.getName() + "\" of container \""
                                + container.getName() + "\"");
                    }
                }
            }
            if (vm.getMountPath().equals("/etc/hosts")) {
                ownHosts = true;
            }
            mounts.add(Mount.newBuilder().setContainerPath(vm.getMountPath()).setHostPath(host.toString())
                    .setReadonly(Boolean.TRUE.equals(vm.getReadOnly())).setPropagation(propagation(vm.getMountPropagation())).build());
        }
        try {
            if (!ownHosts) {
                Path hosts = in.podDir().resolve("etc-hosts");
                Files.createDirectories(in.podDir());
                Files.writeString(hosts, hostsFile(pod, in.podIps()));
                mounts.add(Mount.newBuilder().setContainerPath("/etc/hosts").setHostPath(hosts.toString()).build());
            }
            Path dir = in.podDir().resolve("containers").resolve(container.getName());
            Files.createDirectories(dir);
            Path log = dir.resolve(UUID.randomUUID().toString().substring(0, 8));
            Files.write(log, new byte[0]);
            Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
            mounts.add(Mount.newBuilder().setContainerPath(Labels.terminationMessagePath(container)).setHostPath(log.toString()).build());
        } catch (IOException e) {
            throw new ConfigError("failed to prepare the pod's files under " + in.podDir() + ": " + e.getMessage());
        }
        return mounts;
    }

    /** The kubelet-managed /etc/hosts (upstream's managedHostsFileContent); on the host network, the host's own. */
    static String hostsFile(Pod pod, List<String> podIps) throws IOException {
        if (SandboxConfigs.hostNetwork(pod)) {
            Path host = Path.of("/etc/hosts");
            String content = Files.exists(host) ? Files.readString(host, StandardCharsets.UTF_8) : "";
            return "# Kubernetes-managed hosts file (host network).\n" + content;
        }
        StringBuilder out = new StringBuilder("# Kubernetes-managed hosts file.\n")
                .append("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n")
                .append("fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n");
        String hostname = SandboxConfigs.hostname(pod);
        String subdomain = pod.getSpec().getSubdomain();
        String fqdn = subdomain == null || subdomain.isEmpty() ? ""
                : hostname + "." + subdomain + "." + pod.getMetadata().getNamespace() + ".svc.cluster.local\t";
        for (String ip : podIps) {
            out.append(ip).append('\t').append(fqdn).append(hostname).append('\n');
        }
        return out + aliases(pod);
    }

    private static String aliases(Pod pod) {
        StringBuilder out = new StringBuilder();
        List<HostAlias> aliases = SandboxConfigs.nonNull(pod.getSpec().getHostAliases());
        if (!aliases.isEmpty()) {
            out.append("\n# Entries added by HostAliases.\n");
            for (HostAlias alias : aliases) {
                out.append(alias.getIp()).append('\t').append(String.join("\t", SandboxConfigs.nonNull(alias.getHostnames()))).append('\n');
            }
        }
        return out.toString();
    }

    /** Requests and limits as cgroup values (upstream's calculateLinuxResources), plus the QoS OOM score. */
    static LinuxContainerResources resources(Pod pod, Container container, long memoryCapacity) {
        Map<String, Quantity> requests = container.getResources() == null || container.getResources().getRequests() == null
                ? Map.of() : container.getResources().getRequests();
        Map<String, Quantity> limits = container.getResources() == null || container.getResources().getLimits() == null
                ? Map.of() : container.getResources().getLimits();
        LinuxContainerResources.Builder r = LinuxContainerResources.newBuilder();
        Quantity cpuRequest = requests.getOrDefault("cpu", limits.get("cpu"));
        long shares = cpuRequest == null ? MIN_SHARES : Math.max(MIN_SHARES, millis(cpuRequest) * 1024 / 1000);
        r.setCpuShares(shares);
        if (limits.containsKey("cpu")) {
            long quota = millis(limits.get("cpu")) * CPU_PERIOD / 1000;
            r.setCpuPeriod(CPU_PERIOD).setCpuQuota(Math.max(quota, 1000));
        }
        if (limits.containsKey("memory")) {
            r.setMemoryLimitInBytes(Qos.amount(limits.get("memory")).longValue());
        }
        r.setOomScoreAdj(Qos.oomScoreAdj(pod, container, memoryCapacity));
        return r.build();
    }

    private static long millis(Quantity q) {
        return Qos.amount(q).multiply(java.math.BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.CEILING).longValue();
    }

    /**
     * Pod and container security contexts merged, container winning (upstream's
     * determineEffectiveSecurityContext), and the runAsNonRoot check against the image's user.
     */
    static LinuxContainerSecurityContext security(Pod pod, Container container, Image image) throws ConfigError {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        SecurityContext sc = container.getSecurityContext();
        Long runAsUser = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : psc == null ? null : psc.getRunAsUser();
        Long runAsGroup = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup() : psc == null ? null : psc.getRunAsGroup();
        Boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : psc == null ? null : psc.getRunAsNonRoot();
        boolean privileged = sc != null && Boolean.TRUE.equals(sc.getPrivileged());
        LinuxContainerSecurityContext.Builder out = LinuxContainerSecurityContext.newBuilder()
                .setNamespaceOptions(SandboxConfigs.namespaces(pod))
                .setPrivileged(privileged);
        if (Boolean.TRUE.equals(nonRoot)) {
            String podName = pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
            if (runAsUser != null) {
                if (runAsUser == 0) {
                    throw new ConfigError("container's runAsUser breaks non-root policy (pod: \"" + podName + "\", container: "
                            + container.getName() + ")");
                }
            } else if (image.hasUid()) {
                if (image.getUid().getValue() == 0) {
                    throw new ConfigError("container has runAsNonRoot and image will run as root (pod: \"" + podName + "\", container: "
                            + container.getName() + ")");
                }
            } else if (!image.getUsername().isEmpty()) {
                throw new ConfigError("container has runAsNonRoot and image has non-numeric user (" + image.getUsername()
                        + "), cannot verify user is non-root (pod: \"" + podName + "\", container: " + container.getName() + ")");
            } else {
                // No user in the image means root.
                throw new ConfigError("container has runAsNonRoot and image will run as root (pod: \"" + podName + "\", container: "
                        + container.getName() + ")");
            }
        }
        if (runAsUser != null) {
            out.setRunAsUser(Int64Value.newBuilder().setValue(runAsUser));
        }
        if (runAsGroup != null) {
            out.setRunAsGroup(Int64Value.newBuilder().setValue(runAsGroup));
        }
        if (psc != null) {
            if (psc.getFsGroup() != null) {
                out.addSupplementalGroups(psc.getFsGroup());
            }
            SandboxConfigs.nonNull(psc.getSupplementalGroups()).forEach(out::addSupplementalGroups);
        }
        if (sc != null) {
            if (sc.getCapabilities() != null) {
                out.setCapabilities(Capability.newBuilder().addAllAddCapabilities(SandboxConfigs.nonNull(sc.getCapabilities().getAdd()))
                        .addAllDropCapabilities(SandboxConfigs.nonNull(sc.getCapabilities().getDrop())));
            }
            out.setReadonlyRootfs(Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()));
            out.setNoNewPrivs(Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()));
        }
        if (!privileged && (sc == null || !"Unmasked".equals(sc.getProcMount()))) {
            out.addAllMaskedPaths(MASKED_PATHS).addAllReadonlyPaths(READONLY_PATHS);
        }
        return out.build();
    }

    private static MountPropagation propagation(String mode) {
        return switch (mode == null ? "None" : mode) {
            case "HostToContainer" -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
            case "Bidirectional" -> MountPropagation.PROPAGATION_BIDIRECTIONAL;
            default -> MountPropagation.PROPAGATION_PRIVATE;
        };
    }
}
