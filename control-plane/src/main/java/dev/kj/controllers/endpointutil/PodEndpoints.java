package dev.kj.controllers.endpointutil;

import dev.kj.api.informers.Indexer;
import dev.kj.api.objects.Keys;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What the Endpoints and EndpointSlice controllers share about pods and services (upstream's
 * k8s.io/endpointslice/util and the pod helpers they call): which pods are endpoints, their
 * address for a service's IP family, named target ports, hostnames, and which services select a pod.
 */
public final class PodEndpoints {
    private PodEndpoints() {
    }

    /** Upstream's IsPodReady: the Ready condition is True. */
    public static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The pod's Ready condition, if it has one. */
    public static PodCondition readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    }

    static boolean isTerminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /**
     * Upstream's ShouldPodBeInEndpoints: not finished, has an IP, and, unless terminating pods are
     * included, not being deleted.
     */
    public static boolean shouldBeInEndpoints(Pod pod, boolean includeTerminating) {
        if (isTerminal(pod) || podIps(pod).isEmpty()) {
            return false;
        }
        return includeTerminating || pod.getMetadata().getDeletionTimestamp() == null;
    }

    /** Upstream's ShouldSetHostname: the pod names a hostname and this service as its subdomain. */
    public static boolean shouldSetHostname(Pod pod, Service service) {
        String hostname = pod.getSpec().getHostname();
        return hostname != null && !hostname.isEmpty()
                && Objects.equals(pod.getSpec().getSubdomain(), service.getMetadata().getName())
                && Objects.equals(pod.getMetadata().getNamespace(), service.getMetadata().getNamespace());
    }

    /** status.podIPs, else status.podIP. */
    public static List<String> podIps(Pod pod) {
        if (pod.getStatus() == null) {
            return List.of();
        }
        List<String> ips = new ArrayList<>();
        if (pod.getStatus().getPodIPs() != null) {
            for (PodIP ip : pod.getStatus().getPodIPs()) {
                if (ip.getIp() != null && !ip.getIp().isEmpty()) {
                    ips.add(ip.getIp());
                }
            }
        }
        if (ips.isEmpty() && pod.getStatus().getPodIP() != null && !pod.getStatus().getPodIP().isEmpty()) {
            ips.add(pod.getStatus().getPodIP());
        }
        return ips;
    }

    public static boolean isIpv6(String ip) {
        return ip.contains(":");
    }

    /**
     * The family the Endpoints controller picks for a service: its first ipFamily, else that of its
     * cluster IP, else (headless, from an old server) that of the pod's IP.
     */
    public static String endpointsFamily(Service service, Pod pod) {
        List<String> families = service.getSpec().getIpFamilies();
        if (families != null && !families.isEmpty()) {
            return families.getFirst();
        }
        String clusterIp = service.getSpec().getClusterIP();
        if (clusterIp != null && !clusterIp.isEmpty() && !"None".equals(clusterIp)) {
            return isIpv6(clusterIp) ? "IPv6" : "IPv4";
        }
        String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        return podIp != null && isIpv6(podIp) ? "IPv6" : "IPv4";
    }

    /** The pod's first IP of {@code family} ("IPv4" or "IPv6"), or null. */
    public static String ipOfFamily(Pod pod, String family) {
        for (String ip : podIps(pod)) {
            if (isIpv6(ip) == "IPv6".equals(family)) {
                return ip;
            }
        }
        return null;
    }

    /**
     * Upstream's FindPort: a numeric targetPort as is; a named one is looked up among the
     * containers' (and restartable init containers') ports with the service port's protocol.
     */
    public static OptionalInt findPort(Pod pod, ServicePort servicePort) {
        IntOrString target = servicePort.getTargetPort();
        if (target == null) {
            return servicePort.getPort() == null ? OptionalInt.empty() : OptionalInt.of(servicePort.getPort());
        }
        if (target.getStrVal() == null) {
            return target.getIntVal() == null ? OptionalInt.empty() : OptionalInt.of(target.getIntVal());
        }
        String protocol = protocol(servicePort.getProtocol());
        List<Container> containers = new ArrayList<>();
        if (pod.getSpec().getContainers() != null) {
            containers.addAll(pod.getSpec().getContainers());
        }
        if (pod.getSpec().getInitContainers() != null) {
            pod.getSpec().getInitContainers().stream().filter(c -> "Always".equals(c.getRestartPolicy())).forEach(containers::add);
        }
        for (Container container : containers) {
            if (container.getPorts() == null) {
                continue;
            }
            for (ContainerPort port : container.getPorts()) {
                if (target.getStrVal().equals(port.getName()) && protocol.equals(protocol(port.getProtocol()))) {
                    return OptionalInt.of(port.getContainerPort());
                }
            }
        }
        return OptionalInt.empty();
    }

    public static String protocol(String protocol) {
        return protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    }

    /** Whether a service's (non-empty) selector selects these labels. */
    public static boolean selects(Service service, Map<String, String> labels) {
        Map<String, String> selector = service.getSpec() == null ? null : service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            return false;
        }
        Map<String, String> actual = labels == null ? Map.of() : labels;
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(actual.get(e.getKey())));
    }

    /** Keys of the services (in the pod's namespace) whose selector selects the pod. */
    public static Set<String> memberships(Indexer<Service> services, Pod pod) {
        Set<String> keys = new LinkedHashSet<>();
        for (Service service : services.byNamespace(pod.getMetadata().getNamespace())) {
            if (selects(service, pod.getMetadata().getLabels())) {
                keys.add(Keys.of(service.getMetadata().getNamespace(), service.getMetadata().getName()));
            }
        }
        return keys;
    }

    /**
     * Upstream's GetServicesToUpdateOnPodChange: nothing when nothing an endpoint shows changed;
     * the services of both versions when the labels changed, else those of the current one.
     */
    public static Set<String> servicesToUpdate(Indexer<Service> services, Pod old, Pod current) {
        if (Objects.equals(old.getMetadata().getResourceVersion(), current.getMetadata().getResourceVersion())) {
            return Set.of();
        }
        boolean labelsChanged = !Objects.equals(old.getMetadata().getLabels(), current.getMetadata().getLabels());
        if (!labelsChanged && !endpointChanged(old, current)) {
            return Set.of();
        }
        Set<String> keys = memberships(services, current);
        if (labelsChanged) {
            keys.addAll(memberships(services, old));
        }
        return keys;
    }

    /** Whether anything an Endpoints address or EndpointSlice endpoint derives from the pod changed. */
    static boolean endpointChanged(Pod old, Pod current) {
        return isReady(old) != isReady(current)
                || (old.getMetadata().getDeletionTimestamp() == null) != (current.getMetadata().getDeletionTimestamp() == null)
                || isTerminal(old) != isTerminal(current)
                || !podIps(old).equals(podIps(current))
                || !Objects.equals(old.getSpec().getHostname(), current.getSpec().getHostname())
                || !Objects.equals(old.getSpec().getSubdomain(), current.getSpec().getSubdomain())
                || !Objects.equals(old.getSpec().getNodeName(), current.getSpec().getNodeName())
                || !Objects.equals(old.getSpec().getContainers(), current.getSpec().getContainers())
                || !Objects.equals(old.getSpec().getInitContainers(), current.getSpec().getInitContainers());
    }
}
