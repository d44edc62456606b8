package dev.kj.apiserver.storage.value;

import dev.kj.apiserver.metrics.Counter;
import dev.kj.apiserver.metrics.Histogram;
import dev.kj.apiserver.metrics.Metric.Stability;
import dev.kj.apiserver.metrics.MetricsRegistry;

/**
 * Upstream's storage transformation metrics (k8s.io/apiserver/pkg/storage/value/metrics.go):
 * {@code apiserver_storage_transformation_operations_total} by type, prefix and status (gRPC code
 * words: OK, or Unknown for a failed in-process transformation) and the latency of successful ones.
 */
public final class TransformationMetrics {
    public static final String FROM_STORAGE = "from_storage";
    public static final String TO_STORAGE = "to_storage";
    /** Counts nothing (tests, servers without metrics). */
    public static final TransformationMetrics NONE = new TransformationMetrics(null, null);

    private final Counter operations;
    private final Histogram latencies;

    private TransformationMetrics(Counter operations, Histogram latencies) {
        this.operations = operations;
        this.latencies = latencies;
    }

    public static TransformationMetrics register(MetricsRegistry registry) {
        return new TransformationMetrics(
                registry.register(new Counter("apiserver_storage_transformation_operations_total", Stability.ALPHA,
                        "Total number of transformations.",
                        "transformation_type", "transformer_prefix", "status")),
                registry.register(new Histogram("apiserver_storage_transformation_duration_seconds", Stability.ALPHA,
                        "Latencies in seconds of value transformation operations.", Histogram.exponential(5e-6, 2, 14),
                        "transformation_type", "transformer_prefix")));
    }

    void record(String type, String prefix, long startNanos, boolean ok) {
        if (operations == null) {
            return;
        }
        operations.inc(type, prefix, ok ? "OK" : "Unknown");
        if (ok) {
            latencies.observe((System.nanoTime() - startNanos) / 1e9, type, prefix);
        }
    }
}
