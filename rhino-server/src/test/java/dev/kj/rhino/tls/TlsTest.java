package dev.kj.rhino.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestBackends;
import dev.kj.rhino.testing.TestCerts;
import dev.kj.rhino.testing.TestCerts.KeyFormat;
import dev.kj.rhino.testing.TestCerts.Pair;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client TLS against the real peers: etcdctl and jetcd over https, refusals at the handshake, and
 * the same etcdctl invocations against etcd 3.4.23 started with the same certificates and flags.
 */
class TlsTest {
    private static Path dir;
    private static TestCerts ca;
    private static TestCerts rogueCa;
    private static Pair server;
    private static Pair client;
    private static Pair rogueClient;

    @BeforeAll
    static void certificates() throws IOException {
        dir = Files.createTempDirectory("kj-tls-");
        ca = TestCerts.newCa(dir, "ca");
        rogueCa = TestCerts.newCa(dir, "rogue");
        server = ca.server("rhino", KeyFormat.SEC1_EC);
        client = ca.client("root", KeyFormat.PKCS1_RSA);
        rogueClient = rogueCa.client("root", KeyFormat.PKCS8_EC);
    }

    @AfterAll
    static void cleanUp() {
        TempDirs.deleteRecursively(dir);
    }

    /** Rhino on a free https port with {@code tls}. */
    private static RhinoServer rhino(ClientTls tls) throws IOException {
        Path data = Files.createTempDirectory(dir, "data-");
        return RhinoServer.start(TestBackends.config(data).withClientTls(tls)
                .withListenClientUrls(List.of(URI.create("https://127.0.0.1:0"))));
    }

    private static String endpoint(RhinoServer rhino) {
        return "https://127.0.0.1:" + rhino.clientAddresses().getFirst().getPort();
    }

    private static List<String> withCerts(Pair identity, String... args) {
        List<String> all = new ArrayList<>(List.of("--cacert", ca.caFile().toString(),
                "--cert", identity.cert().toString(), "--key", identity.key().toString()));
        all.addAll(List.of(args));
        return all;
    }

    private static Etcdctl.Result run(Etcdctl etcdctl, List<String> args) {
        List<String> all = new ArrayList<>(List.of("--dial-timeout=2s", "--command-timeout=2s"));
        all.addAll(args);
        return etcdctl.run(all, null, Duration.ofSeconds(20));
    }

    private static ClientTls mutualTls() {
        return new ClientTls(server.cert(), server.key(), ca.caFile(), true, null);
    }

