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
 * Plays each curl session ({@code src/test/resources/gateway/*.session}) against a fresh real etcd
 * and a fresh Rhino and requires equal transcripts: status lines, headers, JSON bodies, stream
 * lines, trailers and error texts of etcd's JSON gateway. {@code -Dkj.differential.against=etcd}
 * compares etcd with itself (it must pass: the masking hides only what two correct servers may
 * differ in); {@code -Dkj.differential.only=NAME} runs one session.
 */
class GatewayDifferentialTest {

    static Stream<Arguments> sessions() throws IOException, URISyntaxException {
        URL dir = GatewayDifferentialTest.class.getResource("/gateway");
        if (dir == null) {
            throw new IllegalStateException("no gateway sessions on the test classpath");
        }
        String only = System.getProperty("kj.differential.only", "");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.filter(p -> p.toString().endsWith(".session"))
                    .filter(p -> only.isEmpty() || p.getFileName().toString().equals(only + ".session"))
                    .sorted().toList().stream()
                    .map(p -> Arguments.of(p.getFileName().toString().replaceFirst("\\.session$", ""), p));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sessions")
    void sameTranscript(String name, Path file) throws Exception {
        CurlSession session = CurlSession.load(file);
        Path work = Files.createTempDirectory("kj-gateway-" + name + "-");
        try {
            String expectedLabel;
            List<String> expected;
            try (Target etcd = Target.realEtcd()) {
                expectedLabel = etcd.label();
                expected = session.run(etcd.endpoint());
            }
            String actualLabel;
            List<String> actual;
            try (Target other = Target.underTest(Target.privateDirectory(work.resolve("data")))) {
                actualLabel = other.label();
                actual = session.run(other.endpoint());
            }
            if (!expected.equals(actual)) {
                String diff = UnifiedDiff.diff(expectedLabel, expected, actualLabel, actual);
                System.err.println("=== gateway session " + name + ": transcripts differ\n" + diff);
                fail("gateway session " + name + ": " + actualLabel + " differs from " + expectedLabel + "\n" + diff);
            }
            if (Boolean.getBoolean("kj.differential.print")) {
                System.out.println("=== gateway session " + name + "\n" + String.join("\n", expected));
            }
        } finally {
            TempDirs.deleteRecursively(work);
        }
    }
}
