package dev.kj.kubelet.kuberuntime;

import dev.kj.kubelet.cri.v1.DNSConfig;
import dev.kj.kubelet.cri.v1.Int64Value;
import dev.kj.kubelet.cri.v1.LinuxPodSandboxConfig;
import dev.kj.kubelet.cri.v1.LinuxSandboxSecurityContext;
import dev.kj.kubelet.cri.v1.NamespaceMode;
import dev.kj.kubelet.cri.v1.NamespaceOption;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxMetadata;
import dev.kj.kubelet.cri.v1.PortMapping;
import dev.kj.kubelet.cri.v1.Protocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** The PodSandboxConfig of a pod (upstream's generatePodSandboxConfig and dns.GetPodDNS). */
public final class SandboxConfigs {
    /** The node's DNS facts: cluster DNS servers (empty: none configured), cluster domain, the host's resolv.conf. */
    public record Dns(List<String> clusterDns, String clusterDomain, Path resolvConf) {
    }

    private SandboxConfigs() {
    }

    public static Path logDirectory(Path logRoot, Pod pod) {
        var meta = pod.getMetadata();
        return logRoot.resolve(meta.getNamespace() + "_" + meta.getName() + "_" + meta.getUid());
    }

    public static boolean hostNetwork(Pod pod) {
        return Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
    }

    public static PodSandboxConfig build(Pod pod, int attempt, Path logRoot, Dns dns) {
        var meta = pod.getMetadata();
        PodSandboxConfig.Builder config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(meta.getName()).setNamespace(meta.getNamespace())
                        .setUid(meta.getUid()).setAttempt(attempt))
                .putAllLabels(Labels.sandbox(pod))
                .setLogDirectory(logDirectory(logRoot, pod).toString())
                .setDnsConfig(dnsConfig(pod, dns));
        if (meta.getAnnotations() != null) {
            config.putAllAnnotations(meta.getAnnotations());
        }
        if (!hostNetwork(pod)) {
            config.setHostname(hostname(pod));
        }
        for (Container container : nonNull(pod.getSpec().getContainers())) {
            for (ContainerPort port : nonNull(container.getPorts())) {
                if (port.getHostPort() == null || port.getHostPort() <= 0) {
                    continue;
                }
                config.addPortMappings(PortMapping.newBuilder().setProtocol(protocol(port.getProtocol()))
                        .setContainerPort(port.getContainerPort()).setHostPort(port.getHostPort())
                        .setHostIp(port.getHostIP() == null ? "" : port.getHostIP()));
            }
        }
        LinuxSandboxSecurityContext.Builder security = LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces(pod));
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        if (psc != null) {
            if (psc.getRunAsUser() != null) {
                security.setRunAsUser(Int64Value.newBuilder().setValue(psc.getRunAsUser()));
            }
            if (psc.getRunAsGroup() != null) {
                security.setRunAsGroup(Int64Value.newBuilder().setValue(psc.getRunAsGroup()));
            }
            if (psc.getFsGroup() != null) {
                security.addSupplementalGroups(psc.getFsGroup());
            }
            nonNull(psc.getSupplementalGroups()).forEach(security::addSupplementalGroups);
        }
        boolean privileged = allContainers(pod).stream().anyMatch(c -> c.getSecurityContext() != null
                && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged()));
        security.setPrivileged(privileged);
        LinuxPodSandboxConfig.Builder linux = LinuxPodSandboxConfig.newBuilder().setSecurityContext(security);
        if (psc != null) {
            nonNull(psc.getSysctls()).forEach(s -> linux.putSysctls(s.getName(), s.getValue()));
        }
        return config.setLinux(linux).build();
    }

    public static NamespaceOption namespaces(Pod pod) {
        var spec = pod.getSpec();
        return NamespaceOption.newBuilder()
                .setNetwork(hostNetwork(pod) ? NamespaceMode.NODE : NamespaceMode.POD)
                .setPid(Boolean.TRUE.equals(spec.getHostPID()) ? NamespaceMode.NODE
                        : Boolean.TRUE.equals(spec.getShareProcessNamespace()) ? NamespaceMode.POD : NamespaceMode.CONTAINER)
                .setIpc(Boolean.TRUE.equals(spec.getHostIPC()) ? NamespaceMode.NODE : NamespaceMode.POD)
                .build();
    }

    /** spec.hostname, else the pod's name, cut to 63 characters without a trailing '-' or '.'. */
    public static String hostname(Pod pod) {
        String name = pod.getSpec().getHostname() != null && !pod.getSpec().getHostname().isEmpty()
                ? pod.getSpec().getHostname() : pod.getMetadata().getName();
        if (name.length() > 63) {
            name = name.substring(0, 63);
            while (!name.isEmpty() && (name.endsWith("-") || name.endsWith("."))) {
                name = name.substring(0, name.length() - 1);
            }
        }
        return name;
    }

    /**
     * Upstream's GetPodDNS: ClusterFirst (or ClusterFirstWithHostNet on the host's network) with a
     * cluster DNS gets those servers and the cluster's search domains before the host's; with none
     * configured, and for Default, the host's resolv.conf; None takes only the pod's dnsConfig,
     * which is merged into every other policy too.
     */
    public static DNSConfig dnsConfig(Pod pod, Dns dns) {
        String policy = pod.getSpec().getDnsPolicy() == null ? "ClusterFirst" : pod.getSpec().getDnsPolicy();
        if (policy.equals("ClusterFirst") && hostNetwork(pod)) {
            policy = "Default";
        } else if (policy.equals("ClusterFirstWithHostNet")) {
            policy = "ClusterFirst";
        }
        if (policy.equals("ClusterFirst") && dns.clusterDns().isEmpty()) {
            policy = "Default";
        }
        List<String> servers = new ArrayList<>();
        LinkedHashSet<String> searches = new LinkedHashSet<>();
        LinkedHashSet<String> options = new LinkedHashSet<>();
        HostResolv host = HostResolv.read(dns.resolvConf());
        switch (policy) {
            case "ClusterFirst" -> {
                servers.addAll(dns.clusterDns());
                String ns = pod.getMetadata().getNamespace();
                searches.add(ns + ".svc." + dns.clusterDomain());
                searches.add("svc." + dns.clusterDomain());
                searches.add(dns.clusterDomain());
                searches.addAll(host.searches());
                options.add("ndots:5");
            }
            case "Default" -> {
                servers.addAll(host.servers());
                searches.addAll(host.searches());
                options.addAll(host.options());
            }
            default -> {
            }
        }
        var podDns = pod.getSpec().getDnsConfig();
        if (podDns != null) {
            for (String s : nonNull(podDns.getNameservers())) {
                if (!servers.contains(s)) {
                    servers.add(s);
                }
            }
            searches.addAll(nonNull(podDns.getSearches()));
            for (PodDNSConfigOption option : nonNull(podDns.getOptions())) {
                String name = option.getName();
                options.removeIf(o -> o.equals(name) || o.startsWith(name + ":"));
                options.add(option.getValue() == null ? name : name + ":" + option.getValue());
            }
        }
        return DNSConfig.newBuilder().addAllServers(servers.stream().limit(3).toList())
                .addAllSearches(searches.stream().limit(32).toList()).addAllOptions(options).build();
    }

    /** The host's resolv.conf, as far as the kubelet uses it. */
    record HostResolv(List<String> servers, List<String> searches, List<String> options) {
        static HostResolv read(Path file) {
            List<String> servers = new ArrayList<>();
            List<String> searches = new ArrayList<>();
            List<String> options = new ArrayList<>();
            List<String> lines;
            try {
                lines = file == null || !Files.exists(file) ? List.of() : Files.readAllLines(file);
            } catch (IOException e) {
                lines = List.of();
            }
            for (String raw : lines) {
                String line = raw.split("[#;]", 2)[0].trim();
                String[] fields = line.split("\\s+");
                if (fields.length < 2) {
                    continue;
                }
                switch (fields[0]) {
                    case "nameserver" -> servers.add(fields[1]);
                    case "search" -> {
                        searches.clear();
                        for (int i = 1; i < fields.length; i++) {
                            if (!fields[i].equals(".")) {
                                searches.add(fields[i].endsWith(".") ? fields[i].substring(0, fields[i].length() - 1) : fields[i]);
                            }
                        }
                    }
                    case "options" -> {
                        for (int i = 1; i < fields.length; i++) {
                            options.add(fields[i]);
                        }
                    }
                    default -> {
                    }
                }
            }
            return new HostResolv(servers, searches, options);
        }
    }

    private static Protocol protocol(String protocol) {
        return switch (protocol == null ? "TCP" : protocol) {
            case "UDP" -> Protocol.UDP;
            case "SCTP" -> Protocol.SCTP;
            default -> Protocol.TCP;
        };
    }

    static List<Container> allContainers(Pod pod) {
        List<Container> all = new ArrayList<>(nonNull(pod.getSpec().getInitContainers()));
        all.addAll(nonNull(pod.getSpec().getContainers()));
        return all;
    }

    static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
