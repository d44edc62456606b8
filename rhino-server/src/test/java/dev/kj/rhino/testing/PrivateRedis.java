package dev.kj.rhino.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own (its data in a scratch dir, on a free loopback port) that the
 * test may kill -9 and start again on the same data, for durability checks.
 */
public final class PrivateRedis implements AutoCloseable {
    private final Path program;
    private final Path dir;
    private final int port;
    private final List<String> settings;
    private final boolean tls;
    private Process process;

    private PrivateRedis(Path program, Path dir, int port, List<String> settings, boolean tls) {
        this.program = program;
        this.dir = dir;
        this.port = port;
        this.settings = settings;
        this.tls = tls;
    }

    /** Starts a server with extra settings ("--appendonly", "yes", ...) and its data in {@code dir}. */
    public static PrivateRedis start(Path dir, String... settings) throws IOException, InterruptedException {
        return start(dir, false, settings);
    }

    /** A server that speaks only TLS; {@code settings} name its certificate files. */
    public static PrivateRedis startTls(Path dir, String... settings) throws IOException, InterruptedException {
        return start(dir, true, settings);
    }

    private static PrivateRedis start(Path dir, boolean tls, String... settings) throws IOException, InterruptedException {
        Path program = Peers.require("redis-server");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PrivateRedis redis = new PrivateRedis(program, dir, port, List.of(settings), tls);
        redis.startProcess();
        return redis;
    }

    public String url() {
        return (tls ? "rediss" : "redis") + "://127.0.0.1:" + port + "/0";
    }

    private void startProcess() throws IOException, InterruptedException {
        List<String> ports = tls ? List.of("--port", "0", "--tls-port", Integer.toString(port))
                : List.of("--port", Integer.toString(port));
        List<String> command = new ArrayList<>(List.of(program.toString()));
        command.addAll(ports);
        command.addAll(List.of(
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--daemonize", "no",
                "--logfile", dir.resolve("redis.log").toString()));
        command.addAll(settings);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + "; see " + dir);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("redis-server did not listen on port " + port + " within 20 s");
    }

    /** SIGKILL: whatever the server had not written to disk is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the server again on the same port and data. */
    public void restart() throws IOException, InterruptedException {
        startProcess();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
