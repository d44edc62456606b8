package dev.kj.apiserver.testing;

import dev.kj.rhino.testing.Peers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a stock kubectl against a kubeconfig, each instance with its own fresh discovery cache
 * (kubectl caches discovery for hours). The environment is cleared of KUBECONFIG and proxies so the
 * developer's setup cannot leak in.
 */
public final class Kubectl {
    private static final Path GCLOUD_BIN = Path.of("/usr/lib/google-cloud-sdk/bin");

    private final Path binary;
    private final Path kubeconfig;
    private final Path cacheDir;
    private final Map<String, String> env;

    private Kubectl(Path binary, Path kubeconfig, Path cacheDir, Map<String, String> env) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.cacheDir = cacheDir;
        this.env = env;
    }

    /** The same kubectl (and discovery cache) run with extra environment variables, e.g. KUBE_EDITOR. */
    public Kubectl withEnv(Map<String, String> extra) {
        Map<String, String> merged = new HashMap<>(env);
        merged.putAll(extra);
        return new Kubectl(binary, kubeconfig, cacheDir, Map.copyOf(merged));
    }

    /**
     * kubectl of a minor version ("1.27" … "1.33": the Google Cloud SDK's kubectl.1.xx), or "kubectl"
     * for the one on PATH. Missing: fails in CI, skips loudly elsewhere.
     */
    public static Kubectl require(String version, Path kubeconfig, Path scratch) {
        Path binary;
        if (version.equals("kubectl")) {
            binary = Peers.require("kubectl");
        } else {
            binary = GCLOUD_BIN.resolve("kubectl." + version);
            if (!Files.isExecutable(binary)) {
                String message = "required peer kubectl " + version + " not found at " + binary
                        + " (the Google Cloud SDK's kubectl component)";
                if (Peers.inCi()) {
                    Assertions.fail(message + "; CI requires it");
                }
                System.err.println("SKIPPED: " + message);
                Assumptions.abort(message);
            }
        }
        try {
            return new Kubectl(binary, kubeconfig, Files.createTempDirectory(scratch, "kubectl-cache-"), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public Result ok() {
            Assertions.assertEquals(0, exitCode, () -> "kubectl failed: " + stderr + stdout);
            return this;
        }
    }

    public Result run(String... args) {
        Process process = start(args);
        try {
            var out = process.getInputStream().readAllBytes();
            var err = process.getErrorStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                Assertions.fail("kubectl " + String.join(" ", args) + " did not finish");
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A long-running kubectl (e.g. get -w) whose stdout lines arrive in a queue. */
    public record Streaming(Process process, BlockingQueue<String> lines, StringBuilder stderr) implements AutoCloseable {
        public String nextLine(long seconds) throws InterruptedException {
            String line = lines.poll(seconds, TimeUnit.SECONDS);
            if (line == null) {
                Assertions.fail("no output from kubectl within " + seconds + " s; stderr: " + stderr);
            }
            return line;
        }

        /** Waits until kubectl's stderr (e.g. its -v=6 request log) contains {@code text}. */
        public void awaitStderr(String text, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                synchronized (stderr) {
                    if (stderr.indexOf(text) >= 0) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
            Assertions.fail("kubectl did not log '" + text + "' within " + seconds + " s; stderr: " + stderr);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Streaming stream(String... args) {
        Process process = start(args);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuilder stderr = new StringBuilder();
        Thread.ofVirtual().start(() -> pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), lines::add));
        Thread.ofVirtual().start(() -> pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                line -> {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }));
        return new Streaming(process, lines, stderr);
    }

    private static void pump(BufferedReader reader, java.util.function.Consumer<String> sink) {
        try (reader) {
            for (String line; (line = reader.readLine()) != null; ) {
                sink.accept(line);
            }
        } catch (IOException closed) {
            // the process ended
        }
    }

    private Process start(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", cacheDir.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("KUBE") || k.toLowerCase().endsWith("_proxy"));
        builder.environment().put("HOME", cacheDir.toString());
        builder.environment().putAll(env);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
    }
}
