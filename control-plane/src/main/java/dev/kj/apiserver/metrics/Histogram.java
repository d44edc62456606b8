package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** Observations counted into fixed upper bounds (cumulative when scraped), with their sum and count. */
public final class Histogram implements Metric {
    private final String name;
    private final String help;
    private final double[] bounds;
    private final Series<Buckets> series;

    /** One series' state: a striped count per bucket (the last one is +Inf) and the sum. */
    private static final class Buckets {
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
        this.name = name;
        this.help = Metric.help(stability, help);
        this.bounds = bounds.clone();
        for (int i = 1; i < this.bounds.length; i++) {
            if (this.bounds[i] <= this.bounds[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must increase: " + name);
            }
        }
        this.series = new Series<>(List.of(labelNames), () -> new Buckets(this.bounds.length));
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
        List<Map.Entry<List<String>, Buckets>> all = series.sorted();
        if (all.isEmpty()) {
            return;
        }
        TextFormat.header(out, this, "histogram");
        for (Map.Entry<List<String>, Buckets> entry : all) {
            Buckets buckets = entry.getValue();
            long cumulative = 0;
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += buckets.counts[i].sum();
                TextFormat.sample(out, name + "_bucket", series.sortedNames(), entry.getKey(), "le",
                        i < bounds.length ? TextFormat.number(bounds[i]) : "+Inf", TextFormat.number(cumulative));
            }
            TextFormat.sample(out, name + "_sum", series.sortedNames(), entry.getKey(), null, null,
                    TextFormat.number(buckets.sum.sum()));
            TextFormat.sample(out, name + "_count", series.sortedNames(), entry.getKey(), null, null,
                    TextFormat.number(cumulative));
        }
    }
}
