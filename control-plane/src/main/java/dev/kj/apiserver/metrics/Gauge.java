package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A value per label values that goes up and down (open watches) or is set (object counts). */
public final class Gauge extends LabelledMetric<AtomicLong> {
    public Gauge(String name, Stability stability, String help, String... labelNames) {
        super(name, stability, help, "gauge", AtomicLong::new, labelNames);
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
    void writeSeries(StringBuilder out, List<String> names, List<String> values, AtomicLong value) {
        TextFormat.sample(out, name(), names, values, null, null, TextFormat.number(value.get()));
    }
}
