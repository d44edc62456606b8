package dev.kj.apiserver.metrics;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The metrics one API server exposes on /metrics. Families are written sorted by name, as
 * client_golang's registry gathers them.
 */
public final class MetricsRegistry {
    /** What upstream's promhttp handler answers for the text format (prometheus/common 0.62). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";

    private final List<Metric> metrics = new CopyOnWriteArrayList<>();

    public <M extends Metric> M register(M metric) {
        if (metrics.stream().anyMatch(m -> m.name().equals(metric.name()))) {
            throw new IllegalArgumentException("duplicate metric " + metric.name());
        }
        metrics.add(metric);
        return metric;
    }

    /** Drops every labelled series, as upstream's DELETE /metrics (its metrics handler "with reset"). */
    public void reset() {
        metrics.forEach(Metric::reset);
    }

    /** The text exposition of every family that has series. */
    public String scrape() {
        StringBuilder out = new StringBuilder(16 * 1024);
        metrics.stream().sorted(Comparator.comparing(Metric::name)).forEach(metric -> metric.write(out));
        return out.toString();
    }
}
