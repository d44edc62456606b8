package dev.kj.rhino.differential;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kj.rhino.testing.TempDirs;
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
