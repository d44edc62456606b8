package dev.kj.apiserver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The exposition format's details, compared with what client_golang writes for the same values. */
class TextFormatTest {
    static Stream<Arguments> numbers() {
        // Go: strconv.FormatFloat(v, 'g', -1, 64), as expfmt writes samples and bucket bounds
        return Stream.of(
                Arguments.of(0.0, "0"), Arguments.of(1.0, "1"), Arguments.of(-1.0, "-1"), Arguments.of(0.005, "0.005"),
                Arguments.of(1.25, "1.25"), Arguments.of(60.0, "60"), Arguments.of(123456.0, "123456"),
                Arguments.of(1e6, "1e+06"), Arguments.of(1234567.0, "1.234567e+06"), Arguments.of(0.0001, "0.0001"),
                Arguments.of(0.00001, "1e-05"), Arguments.of(2.5e-7, "2.5e-07"), Arguments.of(131072.0, "131072"),
                Arguments.of(18446744073709551615.0, "1.8446744073709552e+19"), Arguments.of(0.002988266, "0.002988266"),
                Arguments.of(2.17808896e8, "2.17808896e+08"), Arguments.of(Double.POSITIVE_INFINITY, "+Inf"),
                Arguments.of(Double.NaN, "NaN"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("numbers")
    void numbersAsGoWritesThem(double value, String expected) {
        assertEquals(expected, TextFormat.number(value));
    }

    @org.junit.jupiter.api.Test
    void familiesSortedByNameSeriesByLabelPairsLabelsByNameLeLast() {
        MetricsRegistry registry = new MetricsRegistry();
        Counter counter = registry.register(new Counter("b_total", Metric.Stability.STABLE, "Counts \"things\".\nTwo lines.",
                "zeta", "alpha"));
        Histogram histogram = registry.register(new Histogram("a_seconds", Metric.Stability.ALPHA, "Latency.",
                new double[] {0.5, 1}, "op"));
        registry.register(new Gauge("c_empty", Metric.Stability.BETA, "Never set.", "x"));
        counter.inc("2", "a");
        counter.inc("1", "b\"q\\\n");
        counter.add(2, "1", "a");
        histogram.observe(0.5, "get");
        histogram.observe(0.7, "get");
        histogram.observe(3, "get");
        assertEquals("""
                # HELP a_seconds [ALPHA] Latency.
                # TYPE a_seconds histogram
                a_seconds_bucket{op="get",le="0.5"} 1
                a_seconds_bucket{op="get",le="1"} 2
                a_seconds_bucket{op="get",le="+Inf"} 3
                a_seconds_sum{op="get"} 4.2
                a_seconds_count{op="get"} 3
                # HELP b_total [STABLE] Counts "things".\\nTwo lines.
                # TYPE b_total counter
                b_total{alpha="a",zeta="1"} 2
                b_total{alpha="a",zeta="2"} 1
                b_total{alpha="b\\"q\\\\\\n",zeta="1"} 1
                """, registry.scrape(), "a family without series is left out, as client_golang's vectors");
    }
}
