package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A family whose series are keyed by label values (client_golang's metric vectors): the shared
 * naming, lookup and writing; each kind says what a series holds and how its lines read.
 *
 * @param <S> one series' state
 */
public abstract sealed class LabelledMetric<S> implements Metric permits Counter, Gauge, Histogram {
    private final String name;
    private final String help;
    private final String type;
    final Series<S> series;

    LabelledMetric(String name, Stability stability, String help, String type, Supplier<S> create, String... labelNames) {
        this.name = name;
        this.help = Metric.help(stability, help);
        this.type = type;
        this.series = new Series<>(List.of(labelNames), create);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String help() {
        return help;
    }

    @Override
    public final List<String> labelNames() {
        return series.labelNames();
    }

    @Override
    public final void reset() {
        series.clear();
    }

    @Override
    public final void write(StringBuilder out) {
        List<Map.Entry<List<String>, S>> all = series.sorted();
        if (all.isEmpty()) {
            return;
        }
        TextFormat.header(out, this, type);
        for (Map.Entry<List<String>, S> entry : all) {
            writeSeries(out, series.sortedNames(), entry.getKey(), entry.getValue());
        }
    }

    /** The sample lines of one series, its label pairs given sorted by name. */
    abstract void writeSeries(StringBuilder out, List<String> names, List<String> values, S state);
}
