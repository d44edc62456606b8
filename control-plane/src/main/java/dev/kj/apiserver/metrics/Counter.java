package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** A monotonic count per label values. */
public final class Counter extends LabelledMetric<LongAdder> {
    public Counter(String name, Stability stability, String help, String... labelNames) {
        super(name, stability, help, "counter", LongAdder::new, labelNames);
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
    void writeSeries(StringBuilder out, List<String> names, List<String> values, LongAdder count) {
        TextFormat.sample(out, name(), names, values, null, null, TextFormat.number(count.sum()));
    }
}
