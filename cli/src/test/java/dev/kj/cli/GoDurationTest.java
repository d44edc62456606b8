package dev.kj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.TypeConversionException;

class GoDurationTest {
    record Valid(String text, Duration expected) {
        @Override
        public String toString() {
            return text;
        }
    }

    record Invalid(String text, String why) {
        @Override
        public String toString() {
            return "\"" + text + "\" is rejected: " + why;
        }
    }

    static Stream<Valid> valid() {
        return Stream.of(
                new Valid("10m", Duration.ofMinutes(10)),
                new Valid("5s", Duration.ofSeconds(5)),
                new Valid("1h30m", Duration.ofMinutes(90)),
                new Valid("2h45m30s", Duration.ofHours(2).plusMinutes(45).plusSeconds(30)),
                new Valid("1.5h", Duration.ofMinutes(90)),
                new Valid(".5s", Duration.ofMillis(500)),
                new Valid("1.s", Duration.ofSeconds(1)),
                new Valid("300ms", Duration.ofMillis(300)),
                new Valid("250us", Duration.ofNanos(250_000)),
                new Valid("250\u00b5s", Duration.ofNanos(250_000)),
                new Valid("250\u03bcs", Duration.ofNanos(250_000)),
                new Valid("7ns", Duration.ofNanos(7)),
                new Valid("1.0000000009s", Duration.ofNanos(1_000_000_000)), // fractions of a ns truncate
                new Valid("+5s", Duration.ofSeconds(5)),
                new Valid("-1.5h", Duration.ofMinutes(-90)),
                new Valid("0", Duration.ZERO),
                new Valid("2562047h47m16.854775807s", Duration.ofNanos(Long.MAX_VALUE)));
    }

    static Stream<Invalid> invalid() {
        return Stream.of(
                new Invalid("", "empty"),
                new Invalid("5", "missing unit"),
                new Invalid("10 m", "unknown unit"),
                new Invalid("5x", "unknown unit \"x\""),
                new Invalid("5M", "unknown unit \"M\""),
                new Invalid("1d", "unknown unit \"d\""),
                new Invalid("s", "expected a number"),
                new Invalid(".s", "expected a number"),
                new Invalid("1.2.3s", "expected a number"),
                new Invalid("1h-5m", "unknown unit \"h-\""), // as Go reports it
                new Invalid("2562047h47m16.854775808s", "too large"));
    }

    @ParameterizedTest
    @MethodSource("valid")
    void parsesGoSyntax(Valid c) {
        assertEquals(c.expected(), GoDuration.parse(c.text()));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejectsWithTheReason(Invalid c) {
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> GoDuration.parse(c.text()));
        assertTrue(e.getMessage().contains(c.why()), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("nonPositive")
    void intervalFlagsNeedMoreThanZero(String text) {
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> new GoDuration().convert(text));
        assertTrue(e.getMessage().contains("greater than zero"), e.getMessage());
    }

    static Stream<String> nonPositive() {
        return Stream.of("0", "0s", "-1s");
    }
}
