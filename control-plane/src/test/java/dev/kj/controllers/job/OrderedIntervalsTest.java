package dev.kj.controllers.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** completedIndexes text, success policies and the pod-failure back-off, each by upstream's rules. */
class OrderedIntervalsTest {
    record Case(String name, String given, int completions, List<Integer> added, String expected, int total) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> intervals() {
        return Stream.of(
                new Case("empty", "", 10, List.of(), "", 0),
                new Case("a lone index", "", 10, List.of(5), "5", 1),
                new Case("a pair is written with a comma", "", 10, List.of(1, 2), "1,2", 2),
                new Case("a run of three is a range", "", 10, List.of(1, 2, 3), "1-3", 3),
                new Case("the issue's example", "", 10, List.of(1, 2, 3, 5), "1-3,5", 4),
                new Case("adding joins runs", "1-3,5", 10, List.of(4), "1-5", 5),
                new Case("indexes past completions are dropped", "0-20", 3, List.of(), "0-2", 3),
                new Case("unreadable parts are skipped", "0,x,2-1,4", 10, List.of(), "0,4", 2),
                new Case("out of order input is ordered", "7,1-2", 10, List.of(0), "0-2,7", 4));
    }

    @ParameterizedTest
    @MethodSource("intervals")
    void completedIndexes(Case c) {
        OrderedIntervals result = OrderedIntervals.parse(c.given(), c.completions()).with(c.added());
        assertEquals(c.expected(), result.toString());
        assertEquals(c.total(), result.total());
    }

    record PolicyCase(String name, String rules, String succeeded, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<PolicyCase> policies() {
        return Stream.of(
                new PolicyCase("indexes all succeeded", "[{\"succeededIndexes\":\"0-2\"}]", "0-2,4-7", "Matched rules at index 0"),
                new PolicyCase("an index missing", "[{\"succeededIndexes\":\"3\"}]", "0-2", null),
                new PolicyCase("a count alone", "[{\"succeededCount\":2}]", "0-2", "Matched rules at index 0"),
                new PolicyCase("a count not reached", "[{\"succeededCount\":4}]", "0-2", null),
                new PolicyCase("a count within indexes", "[{\"succeededIndexes\":\"5-9\",\"succeededCount\":2}]", "0-5,9",
                        "Matched rules at index 0"),
                new PolicyCase("the first met rule wins", "[{\"succeededCount\":9},{\"succeededIndexes\":\"1\"}]", "1",
                        "Matched rules at index 1"),
                new PolicyCase("an unreadable rule is skipped", "[{\"succeededIndexes\":\"invalid-form\"}]", "0", null));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void successPolicies(PolicyCase c) {
        Job job = dev.kj.api.objects.Json.TYPED.readValue("""
                {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
                 "spec":{"completions":10,"completionMode":"Indexed","successPolicy":{"rules":%s},"template":{}}}"""
                .formatted(c.rules()), Job.class);
        assertEquals(c.expected(), SuccessPolicies.match(job, OrderedIntervals.parse(c.succeeded(), 10)));
    }

    record BackoffCase(String name, int failures, Duration sinceLastFailure, Duration expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BackoffCase> backoffs() {
        return Stream.of(
                new BackoffCase("no failure", 0, Duration.ZERO, Duration.ZERO),
                new BackoffCase("one failure just now", 1, Duration.ZERO, Duration.ofSeconds(10)),
                new BackoffCase("one failure 4 s ago", 1, Duration.ofSeconds(4), Duration.ofSeconds(6)),
                new BackoffCase("three failures double twice", 3, Duration.ZERO, Duration.ofSeconds(40)),
                new BackoffCase("many failures stop at 10 min", 12, Duration.ZERO, Duration.ofMinutes(10)),
                new BackoffCase("waited long enough", 2, Duration.ofSeconds(25), Duration.ZERO));
    }

    @ParameterizedTest
    @MethodSource("backoffs")
    void podFailureBackoff(BackoffCase c) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        PodBackoff.Record record = new PodBackoff.Record("ns/j", c.failures(), now.minus(c.sinceLastFailure()));
        assertEquals(c.expected(), record.remaining(clock));
    }
}
