package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** Observations counted into fixed upper bounds (cumulative when scraped), with their sum and count. */
public final class Histogram extends LabelledMetric<Histogram.Buckets> {
    private final double[] bounds;

    /** One series' state: a striped count per bucket (the last one is +Inf) and the sum. */
    static final class Buckets {
        final LongAdder[] counts;
        final DoubleAdder sum = new DoubleAdder();

        Buckets(int size) {
            counts = new LongAdder[size + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }
    }

    public Histogram(String name, Stability stability, String help, double[] bounds, String... labelNames) {
        super(name, stability, help, "histogram", () -> new Buckets(bounds.length), labelNames);
        this.bounds = bounds.clone();
        for (int i = 1; i < this.bounds.length; i++) {
            if (this.bounds[i] <= this.bounds[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must increase: " + name);
            }
        }
    }

    /** client_golang's ExponentialBuckets(start, factor, count). */
    public static double[] exponential(double start, double factor, int count) {
        double[] bounds = new double[count];
        for (int i = 0; i < count; i++) {
            bounds[i] = start * Math.pow(factor, i);
        }
        return bounds;
    }

    public void observe(double value, String... labelValues) {
        Buckets buckets = series.get(labelValues);
        int index = 0;
        while (index < bounds.length && value > bounds[index]) {
            index++;
        }
        buckets.counts[index].increment();
        buckets.sum.add(value);
    }

    public long count(String... labelValues) {
        long total = 0;
        for (LongAdder count : series.get(labelValues).counts) {
            total += count.sum();
        }
        return total;
    }

    @Override
    void writeSeries(StringBuilder out, List<String> names, List<String> values, Buckets buckets) {
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += buckets.counts[i].sum();
            TextFormat.sample(out, name() + "_bucket", names, values, "le",
                    i < bounds.length ? TextFormat.number(bounds[i]) : "+Inf", TextFormat.number(cumulative));
        }
        TextFormat.sample(out, name() + "_sum", names, values, null, null, TextFormat.number(buckets.sum.sum()));
        TextFormat.sample(out, name() + "_count", names, values, null, null, TextFormat.number(cumulative));
    }
}
