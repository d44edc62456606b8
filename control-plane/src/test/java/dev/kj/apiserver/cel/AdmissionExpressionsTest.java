package dev.kj.apiserver.cel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kj.apiserver.cel.AdmissionExpressions.Declarations;
import dev.kj.apiserver.cel.AdmissionExpressions.Kind;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AdmissionExpressionsTest {
    record Case(String name, String expression, Kind kind, Declarations declarations, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        Declarations plain = Declarations.of(false, true);
        return Stream.of(
                new Case("valid", "object.spec.replicas <= 5", Kind.CONDITION, plain, ""),
                new Case("undeclared", "x == 1", Kind.CONDITION, plain,
                        "compilation failed: ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x == 1\n | ^"),
                new Case("syntax", "object.spec.replicas <=", Kind.CONDITION, plain,
                        "compilation failed: ERROR: <input>:1:24: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(',"
                                + " '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n"
                                + " | object.spec.replicas <=\n | .......................^"),
                new Case("not bool", "object.spec.replicas", Kind.CONDITION, plain, "must evaluate to bool"),
                new Case("message string", "'a' + 1", Kind.MESSAGE, plain, "compilation failed: ERROR: <input>:1:5: found no matching"
                        + " overload for '_+_' applied to '(string, int)'\n | 'a' + 1\n | ....^"),
                new Case("params undeclared", "params.x", Kind.CONDITION, plain, "compilation failed: ERROR: <input>:1:1:"
                        + " undeclared reference to 'params' (in container '')\n | params.x\n | ^"),
                new Case("request field", "request.foo == 'x'", Kind.CONDITION, plain, "compilation failed: ERROR:"
                        + " <input>:1:8: undefined field 'foo'\n | request.foo == 'x'\n | .......^"),
                new Case("libraries", "isURL(object.x) && object.x.find('a') == 'a' && [1,2].isSorted()"
                        + " && quantity('1').isGreaterThan(quantity('0')) && authorizer.group('').resource('pods').check('get').allowed()",
                        Kind.CONDITION, plain, ""),
                new Case("params declared", "params.x == 1", Kind.CONDITION, Declarations.of(true, false), ""),
                new Case("variables typed", "variables.n + 1 == 2", Kind.CONDITION,
                        new Declarations(false, false, java.util.Map.of("n", dev.cel.common.types.SimpleType.INT)), ""),
                new Case("audit", "'a'", Kind.AUDIT_ANNOTATION, plain, ""),
                new Case("audit int", "1", Kind.AUDIT_ANNOTATION, plain, "must evaluate to one of [string null_type]"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void compiles(Case c) {
        var result = AdmissionExpressions.compile(c.expression(), c.kind(), c.declarations());
        assertEquals(c.expected(), result.problem().map(p -> p.detail()).orElse(""));
    }
}
