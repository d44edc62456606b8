package dev.kj.rhino.differential;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestCerts;
import dev.kj.rhino.tls.ClientTls;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plays each scripted etcdctl session ({@code src/test/resources/differential/*.session}) against a
 * fresh real etcd and a fresh Rhino and requires the normalized transcripts to be equal.
 * {@code -Dkj.differential.against=etcd} replaces Rhino by a second etcd, which must always pass:
 * it proves the normalization hides only what differs between two correct servers.
 * {@code -Dkj.differential.only=NAME} runs one session.
 */
class DifferentialEtcdctlTest {

    static Stream<Arguments> sessions() throws IOException, URISyntaxException {
        URL dir = DifferentialEtcdctlTest.class.getResource("/differential");
        if (dir == null) {
            throw new IllegalStateException("no differential sessions on the test classpath");
        }
        String only = System.getProperty("kj.differential.only", "");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            List<Path> sessions = files.filter(p -> p.toString().endsWith(".session"))
                    .filter(p -> only.isEmpty() || p.getFileName().toString().equals(only + ".session"))
                    .sorted().toList();
            return sessions.stream().map(p -> Arguments.of(p.getFileName().toString().replaceFirst("\\.session$", ""), p));
        }
    }

    /** The sessions replayed over https with client certificates (both servers use the same files). */
    static final List<String> TLS_SESSIONS = List.of("kv-put-get", "watch", "txn", "lease", "auth");

    static Stream<Arguments> tlsSessions() throws IOException, URISyntaxException {
        return sessions().filter(a -> TLS_SESSIONS.contains((String) a.get()[0]));
    }

    /**
     * The same sessions over https with --client-cert-auth: etcdctl presents a certificate whose
     * common name ("tls-client") is no user, so once auth is on, requests without --user act as
     * that unknown user on both servers.
     */
    @ParameterizedTest(name = "{0} over TLS")
    @MethodSource("tlsSessions")
    void sameTranscriptOverTls(String name, Path file) throws Exception {
        Session session = Session.load(file);
        Path work = Files.createTempDirectory("kj-differential-tls-" + name + "-");
        try {
            TestCerts ca = TestCerts.newCa(work.resolve("certs"), "ca");
            TestCerts.Pair server = ca.server("server", TestCerts.KeyFormat.SEC1_EC);
            TestCerts.Pair client = ca.client("tls-client", TestCerts.KeyFormat.PKCS1_RSA);
            List<String> clientFlags = List.of("--cacert", ca.caFile().toString(),
                    "--cert", client.cert().toString(), "--key", client.key().toString());
            List<String> expected;
            try (Target etcd = Target.realEtcdTls(List.of("--cert-file", server.cert().toString(),
                    "--key-file", server.key().toString(), "--trusted-ca-file", ca.caFile().toString(),
                    "--client-cert-auth"))) {
                expected = SessionRunner.run(session, etcd.endpoint(),
                        Files.createDirectories(work.resolve("etcd-scratch")).toString(), clientFlags);
            }
            List<String> actual;
            try (Target rhino = RhinoTarget.startTls(Target.privateDirectory(work.resolve("data")),
                    new ClientTls(server.cert(), server.key(), ca.caFile(), true, null))) {
                actual = SessionRunner.run(session, rhino.endpoint(),
                        Files.createDirectories(work.resolve("scratch")).toString(), clientFlags);
            }
            if (!expected.equals(actual)) {
                String diff = UnifiedDiff.diff("etcd 3.4.23 (https)", expected, "rhino (https)", actual);
                System.err.println("=== session " + name + " over TLS: transcripts differ\n" + diff);
                fail("session " + name + " over TLS: rhino differs from etcd\n" + diff);
            }
        } finally {
            TempDirs.deleteRecursively(work);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sessions")
    void sameTranscript(String name, Path file) throws Exception {
        Session session = Session.load(file);
        Path work = Files.createTempDirectory("kj-differential-" + name + "-");
        try {
            String expectedLabel;
            List<String> expected;
            Path etcdScratch = Files.createDirectories(work.resolve("etcd-scratch"));
            try (Target etcd = Target.realEtcd()) {
                expectedLabel = etcd.label();
                expected = SessionRunner.run(session, etcd.endpoint(), etcdScratch.toString());
            }
            String actualLabel;
            List<String> actual;
            Path scratch = Files.createDirectories(work.resolve("scratch"));
            try (Target other = Target.underTest(Target.privateDirectory(work.resolve("data")))) {
                actualLabel = other.label();
                actual = SessionRunner.run(session, other.endpoint(), scratch.toString());
            }
            if (!expected.equals(actual)) {
                String diff = UnifiedDiff.diff(expectedLabel, expected, actualLabel, actual);
                System.err.println("=== session " + name + ": transcripts differ\n" + diff);
                fail("session " + name + ": " + actualLabel + " differs from " + expectedLabel + "\n" + diff);
            }
            if (Boolean.getBoolean("kj.differential.print")) {
                System.out.println("=== session " + name + "\n" + String.join("\n", expected));
            }
        } finally {
            TempDirs.deleteRecursively(work);
        }
    }
}
