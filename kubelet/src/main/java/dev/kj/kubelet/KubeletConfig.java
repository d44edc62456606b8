package dev.kj.kubelet;

import dev.kj.api.client.Kubeconfig;
import dev.kj.kubelet.cri.CriEndpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a kubelet needs to run on this host.
 *
 * @param nodeName           the Node's name; must match the client certificate's system:node:NAME
 * @param api                how to reach the API server, as system:node:NAME
 * @param dataDir            kj's data directory: the kubelet keeps DIR/kubelet, DIR/logs/pods and, when it
 *                           runs its own, DIR/containerd
 * @param runtimeEndpoint    a CRI runtime to use (upstream's --container-runtime-endpoint); empty: run kj's
 *                           own containerd when one is on PATH
 * @param podCidr            the node's pod range (spec.podCIDR and the CNI bridge's addresses)
 * @param hostIp             the node's InternalIP; empty: the first non-loopback IPv4 address
 * @param insecureRegistries registries (host:port) kj's own containerd pulls from over plain HTTP
 * @param kubeletVersion     nodeInfo.kubeletVersion
 * @param serving            the kubelet API's TLS material and port (logs, exec, attach, port-forward); empty: not served
 */
public record KubeletConfig(String nodeName, Kubeconfig.Connection api, Path dataDir, Optional<CriEndpoint> runtimeEndpoint,
                            String podCidr, Optional<String> hostIp, List<String> insecureRegistries, String kubeletVersion,
                            Optional<Serving> serving) {
    /**
     * The kubelet API on {@code port} (upstream's 10250) with a serving certificate the API server
     * verifies against the cluster CA, and the CA whose client certificates callers present.
     */
    public record Serving(Path cert, Path key, Path clientCa, int port) {
    }

    /** k3s's first node's range: the all-in-one node's default. */
    public static final String DEFAULT_POD_CIDR = "10.42.0.0/24";
    /** The bridge kj's CNI configuration creates for pods. */
    public static final String BRIDGE = "kj0";

    public KubeletConfig {
        insecureRegistries = List.copyOf(insecureRegistries);
    }

    /** Upstream's --root-dir. */
    public Path rootDir() {
        return dataDir.resolve("kubelet");
    }

    /** Per-pod directories (volumes, etc-hosts), as upstream's ROOT/pods. */
    public Path podsDir() {
        return rootDir().resolve("pods");
    }

    /** Containers' CRI logs, as upstream's /var/log/pods. */
    public Path podLogsDir() {
        return dataDir.resolve("logs/pods");
    }

    /** Where kj's own containerd keeps its root, state, sockets and configuration. */
    public Path containerdDir() {
        return dataDir.resolve("containerd");
    }
}
