package dev.kj.apiserver.metrics;

import java.util.List;

/**
 * One metric family as Prometheus' text format shows it: a name, help text, label names and
 * series. The kinds are closed: counters and gauges keyed by label values, histograms with fixed
 * buckets, and gauges computed when scraped.
 */
public sealed interface Metric permits LabelledMetric, ComputedGauge {
    /** How much upstream promises to keep a metric stable; shown in front of the help text. */
    enum Stability { ALPHA, BETA, STABLE, NONE }

    String name();

    /** The help text as written after {@code # HELP name}, with the stability prefix. */
    String help();

    List<String> labelNames();

    /** Appends this family's lines (nothing when it has no series, as client_golang's vectors). */
    void write(StringBuilder out);

    /** Forgets every series (DELETE /metrics); computed values stay. */
    default void reset() {
    }

    static String help(Stability stability, String text) {
        return stability == Stability.NONE ? text : "[" + stability + "] " + text;
    }
}
