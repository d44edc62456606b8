package dev.kj.kubelet.testing;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * A network namespace for one test class: only loopback, up, and no route out, so the pods'
 * bridge, addresses and NAT rules exist there and nowhere else.
 */
public final class NetworkNamespace implements AutoCloseable {
    /** Set by scripts/netns-jvm/bin/java when this JVM already runs in a namespace of its own. */
    private static final String JVM_NAMESPACE = System.getenv("KJ_TEST_NETNS");

    private final String name;
    private final boolean owned;

    private NetworkNamespace(String name, boolean owned) {
        this.name = name;
        this.owned = owned;
    }

    /** True when the test JVM itself runs in a test namespace, so it reaches pod IPs directly. */
    public static boolean jvmInside() {
        return JVM_NAMESPACE != null && !JVM_NAMESPACE.isEmpty();
    }

    /**
     * The JVM's own namespace when it runs in one (commands then run as they are), else a new one
     * that commands enter with {@link #launcher()}.
     */
    public static NetworkNamespace create() {
        if (jvmInside()) {
            return new NetworkNamespace(JVM_NAMESPACE, false);
        }
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        String name = "kj-test-" + HexFormat.of().formatHex(random);
        Commands.check("ip", "netns", "add", name);
        NetworkNamespace namespace = new NetworkNamespace(name, true);
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
        if (!owned) {
            return List.of();
        }
        return List.of("nsenter", "--net=/run/netns/" + name, "--");
    }

    public Commands.Result exec(String... command) {
        return Commands.run(Commands.concat(launcher(), command));
    }

    @Override
    public void close() {
        if (!owned) {
            return;
        }
        Commands.run(List.of("ip", "netns", "delete", name));
    }
}
