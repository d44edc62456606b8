package dev.kj.kubelet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1:5000 inside a namespace, plain HTTP. */
public final class Registry implements AutoCloseable {
    public static final String ADDRESS = "127.0.0.1:5000";

    private final Process process;

    private Registry(Process process) {
        this.process = process;
    }

    public static Registry start(NetworkNamespace namespace, Path binary, Path busybox, Path dir) {
        try {
            Files.createDirectories(dir.resolve("storage"));
            Path config = dir.resolve("config.yml");
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: warn
                    storage:
                      filesystem:
                        rootdirectory: %s
                    http:
                      addr: %s
                    """.formatted(dir.resolve("storage"), ADDRESS));
            Process process = new ProcessBuilder(Commands.concat(namespace.launcher(), binary.toString(), "serve", config.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()))
                    .start();
            Registry registry = new Registry(process);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            while (namespace.exec(busybox.toString(), "wget", "-q", "-O", "/dev/null", "http://" + ADDRESS + "/v2/").exit() != 0) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    registry.close();
                    throw new IllegalStateException("docker-registry did not answer on " + ADDRESS + "; log: "
                            + Files.readString(dir.resolve("registry.log")));
                }
                Thread.sleep(200);
            }
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
