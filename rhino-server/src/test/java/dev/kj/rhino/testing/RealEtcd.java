package dev.kj.rhino.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fresh single-member etcd (Debian's {@code /usr/bin/etcd}) on free loopback ports with its own
 * temporary data directory. Closing kills the process and deletes the directory.
 */
public final class RealEtcd implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Path root;
    private final int clientPort;
    private final int peerPort;
    private final boolean tls;

    private RealEtcd(Process process, Path root, int clientPort, int peerPort, boolean tls) {
        this.process = process;
        this.root = root;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.tls = tls;
    }

    /** Starts etcd and returns once {@code /health} reports healthy; fails or skips without the binary. */
    public static RealEtcd start() {
        return start(List.of());
    }

    /**
     * Starts etcd serving clients over https with these etcd flags ({@code --cert-file},
     * {@code --client-cert-auth}, ...); returns once it logs that it serves client requests.
     */
    public static RealEtcd startTls(List<String> tlsFlags) {
        return start(tlsFlags);
    }

    private static RealEtcd start(List<String> tlsFlags) {
        int[] ports = freePorts(2);
        RealEtcd started = launch("default", ports[0], ports[1], "default=http://127.0.0.1:" + ports[1], tlsFlags,
                !tlsFlags.isEmpty());
        started.awaitHealthyOrClose();
        return started;
    }

    /**
     * Starts one member of a cluster ({@code --initial-cluster} names every member's peer URL)
     * without waiting: a member answers only once a quorum has started. See {@link RealEtcdCluster}.
     */
    static RealEtcd launchMember(String name, int clientPort, int peerPort, String initialCluster) {
        return launch(name, clientPort, peerPort, initialCluster, List.of("--initial-cluster-token", "kj-test"), false);
    }

    private static RealEtcd launch(String name, int clientPort, int peerPort, String initialCluster, List<String> flags,
                                   boolean tls) {
        Path etcd = Peers.require("etcd");
        Path root;
        try {
            root = Files.createTempDirectory("kj-real-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String client = (tls ? "https" : "http") + "://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new java.util.ArrayList<>(List.of(etcd.toString(),
                "--name", name,
                "--data-dir", root.resolve("data").toString(),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initialCluster));
        command.addAll(flags);
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(root.resolve("etcd.log").toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
            process = builder.start();
        } catch (IOException e) {
            TempDirs.deleteRecursively(root);
            throw new UncheckedIOException("could not start " + etcd, e);
        }
        return new RealEtcd(process, root, clientPort, peerPort, tls);
    }

    /** Waits for the member to serve (for https: to say so in its log); closes it and fails if it does not. */
    void awaitHealthyOrClose() {
        try {
            if (tls) {
                awaitLogged("ready to serve client requests");
            } else {
                awaitHealthy();
            }
        } catch (RuntimeException | Error e) {
            String log = log();
            close();
            throw new IllegalStateException("etcd did not become healthy: " + e.getMessage() + "\n" + log, e);
        }
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The member's Prometheus metrics (plain http members only). */
    public String metrics() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(clientUrl() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code 127.0.0.1:port}, the form etcdctl's {@code --endpoints} takes. */
    public String endpoint() {
        return "127.0.0.1:" + clientPort;
    }

    public URI clientUrl() {
        return URI.create((tls ? "https://" : "http://") + endpoint());
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    /** The tail of etcd's own log, for failure messages. */
    public String log() {
        try {
            String all = Files.readString(root.resolve("etcd.log"), StandardCharsets.UTF_8);
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no etcd log: " + e.getMessage() + ")";
        }
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(clientUrl() + "/health"))
                .timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with code " + process.exitValue());
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200 && response.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            sleep(50);
        }
        throw new IllegalStateException("timed out after " + STARTUP_TIMEOUT + ", last health answer: " + last);
    }

    /** For https, where /health needs a client certificate: wait for etcd to say it serves. */
    private void awaitLogged(String line) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with code " + process.exitValue());
            }
            try {
                if (Files.readString(root.resolve("etcd.log"), StandardCharsets.UTF_8).contains(line)) {
                    return;
                }
            } catch (IOException notYet) {
                // etcd has not written its log yet
            }
            sleep(50);
        }
        throw new IllegalStateException("timed out after " + STARTUP_TIMEOUT + " waiting for '" + line + "'");
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TempDirs.deleteRecursively(root);
    }

    /** Distinct free loopback ports (a tiny race with other processes is acceptable in tests). */
    public static int[] freePorts(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // the port number is all we needed
                    }
                }
            }
        }
        return ports;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
