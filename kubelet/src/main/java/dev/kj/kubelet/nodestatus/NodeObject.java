package dev.kj.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Node the kubelet registers and the status it posts, as upstream's kubelet fills them:
 * the well-known labels, capacity from the host, allocatable = capacity less upstream's default
 * hard eviction thresholds (memory.available 100Mi, nodefs.available 10%), InternalIP and
 * Hostname addresses, nodeInfo with the runtime as {@code <name>://<version>}, and the kubelet
 * endpoint port.
 */
public final class NodeObject {
    public static final int KUBELET_PORT = 10250;
    public static final int MAX_PODS = 110;
    static final long EVICTION_MEMORY_AVAILABLE = 100L * 1024 * 1024;

    private NodeObject() {
    }

    /** The object registered on first start: labels and status; spec is left to the controllers (podCIDR, taints). */
    public static Node initial(String nodeName, HostFacts host, String kubeletVersion, String runtimeVersion, NodeCondition ready) {
        return initial(nodeName, host, kubeletVersion, runtimeVersion, List.of(ready), List.of());
    }

    /** As above with all the kubelet's conditions and the node's pod CIDRs (kj has no node IPAM controller; the kubelet brings its range). */
    public static Node initial(String nodeName, HostFacts host, String kubeletVersion, String runtimeVersion, List<NodeCondition> conditions,
                               List<String> podCidrs) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("beta.kubernetes.io/arch", host.architecture());
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", host.architecture());
        labels.put("kubernetes.io/hostname", nodeName);
        labels.put("kubernetes.io/os", "linux");
        NodeBuilder node = new NodeBuilder()
                .withNewMetadata().withName(nodeName).withLabels(labels).endMetadata()
                .withStatus(status(host, kubeletVersion, runtimeVersion, conditions));
        if (!podCidrs.isEmpty()) {
            node.withNewSpec().withPodCIDR(podCidrs.getFirst()).withPodCIDRs(podCidrs).endSpec();
        }
        return node.build();
    }

    public static NodeStatus status(HostFacts host, String kubeletVersion, String runtimeVersion, List<NodeCondition> conditions) {
        Map<String, Quantity> capacity = new LinkedHashMap<>();
        capacity.put("cpu", new Quantity(Integer.toString(host.cpus())));
        capacity.put("ephemeral-storage", new Quantity(kibibytes(host.ephemeralStorageBytes())));
        capacity.put("hugepages-1Gi", new Quantity("0"));
        capacity.put("hugepages-2Mi", new Quantity("0"));
        capacity.put("memory", new Quantity(kibibytes(host.memoryBytes())));
        capacity.put("pods", new Quantity(Integer.toString(MAX_PODS)));
        Map<String, Quantity> allocatable = new LinkedHashMap<>(capacity);
        allocatable.put("memory", new Quantity(kibibytes(Math.max(0, host.memoryBytes() - EVICTION_MEMORY_AVAILABLE))));
        // 90% of a byte count is rarely a whole number of Ki: upstream prints it in plain bytes then.
        long storage = host.ephemeralStorageBytes() - (long) Math.ceil(host.ephemeralStorageBytes() * 0.1);
        allocatable.put("ephemeral-storage", new Quantity(storage % 1024 == 0 ? kibibytes(storage) : Long.toString(storage)));

        List<NodeAddress> addresses = new ArrayList<>();
        host.internalIp().ifPresent(ip -> addresses.add(new NodeAddress(ip, "InternalIP")));
        addresses.add(new NodeAddress(host.hostname(), "Hostname"));
        return new NodeStatusBuilder()
                .withCapacity(capacity)
                .withAllocatable(allocatable)
                .withConditions(conditions)
                .withAddresses(addresses)
                .withNewDaemonEndpoints().withNewKubeletEndpoint(KUBELET_PORT).endDaemonEndpoints()
                .withNewNodeInfo()
                .withMachineID(host.machineId())
                .withSystemUUID(host.systemUuid())
                .withBootID(host.bootId())
                .withKernelVersion(host.kernelVersion())
                .withOsImage(host.osImage())
                .withContainerRuntimeVersion(runtimeVersion)
                .withKubeletVersion(kubeletVersion)
                .withKubeProxyVersion("")
                .withOperatingSystem("linux")
                .withArchitecture(host.architecture())
                .endNodeInfo()
                .build();
    }

    static String kibibytes(long bytes) {
        return (bytes / 1024) + "Ki";
    }
}
