package dev.kj.controllers.cronjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ScheduleTest {
    record Case(String name, String spec, String zone, String after, String next) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("every minute moves to the next minute", "* * * * *", "UTC", "2026-12-07T10:00:00Z", "2026-12-07T10:01:00Z"),
                new Case("mid-minute rounds up", "* * * * *", "UTC", "2026-12-07T10:00:30.5Z", "2026-12-07T10:01:00Z"),
                new Case("steps", "*/15 * * * *", "UTC", "2026-12-07T10:16:00Z", "2026-12-07T10:30:00Z"),
                new Case("N/step runs to the maximum", "50/5 * * * *", "UTC", "2026-12-07T10:56:00Z", "2026-12-07T11:50:00Z"),
                new Case("ranges and lists", "0 9-11,15 * * *", "UTC", "2026-12-07T11:00:00Z", "2026-12-07T15:00:00Z"),
                new Case("day names", "0 0 * * sat", "UTC", "2026-12-07T00:00:00Z", "2026-12-12T00:00:00Z"),
                new Case("month names", "0 0 1 JAN *", "UTC", "2026-12-07T00:00:00Z", "2027-01-01T00:00:00Z"),
                new Case("day of month or day of week when both restricted", "0 0 13 * 5", "UTC", "2026-12-07T00:00:00Z",
                        "2026-12-11T00:00:00Z"),
                new Case("day of month and a star day of week", "0 0 13 * *", "UTC", "2026-12-07T00:00:00Z", "2026-12-13T00:00:00Z"),
                new Case("@hourly", "@hourly", "UTC", "2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z"),
                new Case("@daily", "@daily", "UTC", "2026-12-07T10:00:00Z", "2026-12-08T00:00:00Z"),
                new Case("@weekly is Sunday midnight", "@weekly", "UTC", "2026-12-07T10:00:00Z", "2026-12-13T00:00:00Z"),
                new Case("@monthly", "@monthly", "UTC", "2026-12-07T10:00:00Z", "2027-01-01T00:00:00Z"),
                new Case("@yearly", "@yearly", "UTC", "2026-12-07T10:00:00Z", "2027-01-01T00:00:00Z"),
                new Case("@every adds whole seconds", "@every 1m30.5s", "UTC", "2026-12-07T10:00:00.7Z", "2026-12-07T10:01:30Z"),
                new Case("the time zone decides the hour", "0 9 * * *", "Asia/Tokyo", "2026-12-07T01:00:00Z", "2026-12-08T00:00:00Z"),
                new Case("TZ= in the schedule", "TZ=America/New_York 0 9 * * *", "UTC", "2026-12-07T00:00:00Z",
                        "2026-12-07T14:00:00Z"),
                new Case("February 31st never comes", "0 0 31 2 *", "UTC", "2026-12-07T00:00:00Z", "1970-01-01T00:00:00Z"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void next(Case c) {
        assertEquals(Instant.parse(c.next()), Schedule.parse(c.spec(), ZoneId.of(c.zone())).next(Instant.parse(c.after())));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void refused(String spec) {
        assertThrows(RuntimeException.class, () -> Schedule.parse(spec, ZoneOffset.UTC));
    }

    static Stream<String> invalid() {
        return Stream.of("* * * *", "60 * * * *", "* * * * 7", "@fortnightly", "@every x", "5-1 * * * *");
    }
}
