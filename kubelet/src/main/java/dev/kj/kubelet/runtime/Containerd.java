package dev.kj.kubelet.runtime;

import dev.kj.kubelet.cri.CriConnection;
import dev.kj.kubelet.cri.CriEndpoint;
import dev.kj.kubelet.cri.CriException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A containerd that kj runs itself (when no --container-runtime-endpoint is given and containerd is
 * on PATH): started with {@link ContainerdConfig}'s file, restarted with a growing back-off when it
 * dies, stopped on close. Containers keep running across a restart (their shims are not
 * containerd's children in lifetime), as with a system containerd.
 */
public final class Containerd implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Containerd.class.getName());
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A run this long resets the back-off: the crash was not a crash loop. */
    private static final Duration STABLE_RUN = Duration.ofMinutes(1);

    private final ContainerdConfig config;
    private final List<String> command;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Process process;
    private int starts;
    private boolean closed;
    private final Thread supervisor;

    private Containerd(ContainerdConfig config, List<String> command) {
        this.config = config;
        this.command = List.copyOf(command);
        this.supervisor = Thread.ofVirtual().name("containerd-supervisor").unstarted(this::supervise);
    }

    /** containerd on PATH, if installed. */
    public static Optional<Path> findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "containerd"))) {
                return Optional.of(Path.of(dir, "containerd"));
            }
        }
        return Optional.empty();
    }

    /**
     * Writes the configuration, starts containerd and waits until its CRI answers Version.
     *
     * @param launcher a command prefix it runs under (tests: {@code ip netns exec NAME}); usually empty
     */
    public static Containerd start(ContainerdConfig config, Path binary, List<String> launcher, Duration readyTimeout) {
        writeFiles(config);
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(binary.toString(), "--config", config.configFile().toString()));
        Containerd containerd = new Containerd(config, command);
        containerd.launch();
        containerd.supervisor.start();
        try {
            containerd.awaitReady(readyTimeout);
        } catch (RuntimeException e) {
            containerd.close();
            throw e;
        }
        return containerd;
    }

    static void writeFiles(ContainerdConfig config) {
        try {
            Files.createDirectories(config.dir());
            Files.createDirectories(config.cniConfDir());
            Files.writeString(config.configFile(), config.toml());
            for (String registry : config.plainHttpRegistries()) {
                Path hosts = config.registryConfigDir().resolve(registry);
                Files.createDirectories(hosts);
                Files.writeString(hosts.resolve("hosts.toml"), ContainerdConfig.plainHttpHosts(registry));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CriEndpoint endpoint() {
        return new CriEndpoint(config.socket());
    }

    public ContainerdConfig config() {
        return config;
    }

    /** How many times containerd has been started (1 until it first dies). */
    public int starts() {
        lock.lock();
        try {
            return starts;
        } finally {
            lock.unlock();
        }
    }

    /** The running process's pid, if one runs now. */
    public Optional<Long> pid() {
        lock.lock();
        try {
            return process != null && process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    private void launch() {
        try {
            Files.deleteIfExists(config.socket());
            Process started = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(config.logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            lock.lock();
            try {
                process = started;
                starts++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            LOG.log(Level.INFO, "started containerd (pid {0}) with {1}; log in {2}", started.pid(), config.configFile(), config.logFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start containerd: " + e.getMessage(), e);
        }
    }

    private void supervise() {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            Process current;
            lock.lock();
            try {
                current = process;
            } finally {
                lock.unlock();
            }
            Instant started = Instant.now();
            int exit;
            try {
                exit = current.waitFor();
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                if (Duration.between(started, Instant.now()).compareTo(STABLE_RUN) > 0) {
                    backoff = FIRST_BACKOFF;
                }
                LOG.log(Level.WARNING, "containerd exited with status {0}; restarting in {1}s (see {2})",
                        exit, backoff.toSeconds(), config.logFile());
                // Sleep on the condition so close() wakes us at once.
                long waitNanos = backoff.toNanos();
                while (!closed && waitNanos > 0) {
                    waitNanos = changed.awaitNanos(waitNanos);
                }
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            try {
                launch();
            } catch (UncheckedIOException e) {
                LOG.log(Level.ERROR, e.getMessage());
            }
        }
    }

    /** Waits until the CRI socket answers Version; containerd's log tail explains a failure. */
    public void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        CriException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(config.socket())) {
                try (CriConnection connection = CriConnection.open(endpoint())) {
                    connection.runtime(Duration.ofSeconds(5)).version();
                    return;
                } catch (CriException e) {
                    last = e;
                }
            }
            lock.lock();
            try {
                if (closed) {
                    throw new IllegalStateException("containerd supervisor closed");
                }
                changed.await(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for containerd", e);
            } finally {
                lock.unlock();
            }
        }
        throw new IllegalStateException("containerd did not answer on " + endpoint() + " within " + timeout.toSeconds() + "s"
                + (last == null ? "" : " (" + last.getMessage() + ")") + "; its log ends with:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(config.logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Stops containerd, then ends any shim it left behind (found by this containerd's socket on
     * its command line): for callers that stopped their pods first, the last leftovers.
     */
    public void closeWithShims() {
        close();
        String socket = config.socket().toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(socket)).orElse(false))
                .forEach(p -> {
                    LOG.log(Level.WARNING, "ending leftover containerd shim {0}: {1}", p.pid(), p.info().commandLine().orElse(""));
                    p.destroyForcibly();
                });
    }

    /** Stops containerd: SIGTERM, then SIGKILL after 30 s. Containers and their shims are the caller's to stop first. */
    @Override
    public void close() {
        Process current;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            current = process;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (current != null) {
            current.destroy();
            try {
                if (!current.waitFor(30, TimeUnit.SECONDS)) {
                    current.destroyForcibly();
                    current.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                current.destroyForcibly();
            }
        }
        supervisor.interrupt();
    }
}
