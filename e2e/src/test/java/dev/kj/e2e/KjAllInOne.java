package dev.kj.e2e;

import dev.kj.kubelet.testing.CriTestbed;
import dev.kj.kubelet.testing.NetworkNamespace;
import dev.kj.kubelet.testing.Registry;
import dev.kj.rhino.testing.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code kj server --all-in-one} as a user starts it: the project's {@code ./kj} launcher (or the
 * jar it runs, when the launcher would rebuild first) as a child process of the test JVM, so in its
 * network namespace, with the kubelet test bed's registry on 127.0.0.1:5000 holding
 * {@link CriTestbed#BUSYBOX}; driven with stock kubectl and a fresh cache dir. One per test class.
 */
final class KjAllInOne implements AutoCloseable {
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");

    private final Path dir;
    private final Registry registry;
    private final Process process;
    final Instant startedAt;

    private KjAllInOne(Path dir, Registry registry, Process process, Instant startedAt) {
        this.dir = dir;
        this.registry = registry;
        this.process = process;
        this.startedAt = startedAt;
    }

    /** Requires the namespace, the container peers and kubectl; starts the registry, then kj. */
    static KjAllInOne start(Path dir) throws IOException {
        if (!NetworkNamespace.jvmInside()) {
            skipOrFail("the e2e tests run kj's node in the test JVM's own network namespace (scripts/netns-jvm/bin/java, as root)");
        }
        if (!Files.isExecutable(KUBECTL)) {
            skipOrFail("required peer kubectl not found at " + KUBECTL);
        }
        CriTestbed.Peers peers = CriTestbed.requirePeers();
        Registry registry = CriTestbed.startRegistry(NetworkNamespace.create(), peers, dir.resolve("bed"));
        List<String> command = new ArrayList<>(launcher());
        command.addAll(List.of("server", "--all-in-one", "--data-dir", dir.resolve("data").toString(), "--secure-port", "0",
                "--insecure-registry", Registry.ADDRESS));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("kj.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("KJ_TARGET", System.getProperty("kj.target", "target"));
        Instant startedAt = Instant.now();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            registry.close();
            throw e;
        }
        KjAllInOne kj = new KjAllInOne(dir, registry, process, startedAt);
        try {
            kj.awaitKubeconfig(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            kj.close();
            throw e;
        }
        return kj;
    }

    /**
     * {@code ./kj} when its jar is current; when the launcher would build first (a source newer
     * than the jar, as in a working tree being edited), the jar it would run, with its flags.
     */
    static List<String> launcher() throws IOException {
        Path root = Path.of(System.getProperty("kj.root", "..")).toAbsolutePath().normalize();
        Path jar = root.resolve("cli").resolve(System.getProperty("kj.target", "target")).resolve("kj.jar");
        if (!Files.isRegularFile(jar)) {
            Assertions.fail(jar + " is missing: the e2e tests run after the cli module's package phase (mvn verify)");
        }
        if (!newerThan(root, Files.getLastModifiedTime(jar).toMillis())) {
            return List.of(root.resolve("kj").toString());
        }
        List<String> java = new ArrayList<>(List.of(System.getProperty("kj.java", Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "-XX:+UseParallelGC"));
        if (Runtime.version().feature() >= 24) {
            java.add("--sun-misc-unsafe-memory-access=allow");
        }
        java.addAll(List.of("-jar", jar.toString()));
        return java;
    }

    /** The launcher's staleness rule: a file under some module's src, or a pom.xml, newer than the jar. */
    private static boolean newerThan(Path root, long jarMillis) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> {
                String relative = root.relativize(p).toString();
                return Stream.of(relative.split("/")).noneMatch(part -> part.startsWith("target") || part.startsWith("."))
                        && (relative.contains("/src/") || p.getFileName().toString().equals("pom.xml"));
            }).anyMatch(p -> {
                try {
                    return Files.isRegularFile(p) && Files.getLastModifiedTime(p).toMillis() > jarMillis;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private void awaitKubeconfig(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!Files.exists(kubeconfig())) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                Assertions.fail("kj server did not write " + kubeconfig() + (process.isAlive() ? " in time" : " (exited " + process.exitValue() + ")")
                        + "; its output:\n" + log());
            }
            sleep(Duration.ofMillis(50));
        }
    }

    Path kubeconfig() {
        return dir.resolve("data/kubeconfig");
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    String log() {
        try {
            return Files.exists(dir.resolve("kj.log")) ? Files.readString(dir.resolve("kj.log")) : "(no output)";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    record Result(int exit, String out) {
    }

    /** Runs stock kubectl with this server's kubeconfig and a cache dir of the test's own. */
    Result kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", kubeconfig().toString(),
                "--cache-dir", dir.resolve("kubectl-cache").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
        try {
            Process kubectl = builder.start();
            String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kubectl.waitFor(2, TimeUnit.MINUTES)) {
                kubectl.destroyForcibly();
                Assertions.fail("kubectl " + String.join(" ", args) + " did not finish");
            }
            return new Result(kubectl.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** kubectl that must succeed; its output. */
    String kubectlOk(String... args) {
        Result result = kubectl(args);
        Assertions.assertEquals(0, result.exit(), () -> "kubectl " + String.join(" ", args) + ":\n" + result.out());
        return result.out();
    }

    /**
     * Waits until {@code check} holds; past {@code limit} fails with what the cluster shows (pods,
     * events, the tail of kj's output).
     */
    void await(Duration limit, String what, java.util.function.BooleanSupplier check) {
        Instant deadline = Instant.now().plus(limit);
        while (!check.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                List<String> lines = log().lines().toList();
                throw new AssertionError(what + " not reached within " + limit.toSeconds() + " s; pods:\n"
                        + kubectl("get", "pods", "-o", "wide").out() + "\nevents:\n"
                        + kubectl("get", "events", "--sort-by=.lastTimestamp").out() + "\nkj output (tail):\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
            }
            sleep(Duration.ofMillis(500));
        }
    }

    /** Waits for this host's node to show Ready in {@code kubectl get nodes}. */
    void awaitNodeReady(Duration limit) {
        await(limit, "node Ready", () -> kubectl("get", "nodes", "--no-headers").out().contains(" Ready "));
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void skipOrFail(String message) {
        if (Peers.inCi()) {
            Assertions.fail(message + "; CI requires it");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
    }

    /** SIGTERM, as a user's Ctrl-C: kj stops its kubelet (pods, containerd) and then the API server; exit 0. */
    int stop() {
        process.destroy();
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return -1;
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
        registry.close();
    }
}
