package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A value per label values that goes up and down (open watches) or is set (object counts). */
public final class Gauge implements Metric {
    private final String name;
    private final String help;
    private final Series<AtomicLong> series;

    public Gauge(String name, Stability stability, String help, String... labelNames) {
        this.name = name;
        this.help = Metric.help(stability, help);
        this.series = new Series<>(List.of(labelNames), AtomicLong::new);
    }

    public void inc(String... labelValues) {
        series.get(labelValues).incrementAndGet();
    }

    public void dec(String... labelValues) {
        series.get(labelValues).decrementAndGet();
    }

    public void set(long value, String... labelValues) {
        series.get(labelValues).set(value);
    }

    public long value(String... labelValues) {
        return series.get(labelValues).get();
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
        List<Map.Entry<List<String>, AtomicLong>> all = series.sorted();
        if (all.isEmpty()) {
            return;
        }
        TextFormat.header(out, this, "gauge");
        for (Map.Entry<List<String>, AtomicLong> entry : all) {
            TextFormat.sample(out, name, series.sortedNames(), entry.getKey(), null, null,
                    TextFormat.number(entry.getValue().get()));
        }
    }
}
