package dev.kj.kubelet.testing;

import dev.kj.kubelet.cri.CriConnection;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.PodSandbox;
import dev.kj.kubelet.cri.v1.PodSandboxFilter;
import dev.kj.kubelet.oci.OciImage;
import dev.kj.kubelet.pause.PauseImage;
import dev.kj.kubelet.pause.PauseImageImport;
import dev.kj.kubelet.runtime.CniNetwork;
import dev.kj.kubelet.runtime.Containerd;
import dev.kj.kubelet.runtime.ContainerdConfig;
import dev.kj.kubelet.runtime.HostCapabilities;
import dev.kj.kubelet.runtime.Snapshotters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The container test bed, per test class, as root: a fresh network namespace (loopback only);
 * inside it Debian's docker-registry on 127.0.0.1:5000 holding a busybox image built from the
 * host's busybox-static and pushed with skopeo, and a containerd that kj configures (its CRI on a
 * socket in a scratch directory, kj's pause image imported, the kj CNI bridge for
 * {@link #POD_CIDR}, plain-HTTP pulls from the registry). Everything is stopped and removed after
 * the class. Test methods take a {@link CriTestbed.Bed} parameter.
 */
public final class CriTestbed implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    /** The pods' addresses; they exist only inside the test's namespace. */
    public static final String POD_CIDR = "10.244.7.0/24";
    public static final String BUSYBOX = Registry.ADDRESS + "/kj/busybox:latest";
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(CriTestbed.class);

    /** What a test gets. */
    public record Bed(NetworkNamespace namespace, Containerd containerd, CriConnection connection, RuntimeClient runtime,
                      ImageClient images, Path dir, Path busybox) {
        /** Runs a command in the namespace (as a process on the node's network). */
        public Commands.Result inNamespace(String... command) {
            return namespace.exec(command);
        }
    }

    private record Peer(String program, String debianPackage) {
    }

    /** The programs the container test bed runs, found on this machine. */
    public record Peers(Path containerd, Path ctr, Path registry, Path skopeo, Path busybox) {
    }

    /** Finds the test bed's programs, as root; fails under CI and skips elsewhere, saying what to install. */
    public static Peers requirePeers() throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            skipOrFail("the container test bed needs root (network namespaces, containerd)");
        }
        List<Path> found = new ArrayList<>();
        for (Peer peer : List.of(new Peer("containerd", "containerd"), new Peer("ctr", "containerd"), new Peer("runc", "runc"),
                new Peer("docker-registry", "docker-registry"), new Peer("skopeo", "skopeo"), new Peer("ip", "iproute2"), new Peer("nsenter", "util-linux"))) {
            found.add(dev.kj.rhino.testing.Peers.find(peer.program()).or(() -> sbin(peer.program())).orElseGet(() -> {
                skipOrFail("required peer '" + peer.program() + "' not found on PATH (Debian: apt-get install " + peer.debianPackage() + ")");
                return null;
            }));
        }
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox) || !isStaticElf(busybox)) {
            skipOrFail("required peer static /bin/busybox not found (Debian: apt-get install busybox-static)");
        }
        if (!Files.isExecutable(ContainerdConfig.DEBIAN_CNI_BIN_DIR.resolve("bridge"))) {
            skipOrFail("required CNI plugins not found in /usr/lib/cni (Debian: apt-get install containernetworking-plugins)");
        }
        return new Peers(found.get(0), found.get(1), found.get(3), found.get(4), busybox);
    }

    /** docker-registry on {@link Registry#ADDRESS} in {@code namespace}, holding {@link #BUSYBOX}. */
    public static Registry startRegistry(NetworkNamespace namespace, Peers peers, Path dir) {
        Registry registry = Registry.start(namespace, peers.registry(), peers.busybox(), dir.resolve("registry"));
        try {
            OciImage image = BusyboxImage.build(peers.busybox(), BUSYBOX);
            Path layout = dir.resolve("busybox-layout");
            image.writeLayout(layout);
            namespace.exec(peers.skopeo().toString(), "--insecure-policy", "copy", "--dest-tls-verify=false",
                    "oci:" + layout + ":latest", "docker://" + BUSYBOX).orThrow(List.of("skopeo", "copy"));
            return registry;
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Peers peers = requirePeers();
        Path containerdBinary = peers.containerd(), ctr = peers.ctr(), busybox = peers.busybox();

        List<AutoCloseable> cleanups = new ArrayList<>();
        context.getStore(STORE).put("cleanups", cleanups);
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "kj-cri-test");
        // KJ_TEST_KEEP_DIR=true keeps the directory (containerd's log and state) for a post-mortem.
        if (!"true".equals(System.getenv("KJ_TEST_KEEP_DIR"))) {
            cleanups.add(() -> deleteTree(dir));
        }
        NetworkNamespace namespace = NetworkNamespace.create();
        cleanups.add(namespace);
        cleanups.add(startRegistry(namespace, peers, dir));

        ContainerdConfig config = new ContainerdConfig(dir.resolve("containerd"), PauseImage.NAME,
                Snapshotters.probe(dir.resolve("containerd")), ContainerdConfig.DEBIAN_CNI_BIN_DIR, List.of(Registry.ADDRESS),
                !HostCapabilities.canLowerOomScoreAdj());
        new CniNetwork("kj0", POD_CIDR, config.cniDataDir()).writeTo(config.cniConfDir());
        Containerd containerd = Containerd.start(config, containerdBinary, namespace.launcher(), Duration.ofSeconds(120));
        cleanups.add(containerd::closeWithShims);
        PauseImageImport.importInto(ctr, config.socket(), config.snapshotter(), dir);

        CriConnection connection = CriConnection.open(containerd.endpoint());
        cleanups.add(connection);
        cleanups.add(() -> removeAllPods(connection));
        context.getStore(STORE).put("bed", new Bed(namespace, containerd, connection, connection.runtime(Duration.ofMinutes(2)),
                connection.images(Duration.ofMinutes(2)), dir, busybox));
    }

    /** A 64-bit little-endian ELF with no PT_INTERP program header needs no loader in the image. */
    static boolean isStaticElf(Path file) throws IOException {
        java.nio.ByteBuffer elf = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (elf.limit() < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2) {
            return false;
        }
        long programHeaders = elf.getLong(32);
        int entrySize = elf.getShort(54) & 0xffff;
        int count = elf.getShort(56) & 0xffff;
        for (int i = 0; i < count; i++) {
            if (elf.getInt((int) programHeaders + i * entrySize) == 3 /* PT_INTERP */) {
                return false;
            }
        }
        return true;
    }

    private static java.util.Optional<Path> sbin(String program) {
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return java.util.Optional.of(Path.of(dir, program));
            }
        }
        return java.util.Optional.empty();
    }

    private static void skipOrFail(String message) {
        if (dev.kj.rhino.testing.Peers.inCi()) {
            Assertions.fail(message + "; CI requires it");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
    }

    /** Pods first (their containers, network and mounts), so containerd leaves no shim behind. */
    private static void removeAllPods(CriConnection connection) {
        RuntimeClient runtime = connection.runtime(Duration.ofMinutes(1));
        for (PodSandbox pod : runtime.listPodSandbox(PodSandboxFilter.getDefaultInstance())) {
            runtime.stopPodSandbox(pod.getId());
            runtime.removePodSandbox(pod.getId());
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterAll(ExtensionContext context) throws Exception {
        List<AutoCloseable> cleanups = context.getStore(STORE).get("cleanups", List.class);
        if (cleanups == null) {
            return;
        }
        List<Exception> failures = new ArrayList<>();
        for (AutoCloseable cleanup : cleanups.reversed()) {
            try {
                cleanup.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            Exception first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Bed.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(STORE).get("bed", Bed.class);
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
