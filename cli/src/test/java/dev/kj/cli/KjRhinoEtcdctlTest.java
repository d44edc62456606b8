package dev.kj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kj.rhino.RhinoServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kj rhino} end to end: the command line starts a server that the real etcdctl can use. */
class KjRhinoEtcdctlTest {
    @TempDir
    Path tmp;

    @Test
    void etcdctlWritesAndReadsThroughKjRhino() throws Exception {
        Path etcdctl = requirePeer("etcdctl", "Debian package etcd-client");
        CommandLine kj = Kj.commandLine();
        StringWriter err = new StringWriter();
        kj.setErr(new PrintWriter(err, true));
        RhinoCommand rhino = kj.getSubcommands().get("rhino").getCommand();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> kj.execute("rhino",
                "--data-dir", tmp.resolve("data").toString(), "--listen-client-urls", "http://127.0.0.1:0"));
        RhinoServer server;
        try {
            server = rhino.started.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            fail("kj rhino did not start: " + err + " " + e);
            return;
        }
        try {
            InetSocketAddress address = server.clientAddresses().getFirst();
            String endpoint = "--endpoints=127.0.0.1:" + address.getPort();
            assertEquals("OK", etcdctl(etcdctl, endpoint, "put", "greeting", "hello").strip());
            assertEquals("greeting\nhello", etcdctl(etcdctl, endpoint, "get", "greeting").strip());
        } finally {
            server.close();
        }
        assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
        assertEquals("", err.toString());
    }

    private static String etcdctl(Path etcdctl, String... args) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(
                Stream.concat(Stream.of(etcdctl.toString(), "--dial-timeout=10s", "--command-timeout=20s"), Stream.of(args))
                        .toList());
        builder.environment().put("ETCDCTL_API", "3");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("etcdctl " + List.of(args) + " did not finish");
        }
        assertEquals(0, process.exitValue(), "etcdctl " + List.of(args) + ": " + output);
        return output;
    }

    /** A real peer: missing fails the build in CI, and skips loudly elsewhere. */
    static Path requirePeer(String binary, String installHint) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String message = binary + " not found on PATH (install " + installHint + ")";
        if ("true".equals(System.getenv("CI")) || "true".equals(System.getenv("KJ_TEST_CI"))) {
            fail(message + "; CI must have every real peer");
        }
        Assumptions.abort("SKIPPED: " + message);
        return null;
    }
}
