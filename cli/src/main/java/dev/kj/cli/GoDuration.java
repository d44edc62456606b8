package dev.kj.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations in Go's {@code time.ParseDuration} syntax ({@code 300ms}, {@code 10m}, {@code 1h30m},
 * {@code 1.5h}), so that flags copied from an etcd command line keep working.
 */
final class GoDuration implements ITypeConverter<Duration> {
    private static final Map<String, Long> UNIT_NANOS = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "\u00b5s", 1_000L, // micro sign
            "\u03bcs", 1_000L, // Greek mu
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final String HINT = " (use a number and a unit: ns, us, ms, s, m, h; e.g. 5s, 10m, 1h30m)";

    /** Flags take intervals, so only durations above zero. */
    @Override
    public Duration convert(String value) {
        Duration duration = parse(value);
        if (duration.isNegative() || duration.isZero()) {
            throw new TypeConversionException("\"" + value + "\": must be greater than zero");
        }
        return duration;
    }

    /** Parses {@code text} or throws a {@link TypeConversionException} whose message names the problem. */
    static Duration parse(String text) {
        String s = text.strip();
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalid(text, "empty");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw invalid(text, "expected a number at \"" + s.substring(start) + "\"");
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(unitStart, i);
            if (unit.isEmpty()) {
                throw invalid(text, "missing unit");
            }
            Long unitNanos = UNIT_NANOS.get(unit);
            if (unitNanos == null) {
                throw invalid(text, "unknown unit \"" + unit + "\"");
            }
            nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unitNanos)));
        }
        nanos = nanos.setScale(0, RoundingMode.DOWN); // Go truncates fractions of a nanosecond
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw invalid(text, "too large");
        }
        long result = nanos.longValueExact();
        return Duration.ofNanos(negative ? -result : result);
    }

    private static TypeConversionException invalid(String text, String why) {
        return new TypeConversionException("invalid duration \"" + text + "\": " + why + HINT);
    }
}
