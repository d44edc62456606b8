package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** A monotonic count per label values. */
public final class Counter implements Metric {
    private final String name;
    private final String help;
    private final Series<LongAdder> series;

    public Counter(String name, Stability stability, String help, String... labelNames) {
        this.name = name;
        this.help = Metric.help(stability, help);
        this.series = new Series<>(List.of(labelNames), LongAdder::new);
    }

    public void inc(String... labelValues) {
        series.get(labelValues).increment();
    }

    public void add(long amount, String... labelValues) {
        series.get(labelValues).add(amount);
    }

    public long value(String... labelValues) {
        return series.get(labelValues).sum();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String help() {
        return help;
    }

    @Override
    public List<String> labelNames() {
        return series.labelNames();
    }

    @Override
    public void reset() {
        series.clear();
    }

    @Override
    public void write(StringBuilder out) {
        List<Map.Entry<List<String>, LongAdder>> all = series.sorted();
        if (all.isEmpty()) {
            return;
        }
        TextFormat.header(out, this, "counter");
        for (Map.Entry<List<String>, LongAdder> entry : all) {
            TextFormat.sample(out, name, series.sortedNames(), entry.getKey(), null, null,
                    TextFormat.number(entry.getValue().sum()));
        }
    }
}
