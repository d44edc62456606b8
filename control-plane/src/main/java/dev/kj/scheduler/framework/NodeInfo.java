package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A node with the pods the scheduler counts on it (bound, assumed and, in dry runs, hypothetical)
 * and their sums (upstream's framework.NodeInfo). The cache owns one per node and hands out copies.
 */
public final class NodeInfo {
    /** A host port in use: the address (0.0.0.0 for all), protocol and port. */
    public record HostPort(String ip, String protocol, int port) {
    }

    private Node node;
    private final List<Pod> pods = new ArrayList<>();
    private final Resource requested = new Resource();
    private final Resource nonZeroRequested = new Resource();
    private final Set<HostPort> usedPorts = new HashSet<>();

    public NodeInfo(Node node) {
        this.node = node;
    }

    /** The node, or null while only pods bound to a node the cache has not seen are known. */
    public Node node() {
        return node;
    }

    public void setNode(Node node) {
        this.node = node;
    }

    public String name() {
        return node.getMetadata().getName();
    }

    public List<Pod> pods() {
        return Collections.unmodifiableList(pods);
    }

    public Resource requested() {
        return requested;
    }

    public Resource nonZeroRequested() {
        return nonZeroRequested;
    }

    public Resource allocatable() {
        return node == null || node.getStatus() == null ? new Resource() : Resource.of(node.getStatus().getAllocatable());
    }

    public Set<HostPort> usedPorts() {
        return Collections.unmodifiableSet(usedPorts);
    }

    public void addPod(Pod pod) {
        pods.add(pod);
        requested.add(PodRequests.of(pod));
        nonZeroRequested.add(PodRequests.nonZero(pod));
        usedPorts.addAll(hostPorts(pod));
    }

    /** Removes the pod with this uid; false when it is not here. */
    public boolean removePod(String uid) {
        for (int i = 0; i < pods.size(); i++) {
            Pod pod = pods.get(i);
            if (uid.equals(pod.getMetadata().getUid())) {
                pods.remove(i);
                requested.subtract(PodRequests.of(pod));
                nonZeroRequested.subtract(PodRequests.nonZero(pod));
                usedPorts.clear();
                pods.forEach(p -> usedPorts.addAll(hostPorts(p)));
                return true;
            }
        }
        return false;
    }

    public NodeInfo copy() {
        NodeInfo copy = new NodeInfo(node);
        copy.pods.addAll(pods);
        copy.requested.add(requested);
        copy.nonZeroRequested.add(nonZeroRequested);
        copy.usedPorts.addAll(usedPorts);
        return copy;
    }

    /** The host ports a pod's containers ask for (hostPort 0 asks for none). */
    public static List<HostPort> hostPorts(Pod pod) {
        List<HostPort> ports = new ArrayList<>();
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
                if (port.getHostPort() == null || port.getHostPort() <= 0) {
                    continue;
                }
                String ip = port.getHostIP() == null || port.getHostIP().isEmpty() ? "0.0.0.0" : port.getHostIP();
                String protocol = port.getProtocol() == null || port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
                ports.add(new HostPort(ip, protocol, port.getHostPort()));
            }
        }
        return ports;
    }
}
