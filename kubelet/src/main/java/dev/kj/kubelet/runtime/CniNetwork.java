package dev.kj.kubelet.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The node's pod network as a CNI configuration list: a Linux bridge with the pods' gateway,
 * host-local addresses from the node's pod CIDR and portmap for hostPort. containerd's CRI plugin
 * watches its conf_dir and picks the file up; until one exists it reports NetworkReady=false.
 *
 * @param bridge  the bridge device (created in the network namespace containerd runs in)
 * @param podCidr the node's spec.podCIDR, e.g. 10.42.0.0/24
 * @param dataDir where host-local keeps its leases
 */
public record CniNetwork(String bridge, String podCidr, Path dataDir) {
    public static final String NETWORK_NAME = "kj";
    static final String FILE_NAME = "10-kj.conflist";
    private static final ObjectMapper JSON = new ObjectMapper();

    public String conflist() {
        ObjectNode list = JSON.createObjectNode()
                .put("cniVersion", "1.0.0")
                .put("name", NETWORK_NAME);
        var plugins = list.putArray("plugins");
        ObjectNode bridgePlugin = plugins.addObject()
                .put("type", "bridge")
                .put("bridge", bridge)
                .put("isGateway", true)
                .put("ipMasq", true)
                .put("hairpinMode", true);
        ObjectNode ipam = bridgePlugin.putObject("ipam")
                .put("type", "host-local")
                .put("dataDir", dataDir.toString());
        ipam.putArray("ranges").addArray().addObject().put("subnet", podCidr);
        ipam.putArray("routes").addObject().put("dst", podCidr.contains(":") ? "::/0" : "0.0.0.0/0");
        plugins.addObject()
                .put("type", "portmap")
                .put("snat", true)
                .putObject("capabilities").put("portMappings", true);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the list into {@code confDir} atomically, so the runtime never loads half a file. */
    public Path writeTo(Path confDir) {
        try {
            Files.createDirectories(confDir);
            Path temporary = confDir.resolve("." + FILE_NAME + ".tmp");
            Files.writeString(temporary, conflist());
            return Files.move(temporary, confDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
