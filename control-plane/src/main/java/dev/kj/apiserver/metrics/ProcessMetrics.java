package dev.kj.apiserver.metrics;

import dev.kj.apiserver.metrics.Metric.Stability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/**
 * client_golang's process collector on Linux: CPU time, memory, file descriptors and start time
 * read from /proc/self when scraped. Elsewhere the metrics are left out.
 */
public final class ProcessMetrics {
    /** USER_HZ, the unit of /proc's CPU times (100 on every Linux platform Java runs on). */
    private static final double TICKS_PER_SECOND = 100;
    private static final long PAGE_SIZE = 4096;
    private static final Path SELF = Path.of("/proc/self");

    private ProcessMetrics() {
    }

    public static void register(MetricsRegistry registry) {
        registry.register(ComputedGauge.counter("process_cpu_seconds_total", Stability.NONE,
                "Total user and system CPU time spent in seconds.",
                () -> stat(14).isPresent() && stat(15).isPresent()
                        ? OptionalDouble.of((stat(14).getAsDouble() + stat(15).getAsDouble()) / TICKS_PER_SECOND)
                        : OptionalDouble.empty()));
        registry.register(ComputedGauge.gauge("process_open_fds", Stability.NONE, "Number of open file descriptors.",
                ProcessMetrics::openFds));
        registry.register(ComputedGauge.gauge("process_max_fds", Stability.NONE, "Maximum number of open file descriptors.",
                () -> limit("Max open files")));
        registry.register(ComputedGauge.gauge("process_virtual_memory_bytes", Stability.NONE, "Virtual memory size in bytes.",
                () -> stat(23)));
        registry.register(ComputedGauge.gauge("process_virtual_memory_max_bytes", Stability.NONE,
                "Maximum amount of virtual memory available in bytes.", () -> limit("Max address space")));
        registry.register(ComputedGauge.gauge("process_resident_memory_bytes", Stability.NONE, "Resident memory size in bytes.",
                () -> stat(24).isPresent() ? OptionalDouble.of(stat(24).getAsDouble() * PAGE_SIZE) : OptionalDouble.empty()));
        registry.register(ComputedGauge.gauge("process_start_time_seconds", Stability.NONE,
                "Start time of the process since unix epoch in seconds.",
                () -> ProcessHandle.current().info().startInstant()
                        .map(start -> OptionalDouble.of(start.toEpochMilli() / 1000.0)).orElse(OptionalDouble.empty())));
    }

    /** Field {@code number} (1-based, as proc(5) counts) of /proc/self/stat. */
    private static OptionalDouble stat(int number) {
        try {
            String stat = Files.readString(SELF.resolve("stat"));
            // the command name may hold spaces; fields after it start at number 3
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalDouble.of(Double.parseDouble(rest[number - 3]));
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    private static OptionalDouble openFds() {
        try (Stream<Path> fds = Files.list(SELF.resolve("fd"))) {
            return OptionalDouble.of(fds.count());
        } catch (IOException | UncheckedIOException e) {
            return OptionalDouble.empty();
        }
    }

    /** The soft limit from /proc/self/limits; "unlimited" is 2^64 - 1, as procfs reads it. */
    private static OptionalDouble limit(String name) {
        try {
            for (String line : Files.readAllLines(SELF.resolve("limits"))) {
                if (line.startsWith(name)) {
                    String soft = line.substring(name.length()).trim().split("\\s+")[0];
                    return OptionalDouble.of(soft.equals("unlimited") ? 18446744073709551615.0 : Double.parseDouble(soft));
                }
            }
            return OptionalDouble.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }
}
