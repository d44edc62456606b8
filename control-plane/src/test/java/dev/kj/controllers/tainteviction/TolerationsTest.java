package dev.kj.controllers.tainteviction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Upstream's ToleratesTaint and getMinTolerationTime, case by case. */
class TolerationsTest {
    private static final Taint UNREACHABLE = new TaintBuilder().withKey("node.kubernetes.io/unreachable").withEffect("NoExecute").build();

    record Match(String name, Toleration toleration, boolean tolerates) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Match> matches() {
        return Stream.of(
                new Match("exists with the key", new TolerationBuilder().withKey(UNREACHABLE.getKey()).withOperator("Exists").build(), true),
                new Match("empty key with Exists tolerates everything", new TolerationBuilder().withOperator("Exists").build(), true),
                new Match("another effect", new TolerationBuilder().withKey(UNREACHABLE.getKey()).withOperator("Exists")
                        .withEffect("NoSchedule").build(), false),
                new Match("Equal with the empty value", new TolerationBuilder().withKey(UNREACHABLE.getKey()).build(), true),
                new Match("Equal with another value", new TolerationBuilder().withKey(UNREACHABLE.getKey()).withValue("x").build(), false),
                new Match("another key", new TolerationBuilder().withKey("node.kubernetes.io/not-ready").withOperator("Exists").build(), false));
    }

    @ParameterizedTest
    @MethodSource("matches")
    void toleratesAsUpstream(Match match) {
        assertEquals(match.tolerates(), TaintEvictionController.tolerates(match.toleration(), UNREACHABLE));
    }

    record Minimum(String name, List<Long> seconds, Duration expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Minimum> minimums() {
        return Stream.of(
                new Minimum("the smallest", List.of(300L, 30L), Duration.ofSeconds(30)),
                new Minimum("tolerations without seconds do not count when one has them", java.util.Arrays.asList(null, 60L),
                        Duration.ofSeconds(60)),
                new Minimum("forever when none has seconds", java.util.Arrays.asList((Long) null), null),
                new Minimum("negative is at once", List.of(-5L), Duration.ZERO));
    }

    @ParameterizedTest
    @MethodSource("minimums")
    void minimumTolerationAsUpstream(Minimum minimum) {
        List<Toleration> used = minimum.seconds().stream().map(s -> new TolerationBuilder().withOperator("Exists")
                .withTolerationSeconds(s).build()).toList();
        assertEquals(minimum.expected(), TaintEvictionController.minimumToleration(used));
    }
}
