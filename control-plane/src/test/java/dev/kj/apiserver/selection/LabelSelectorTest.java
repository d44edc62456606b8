package dev.kj.apiserver.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kj.apiserver.errors.StatusException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {
    record Case(String name, String selector, Map<String, String> labels, boolean matches) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        Map<String, String> prod = Map.of("env", "prod", "tier", "web");
        return Stream.of(
                new Case("empty selects everything", "", prod, true),
                new Case("equality", "env=prod", prod, true),
                new Case("double equals", "env==prod", prod, true),
                new Case("equality mismatch", "env=dev", prod, false),
                new Case("inequality", "env!=dev", prod, true),
                new Case("inequality holds for a missing key", "zone!=a", prod, true),
                new Case("all terms must hold", "env=prod,tier=db", prod, false),
                new Case("in", "env in (dev, prod)", prod, true),
                new Case("in misses", "env in (dev,qa)", prod, false),
                new Case("notin", "env notin (dev)", prod, true),
                new Case("notin holds for a missing key", "zone notin (a)", prod, true),
                new Case("exists", "tier", prod, true),
                new Case("does not exist", "!tier", prod, false),
                new Case("prefixed key", "app.kubernetes.io/name=x", Map.of("app.kubernetes.io/name", "x"), true),
                new Case("mixed", "tier in (web),!zone,env", prod, true));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matches(Case c) {
        assertEquals(c.matches(), LabelSelector.parse(c.selector()).matches(c.labels()));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedSelectorsAreBadRequests(String selector) {
        StatusException e = assertThrows(StatusException.class, () -> LabelSelector.parse(selector));
        assertEquals(400, e.code());
    }

    static Stream<String> malformed() {
        return Stream.of("a in (b", "=x", "a=b c", "a,,b");
    }
}
