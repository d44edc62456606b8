package dev.kj.kubelet.testing;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * A network namespace for one test class: only loopback, up, and no route out, so the pods'
 * bridge, addresses and NAT rules exist there and nowhere else.
 */
public final class NetworkNamespace implements AutoCloseable {
    private final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    public static NetworkNamespace create() {
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        String name = "kj-test-" + HexFormat.of().formatHex(random);
        Commands.check("ip", "netns", "add", name);
        NetworkNamespace namespace = new NetworkNamespace(name);
        try {
            Commands.check("ip", "-n", name, "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            namespace.close();
            throw e;
        }
        return namespace;
    }

    public String name() {
        return name;
    }

    /**
     * The prefix that runs a command inside the namespace. nsenter joins the network namespace
     * only; {@code ip netns exec} would also mount a fresh /sys, hiding the cgroup mounts runc needs.
     */
    public List<String> launcher() {
        return List.of("nsenter", "--net=/run/netns/" + name, "--");
    }

    public Commands.Result exec(String... command) {
        return Commands.run(Commands.concat(launcher(), command));
    }

    @Override
    public void close() {
        Commands.run(List.of("ip", "netns", "delete", name));
    }
}
