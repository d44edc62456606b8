package dev.kj.rhino.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Runs the real {@code etcdctl} (v3 API) against one endpoint. Inherited {@code ETCDCTL_*}
 * variables are dropped so the developer's shell cannot change what a test sends.
 */
public final class Etcdctl {
    private final Path binary;
    private final String endpoint;
    private final Map<String, String> env;
    private final List<String> globalFlags;

    private Etcdctl(Path binary, String endpoint, Map<String, String> env, List<String> globalFlags) {
        this.binary = binary;
        this.endpoint = endpoint;
        this.env = Map.copyOf(env);
        this.globalFlags = List.copyOf(globalFlags);
    }

    /** etcdctl talking to {@code host:port}; fails or skips when etcdctl is not installed. */
    public static Etcdctl forEndpoint(String endpoint) {
        return new Etcdctl(Peers.require("etcdctl"), endpoint, Map.of(), List.of());
    }

    /** The same client with extra environment variables. */
    public Etcdctl withEnv(Map<String, String> extra) {
        var merged = new java.util.HashMap<>(env);
        merged.putAll(extra);
        return new Etcdctl(binary, endpoint, merged, globalFlags);
    }

    /** The same client with flags given to every run (e.g. --cacert, --cert, --key). */
    public Etcdctl withGlobalFlags(List<String> flags) {
        return new Etcdctl(binary, endpoint, env, flags);
    }

    public String endpoint() {
        return endpoint;
    }

    /** What one etcdctl run did. */
    public record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }
    }

    public Result run(String... args) {
        return run(List.of(args), null, Duration.ofSeconds(15));
    }

    /** Runs to completion; {@code stdin} may be null; the process is killed after {@code timeout}. */
    public Result run(List<String> args, String stdin, Duration timeout) {
        Background running = start(args);
        try {
            if (stdin != null) {
                running.send(stdin);
            }
            running.closeStdin();
            boolean exited = running.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                running.process.destroyForcibly();
                running.process.waitFor(5, TimeUnit.SECONDS);
            }
            running.joinReaders();
            return new Result(exited ? running.process.exitValue() : -1, running.stdout(), running.stderr(), !exited);
        } catch (InterruptedException e) {
            running.process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Starts etcdctl in the background (for watch, lock, elect, keep-alive); stdin stays open. */
    public Background start(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--endpoints=" + endpoint);
        command.addAll(globalFlags);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
        builder.environment().put("ETCDCTL_API", "3");
        builder.environment().putAll(env);
        try {
            return new Background(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
    }

    /** A running etcdctl whose output is collected as it arrives. */
    public static final class Background implements AutoCloseable {
        private final Process process;
        private final StringBuilder out = new StringBuilder();
        private final StringBuilder err = new StringBuilder();
        private final Thread outReader;
        private final Thread errReader;
        private final OutputStream stdin;

        private Background(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.outReader = Thread.ofVirtual().start(() -> pump(process.getInputStream(), out));
            this.errReader = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), err));
        }

        private void pump(InputStream in, StringBuilder sink) {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    String chunk = new String(buffer, 0, n, StandardCharsets.UTF_8);
                    synchronized (this) {
                        sink.append(chunk);
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process went away; what we read so far is the output
            }
        }

        public long pid() {
            return process.pid();
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Writes {@code text} to the process's stdin (a newline is not added). */
        public void send(String text) {
            try {
                stdin.write(text.getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("etcdctl stdin closed", e);
            }
        }

        public void closeStdin() {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already gone
            }
        }

        public synchronized String stdout() {
            return out.toString();
        }

        public synchronized String stderr() {
            return err.toString();
        }

        /** Waits until stdout satisfies {@code condition}; false on timeout or if the process ended first. */
        public boolean awaitStdout(Predicate<String> condition, Duration timeout) throws InterruptedException {
            return awaitOutput(() -> condition.test(stdout()), timeout);
        }

        /** Waits until {@code condition} (re-checked whenever output arrives) holds; false on timeout or exit. */
        public boolean awaitOutput(BooleanSupplier condition, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (this) {
                while (!condition.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    if (!process.isAlive() && !outReader.isAlive() && !errReader.isAlive()) {
                        return condition.getAsBoolean();
                    }
                    wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 50));
                }
                return true;
            }
        }

        /** Waits for the process to exit by itself (killing it after {@code timeout}) and returns the outcome. */
        public Result awaitExit(Duration timeout) {
            try {
                closeStdin();
                boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!exited) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
                joinReaders();
                return new Result(exited ? process.exitValue() : -1, stdout(), stderr(), !exited);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        /** Sends SIGINT (etcdctl lock/elect release on it), waits, kills if needed, returns the outcome. */
        public Result interrupt(Duration grace) {
            try {
                if (process.isAlive()) {
                    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
                }
                boolean exited = process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
                if (!exited) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
                closeStdin();
                joinReaders();
                return new Result(exited ? process.exitValue() : -1, stdout(), stderr(), !exited);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private void joinReaders() throws InterruptedException {
            outReader.join(Duration.ofSeconds(5));
            errReader.join(Duration.ofSeconds(5));
        }

        @Override
        public void close() {
            process.destroyForcibly();
            closeStdin();
        }
    }
}
