package dev.kj.apiserver.metrics;

import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/** A gauge or counter without labels whose value is computed at scrape time (process metrics); absent when unknown. */
public final class ComputedGauge implements Metric {
    private final String name;
    private final String help;
    private final String type;
    private final Supplier<OptionalDouble> value;

    private ComputedGauge(String name, String help, String type, Supplier<OptionalDouble> value) {
        this.name = name;
        this.help = help;
        this.type = type;
        this.value = value;
    }

    public static ComputedGauge gauge(String name, Stability stability, String help, Supplier<OptionalDouble> value) {
        return new ComputedGauge(name, Metric.help(stability, help), "gauge", value);
    }

    public static ComputedGauge counter(String name, Stability stability, String help, Supplier<OptionalDouble> value) {
        return new ComputedGauge(name, Metric.help(stability, help), "counter", value);
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
        return List.of();
    }

    @Override
    public void write(StringBuilder out) {
        OptionalDouble current = value.get();
        if (current.isEmpty()) {
            return;
        }
        TextFormat.header(out, this, type);
        TextFormat.sample(out, name, List.of(), List.of(), null, null, TextFormat.number(current.getAsDouble()));
    }
}
