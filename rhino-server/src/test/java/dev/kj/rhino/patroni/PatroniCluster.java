package dev.kj.rhino.patroni;

import dev.kj.rhino.testing.Peers;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Real Patroni members (Debian's patroni, etcd3 DCS) managing real PostgreSQL instances in temp
 * dirs, all on loopback. Patroni talks to its DCS through etcd's JSON gateway. PostgreSQL refuses
 * to run as root, so members run as the {@code postgres} user.
 */
final class PatroniCluster implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Path root;
    private final String dcsEndpoint;
    private final Path binDir;
    private final List<Member> members = new ArrayList<>();

    record Member(String name, int restPort, int pgPort, Path dir, Process process) {
        URI rest(String path) {
            return URI.create("http://127.0.0.1:" + restPort + path);
        }
    }

    private PatroniCluster(Path root, String dcsEndpoint, Path binDir) {
        this.root = root;
        this.dcsEndpoint = dcsEndpoint;
        this.binDir = binDir;
    }

    /** A cluster (no members yet) whose DCS is the etcd v3 endpoint {@code host:port}. */
    static PatroniCluster on(String dcsEndpoint) {
        Peers.require("patroni");
        Peers.require("runuser");
        Path binDir = postgresBinDir();
        if (!"root".equals(System.getProperty("user.name"))) {
            String message = "Patroni tests start PostgreSQL as the postgres user through runuser, which needs root";
            if (Peers.inCi()) {
                Assertions.fail(message);
            }
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
        try {
            Path root = Files.createTempDirectory("kj-patroni-");
            run(List.of("chown", "postgres", root.toString()));
            return new PatroniCluster(root, dcsEndpoint, binDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path postgresBinDir() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparing(Path::toString))
                    .orElseThrow(() -> new IllegalStateException("no /usr/lib/postgresql/*/bin/postgres"));
        } catch (IOException e) {
            String message = "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)";
            if (Peers.inCi()) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
            throw new AssertionError("unreachable");
        }
    }

    private static void run(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Starts a member; the first one bootstraps the cluster, later ones replicate from the leader. */
    Member start(String name) throws IOException {
        int[] ports = RealEtcd.freePorts(2);
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        String config = """
                scope: kjtest
                namespace: /service/
                name: %1$s
                restapi:
                  listen: 127.0.0.1:%2$d
                  connect_address: 127.0.0.1:%2$d
                etcd3:
                  hosts: %3$s
                bootstrap:
                  dcs:
                    ttl: 12
                    loop_wait: 1
                    retry_timeout: 5
                  initdb:
                    - encoding: UTF8
                postgresql:
                  listen: 127.0.0.1:%4$d
                  connect_address: 127.0.0.1:%4$d
                  data_dir: %5$s/data
                  bin_dir: %6$s
                  pgpass: %5$s/pgpass
                  pg_hba:
                    - local all all trust
                    - host replication replicator 127.0.0.1/32 md5
                    - host all all 127.0.0.1/32 md5
                  authentication:
                    superuser: {username: postgres, password: secret}
                    replication: {username: replicator, password: secret}
                  parameters:
                    unix_socket_directories: %5$s
                """.formatted(name, ports[0], dcsEndpoint, ports[1], dir, binDir);
        Files.writeString(dir.resolve("patroni.yml"), config);
        run(List.of("chown", "-R", "postgres", dir.toString()));
        run(List.of("chmod", "700", dir.toString()));
        Process process = new ProcessBuilder("runuser", "-u", "postgres", "--", "patroni", dir.resolve("patroni.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("patroni.log").toFile())
                .start();
        Member member = new Member(name, ports[0], ports[1], dir, process);
        members.add(member);
        return member;
    }

    /** Waits until Patroni's REST API answers 200 on {@code path} ({@code /primary}, {@code /replica}). */
    void awaitRole(Member member, String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!member.process().isAlive()) {
                Assertions.fail(member.name() + "'s patroni exited; log:\n" + log(member));
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(member.rest(path))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(250);
        }
        Assertions.fail(member.name() + " did not become " + path + " within " + timeout + " (last: " + last
                + "); log:\n" + log(member));
    }

    /** Patroni's view of the cluster ({@code GET /cluster}). */
    String clusterJson(Member member) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(member.rest("/cluster")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A node crash: Patroni killed with SIGKILL, then its PostgreSQL stopped at once. */
    void crash(Member member) throws IOException {
        member.process().descendants().filter(p -> p.info().command().orElse("").contains("python"))
                .forEach(ProcessHandle::destroyForcibly);
        member.process().destroyForcibly();
        stopPostgres(member);
    }

    private void stopPostgres(Member member) throws IOException {
        run(List.of("runuser", "-u", "postgres", "--", binDir.resolve("pg_ctl").toString(), "stop", "-m",
                "immediate", "-D", member.dir().resolve("data").toString()));
    }

    String log(Member member) {
        try {
            String all = Files.readString(member.dir().resolve("patroni.log"), StandardCharsets.UTF_8);
            return all.length() > 6000 ? all.substring(all.length() - 6000) : all;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (Member member : members) {
            member.process().descendants().forEach(ProcessHandle::destroyForcibly);
            try {
                // PostgreSQL outlives a killed Patroni; stop whatever still runs on this data dir.
                stopPostgres(member);
            } catch (IOException notRunning) {
                // already stopped
            }
            member.process().destroyForcibly();
            try {
                member.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        TempDirs.deleteRecursively(root);
    }
}
