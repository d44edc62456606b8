package dev.kj.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.errors.StatusException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Field errors print as upstream's field.Error and become the causes of a 422. */
class FieldErrorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FieldPath NAME = FieldPath.of("spec", "template", "spec").child("containers").index(0).child("name");

    record Case(String name, FieldError error, String expected, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("required without detail", FieldError.required(NAME, ""),
                        "spec.template.spec.containers[0].name: Required value", "FieldValueRequired"),
                new Case("required with detail", FieldError.required(FieldPath.root("metadata").child("name"),
                        "name or generateName is required"), "metadata.name: Required value: name or generateName is required",
                        "FieldValueRequired"),
                new Case("invalid string, quoted as %q", FieldError.invalid(NAME, "a\"b", "bad"),
                        "spec.template.spec.containers[0].name: Invalid value: \"a\\\"b\": bad", "FieldValueInvalid"),
                new Case("invalid number, plain", FieldError.invalid(FieldPath.root("spec").child("replicas"), -1,
                        "must be greater than or equal to 0"),
                        "spec.replicas: Invalid value: -1: must be greater than or equal to 0", "FieldValueInvalid"),
                new Case("unsupported with the supported values quoted",
                        FieldError.notSupported(FieldPath.of("spec", "restartPolicy"), "Sometimes",
                                List.of("Always", "OnFailure", "Never")),
                        "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\","
                                + " \"Never\"", "FieldValueNotSupported"),
                new Case("forbidden", FieldError.forbidden(FieldPath.of("spec", "x"), "may not be set"),
                        "spec.x: Forbidden: may not be set", "FieldValueForbidden"),
                new Case("duplicate", FieldError.duplicate(NAME, "c"),
                        "spec.template.spec.containers[0].name: Duplicate value: \"c\"", "FieldValueDuplicate"),
                new Case("not found", FieldError.notFound(FieldPath.of("spec", "v"), "data"),
                        "spec.v: Not found: \"data\"", "FieldValueNotFound"),
                new Case("too long hides the value", FieldError.tooLong(FieldPath.of("metadata", "annotations"), 262144),
                        "metadata.annotations: Too long: must have at most 262144 bytes", "FieldValueTooLong"),
                new Case("map keys in brackets", FieldError.invalid(FieldPath.of("spec").child("resources")
                        .child("limits").key("foo/bar"), "foo/bar", "x"),
                        "spec.resources.limits[foo/bar]: Invalid value: \"foo/bar\": x", "FieldValueInvalid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void printsAsUpstream(Case c) {
        assertEquals(c.expected(), c.error().toString());
        assertEquals(c.reason(), c.error().type().reason());
    }

    @Test
    void causesDropRepeatsAndTheBodiesLoseTheirField() {
        FieldError error = FieldError.required(NAME, "");
        StatusException invalid = StatusException.invalid("Deployment", "apps", "d",
                FieldError.causes(List.of(error, error, FieldError.required(FieldPath.of("spec", "selector"), ""))));
        assertEquals("Deployment.apps \"d\" is invalid: [spec.template.spec.containers[0].name: Required value, "
                + "spec.selector: Required value]", invalid.getMessage());
        assertEquals(2, invalid.details().causes().size());
        assertEquals(new StatusException.Cause("FieldValueRequired", "Required value", "spec.template.spec.containers[0].name"),
                invalid.details().causes().getFirst());
    }

    @Test
    void goValues() throws Exception {
        assertEquals("\"tab\\there\\u00ad\"", GoValues.quote("tab\there\u00ad"));
        assertEquals("map[string]string{\"a\":\"1\", \"b\":\"2\"}", GoValues.stringMap(JSON.readTree("{\"b\":\"2\",\"a\":\"1\"}")));
        assertEquals("map[string]string(nil)", GoValues.stringMap(null));
        assertEquals("v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                GoValues.labelSelector(JSON.readTree("{\"matchLabels\":{\"app\":\"x\"}}")));
    }
}
