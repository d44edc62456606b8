package dev.kj.rhino.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real programs our tests compare against. A missing peer fails the test in CI
 * ({@code CI=true} or {@code KJ_TEST_CI=true}) and skips it loudly everywhere else, so a laptop
 * without etcd still builds while CI can never pass by silently testing nothing.
 */
public final class Peers {
    private Peers() {
    }

    /** True when running in CI, where every peer is required. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || "true".equalsIgnoreCase(System.getenv("KJ_TEST_CI"));
    }

    /** The path of {@code program} on PATH (or /usr/bin, /usr/local/bin); fails or skips when absent. */
    public static Path require(String program) {
        Optional<Path> found = find(program);
        if (found.isPresent()) {
            return found.get();
        }
        String debianPackage = switch (program) {
            case "etcd" -> "etcd-server";
            case "etcdctl" -> "etcd-client";
            default -> program;
        };
        String message = "required peer '" + program + "' not found on PATH"
                + " (Debian: apt-get install " + debianPackage + ")";
        if (inCi()) {
            Assertions.fail(message + "; CI requires it");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /**
     * A PostgreSQL server the tests may create databases on: {@code -Dkj.test.postgres} or
     * {@code KJ_TEST_POSTGRES} (a {@code postgres://user[:password]@host[:port]} URL without a
     * database), by default {@code postgres://postgres@127.0.0.1:5432}. Fails or skips when it does
     * not answer.
     */
    public static String requirePostgres() {
        String url = TestPostgres.serverUrl();
        String problem = TestPostgres.probe(url);
        if (problem == null) {
            return url;
        }
        String message = "required peer PostgreSQL at " + url + " is not usable: " + problem
                + " (Debian: apt-get install postgresql; or set KJ_TEST_POSTGRES)";
        if (inCi()) {
            Assertions.fail(message + "; CI requires it");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** The path of {@code program}, if installed. */
    public static Optional<Path> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + File.pathSeparator + "/usr/bin" + File.pathSeparator + "/usr/local/bin")
                .split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