    @Test
    void etcdctlPutGetWatchWithAClientCertificate() throws Exception {
        try (RhinoServer rhino = rhino(mutualTls())) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(endpoint(rhino));
            try (Etcdctl.Background watch = etcdctl.start(withCerts(client, "watch", "--prefix", "greet"))) {
                Thread.sleep(300); // let the watch register before the put
                Etcdctl.Result put = run(etcdctl, withCerts(client, "put", "greeting", "hello"));
                assertEquals("OK", put.stdout().strip(), put.stderr());
                assertTrue(watch.awaitStdout(out -> out.contains("hello"), Duration.ofSeconds(10)), watch.stderr());
                assertEquals("PUT\ngreeting\nhello", watch.stdout().strip());
            }
            Etcdctl.Result get = run(etcdctl, withCerts(client, "get", "greeting"));
            assertEquals("greeting\nhello", get.stdout().strip(), get.stderr());
        }
    }

    /** What a refused etcdctl shows: its exit code and its "Error:" line (the rest is timestamps and ids). */
    record Refusal(int exitCode, String error) {
        static Refusal of(Etcdctl.Result result) {
            String error = result.stderr().lines().filter(l -> l.startsWith("Error:")).findFirst().orElse("")
                    + result.stdout().lines().filter(l -> l.startsWith("Error:")).findFirst().orElse("");
            return new Refusal(result.exitCode(), error);
        }
    }

    record Attempt(String name, ClientTls tls, List<String> etcdFlags, java.util.function.Function<String, List<String>> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Attempt> refusals() {
        List<String> mutual = List.of("--cert-file", server.cert().toString(), "--key-file", server.key().toString(),
                "--trusted-ca-file", ca.caFile().toString(), "--client-cert-auth");
        List<String> caOnly = List.of("--cert-file", server.cert().toString(), "--key-file", server.key().toString(),
                "--trusted-ca-file", ca.caFile().toString());
        return Stream.of(
                new Attempt("no client certificate", null, mutual,
                        e -> List.of("--endpoints=" + e, "--cacert", ca.caFile().toString(), "get", "a")),
                new Attempt("a certificate from another CA", null, mutual,
                        e -> List.of("--endpoints=" + e, "--cacert", ca.caFile().toString(),
                                "--cert", rogueClient.cert().toString(), "--key", rogueClient.key().toString(), "get", "a")),
                new Attempt("plaintext to the TLS port", null, mutual,
                        e -> List.of("--endpoints=" + e.replace("https://", "http://"), "get", "a")),
                new Attempt("no client certificate, trusted CA without --client-cert-auth", new ClientTls(
                        server.cert(), server.key(), ca.caFile(), false, null), caOnly,
                        e -> List.of("--endpoints=" + e, "--cacert", ca.caFile().toString(), "get", "a")),
                new Attempt("a server certificate it cannot verify", new ClientTls(server.cert(), server.key(), null, false, null),
                        List.of("--cert-file", server.cert().toString(), "--key-file", server.key().toString()),
                        e -> List.of("--endpoints=" + e, "get", "a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedLikeEtcd(Attempt attempt) throws Exception {
        Etcdctl.Result fromEtcd;
        try (RealEtcd etcd = RealEtcd.startTls(attempt.etcdFlags())) {
            fromEtcd = Etcdctl.forEndpoint(etcd.clientUrl().toString()).withEnv(java.util.Map.of())
                    .run(prefixed(attempt.args().apply(etcd.clientUrl().toString())), null, Duration.ofSeconds(20));
        }
        ClientTls tls = attempt.tls() == null ? mutualTls() : attempt.tls();
        Etcdctl.Result fromRhino;
        try (RhinoServer rhino = rhino(tls)) {
            fromRhino = Etcdctl.forEndpoint(endpoint(rhino))
                    .run(prefixed(attempt.args().apply(endpoint(rhino))), null, Duration.ofSeconds(20));
        }
        assertFalse(fromEtcd.ok(), "etcd accepted: " + fromEtcd);
        assertEquals(Refusal.of(fromEtcd), Refusal.of(fromRhino), "etcd: " + fromEtcd + "\nrhino: " + fromRhino);
    }

    /** A later --endpoints overrides the fixture's; short timeouts keep refusals quick. */
    private static List<String> prefixed(List<String> args) {
        List<String> all = new ArrayList<>(List.of("--dial-timeout=2s", "--command-timeout=2s"));
        all.addAll(args);
        return all;
    }

    @Test
    void serverOnlyTlsNeedsNoClientCertificate() throws Exception {
        try (RhinoServer rhino = rhino(new ClientTls(server.cert(), server.key(), null, false, null))) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(endpoint(rhino));
            Etcdctl.Result put = run(etcdctl, List.of("--cacert", ca.caFile().toString(), "put", "k", "v"));
            assertEquals("OK", put.stdout().strip(), put.stderr());
        }
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void everyKeyFormatEtcdAcceptsServes(KeyFormat format) throws Exception {
        Pair pair = ca.server("rhino-" + format.name().toLowerCase(java.util.Locale.ROOT), format);
        Pair user = ca.client("user-" + format.name().toLowerCase(java.util.Locale.ROOT), format);
        try (RhinoServer rhino = rhino(new ClientTls(pair.cert(), pair.key(), ca.caFile(), true, null))) {
            Etcdctl.Result put = run(Etcdctl.forEndpoint(endpoint(rhino)), withCerts(user, "put", "k", format.name()));
            assertEquals("OK", put.stdout().strip(), put.stderr());
        }
    }

    @Test
    void revokedClientCertificateIsRefused() throws Exception {
        Pair revoked = ca.client("revoked", KeyFormat.PKCS8_EC);
        Path crl = ca.crl("revoked.crl", revoked.certificate());
        try (RhinoServer rhino = rhino(new ClientTls(server.cert(), server.key(), ca.caFile(), true, crl))) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(endpoint(rhino));
            Etcdctl.Result refused = run(etcdctl, withCerts(revoked, "get", "a"));
            assertEquals(new Refusal(1, "Error: context deadline exceeded"), Refusal.of(refused), refused.toString());
            Etcdctl.Result allowed = run(etcdctl, withCerts(client, "put", "a", "1"));
            assertEquals("OK", allowed.stdout().strip(), allowed.stderr());
        }
    }

    @Test
    void jetcdOverTls() throws Exception {
        try (RhinoServer rhino = rhino(mutualTls())) {
            // Netty reads PKCS#8 keys without BouncyCastle's help, so the jetcd user gets one
            Pair jetcdUser = ca.client("jetcd-user", KeyFormat.PKCS8_RSA);
            SslContext ssl = GrpcSslContexts.forClient().trustManager(ca.caFile().toFile())
                    .keyManager(jetcdUser.cert().toFile(), jetcdUser.key().toFile()).build();
            try (Client jetcd = Client.builder().endpoints(endpoint(rhino)).sslContext(ssl).build()) {
                ByteSequence key = ByteSequence.from("tls-key", StandardCharsets.UTF_8);
                jetcd.getKVClient().put(key, ByteSequence.from("v", StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
                GetResponse got = jetcd.getKVClient().get(key).get(20, TimeUnit.SECONDS);
                assertEquals("v", got.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * With --client-cert-auth, a request without a token is the user its certificate names (CN);
     * a token wins over the certificate. The same etcdctl runs against etcd and Rhino agree.
     */
    @Test
    void certificateCommonNameIsTheUserLikeEtcd() throws Exception {
        Pair alice = ca.client("alice", KeyFormat.PKCS8_EC);
        Pair nobody = ca.client("nobody", KeyFormat.PKCS8_EC);
        List<List<String>> steps = List.of(
                withCerts(client, "user", "add", "root:rootpw"),
                withCerts(client, "user", "grant-role", "root", "root"),
                withCerts(client, "role", "add", "prefix"),
                withCerts(client, "role", "grant-permission", "prefix", "readwrite", "--prefix", "pre/"),
                withCerts(client, "user", "add", "alice:alicepw"),
                withCerts(client, "user", "grant-role", "alice", "prefix"),
                withCerts(client, "auth", "enable"),
                withCerts(alice, "put", "pre/a", "1"),
                withCerts(alice, "put", "x", "1"),
                withCerts(alice, "user", "list"),
                withCerts(client, "put", "x", "1"),
                withCerts(client, "user", "list"),
                withCerts(nobody, "get", "pre/a"),
                withCerts(alice, "--user", "root:rootpw", "put", "x", "2"),
                withCerts(client, "auth", "disable"));
        List<String> fromEtcd;
        try (RealEtcd etcd = RealEtcd.startTls(List.of("--cert-file", server.cert().toString(),
                "--key-file", server.key().toString(), "--trusted-ca-file", ca.caFile().toString(), "--client-cert-auth"))) {
            fromEtcd = transcript(Etcdctl.forEndpoint(etcd.clientUrl().toString()), steps);
        }
        List<String> fromRhino;
        try (RhinoServer rhino = rhino(mutualTls())) {
            fromRhino = transcript(Etcdctl.forEndpoint(endpoint(rhino)), steps);
        }
        assertEquals(String.join("\n", fromEtcd), String.join("\n", fromRhino));
        assertTrue(fromEtcd.contains("Error: etcdserver: permission denied"), String.join("\n", fromEtcd));
    }

    private static List<String> transcript(Etcdctl etcdctl, List<List<String>> steps) {
        List<String> lines = new ArrayList<>();
        for (List<String> step : steps) {
            Etcdctl.Result result = run(etcdctl, step);
            lines.add("$ " + String.join(" ", step.subList(6, step.size())) + " -> " + result.exitCode());
            lines.addAll(result.stdout().lines().toList());
            result.stderr().lines().filter(l -> l.startsWith("Error:")).forEach(lines::add);
        }
        return lines;
    }

    /** etcd reads its certificate at every handshake; Rhino re-reads it when the files change. */
    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        Path live = Files.createTempDirectory(dir, "live-");
        Path certFile = live.resolve("server.pem");
        Path keyFile = live.resolve("server-key.pem");
        Pair first = ca.server("first", KeyFormat.SEC1_EC);
        Pair renewed = ca.server("renewed", KeyFormat.PKCS8_RSA);
        install(first, certFile, keyFile, 0);
        try (RhinoServer rhino = rhino(new ClientTls(certFile, keyFile, null, false, null))) {
            int port = rhino.clientAddresses().getFirst().getPort();
            assertEquals(first.certificate().getSerialNumber(), servedSerial(port));
            install(renewed, certFile, keyFile, 10);
            assertEquals(renewed.certificate().getSerialNumber(), servedSerial(port));
            Files.writeString(keyFile, "half-written");
            Files.setLastModifiedTime(keyFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 20_000));
            assertThrows(IOException.class, () -> servedSerial(port), "a pair that does not load fails the handshake");
            install(renewed, certFile, keyFile, 30);
            assertEquals(renewed.certificate().getSerialNumber(), servedSerial(port));
            Etcdctl.Result get = run(Etcdctl.forEndpoint(endpoint(rhino)), List.of("--cacert", ca.caFile().toString(), "get", "k"));
            assertTrue(get.ok(), get.toString());
        }
    }

    private static void install(Pair pair, Path certFile, Path keyFile, long secondsAhead) throws IOException {
        Files.copy(pair.cert(), certFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pair.key(), keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // the same second, and maybe the same size, as the old files: make the change visible
        var stamp = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + secondsAhead * 1000);
        Files.setLastModifiedTime(certFile, stamp);
        Files.setLastModifiedTime(keyFile, stamp);
    }

    /** Handshakes with the JDK's client and returns the serial number of the certificate served. */
    private static java.math.BigInteger servedSerial(int port) throws Exception {
        java.security.KeyStore roots = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        roots.load(null, null);
        roots.setCertificateEntry("ca", ca.caCertificate());
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(roots);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    record StartFailure(String name, List<String> etcdFlags, ClientTls tls, boolean https) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<StartFailure> startFailures() throws IOException {
        Path missing = dir.resolve("missing.pem");
        Path notPem = Files.writeString(dir.resolve("not-a-cert.pem"), "this is not a certificate\n");
        Pair other = ca.client("other", KeyFormat.SEC1_EC);
        return Stream.of(
                new StartFailure("https without a certificate", List.of(), ClientTls.NONE, true),
                new StartFailure("a certificate without a key", List.of("--cert-file", server.cert().toString()),
                        new ClientTls(server.cert(), null, null, false, null), true),
                new StartFailure("a missing certificate file",
                        List.of("--cert-file", missing.toString(), "--key-file", server.key().toString()),
                        new ClientTls(missing, server.key(), null, false, null), true),
                new StartFailure("a key that belongs to another certificate",
                        List.of("--cert-file", server.cert().toString(), "--key-file", other.key().toString()),
                        new ClientTls(server.cert(), other.key(), null, false, null), true),
                new StartFailure("a certificate file without PEM data",
                        List.of("--cert-file", notPem.toString(), "--key-file", server.key().toString()),
                        new ClientTls(notPem, server.key(), null, false, null), true));
    }

    /** Rhino refuses to start with etcd's own message (etcd logs it as "C | etcdmain: MESSAGE" and exits). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("startFailures")
    void badTlsFlagsFailTheStartWithEtcdsMessage(StartFailure c) throws Exception {
        String etcdMessage = etcdStartFailure(c.etcdFlags());
        Path data = Files.createTempDirectory(dir, "data-");
        RhinoConfig config = TestBackends.config(data).withClientTls(c.tls())
                .withListenClientUrls(List.of(URI.create("https://127.0.0.1:0")));
        Exception e = assertThrows(Exception.class, () -> RhinoServer.start(config).close());
        String expected = etcdMessage.replaceAll("https://127\\.0\\.0\\.1:\\d+", "https://127.0.0.1:0");
        assertEquals(expected, e.getMessage());
    }

    /** Starts etcd with an https client URL and these flags; returns the message it died with. */
    private static String etcdStartFailure(List<String> flags) throws Exception {
        Path etcd = dev.kj.rhino.testing.Peers.require("etcd");
        Path data = Files.createTempDirectory(dir, "etcd-");
        int[] ports = RealEtcd.freePorts(2);
        List<String> command = new ArrayList<>(List.of(etcd.toString(), "--data-dir", data.resolve("d").toString(),
                "--listen-client-urls", "https://127.0.0.1:" + ports[0],
                "--advertise-client-urls", "https://127.0.0.1:" + ports[0],
                "--listen-peer-urls", "http://127.0.0.1:" + ports[1],
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + ports[1],
                "--initial-cluster", "default=http://127.0.0.1:" + ports[1]));
        command.addAll(flags);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "etcd did not exit: " + output);
        return output.lines().filter(l -> l.contains(" C | etcdmain: ")).findFirst()
                .map(l -> l.substring(l.indexOf(" C | etcdmain: ") + " C | etcdmain: ".length()))
                .orElseThrow(() -> new AssertionError("etcd did not fail as expected:\n" + output));
    }
}
