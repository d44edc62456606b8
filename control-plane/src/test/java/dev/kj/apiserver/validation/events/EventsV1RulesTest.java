package dev.kj.apiserver.validation.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.events.EventConversion;
import dev.kj.apiserver.validation.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** events.k8s.io/v1 Events, written as clients send them and checked in storage form, with upstream's paths and texts. */
class EventsV1RulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventsV1Rules RULES = new EventsV1Rules();
    private static final String VALID = """
            {"metadata":{"name":"e","namespace":"default"},"eventTime":"2026-01-01T00:00:00.000000Z",
             "reportingController":"kj.dev/scheduler","reportingInstance":"s-1","action":"Binding","reason":"Scheduled",
             "type":"Normal","regarding":{"kind":"Pod","namespace":"default","name":"p"},"note":"ok"}""";

    static ObjectNode stored(String json) {
        try {
            return EventConversion.STORAGE.converter().toStorage((ObjectNode) JSON.readTree(json));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectNode with(String json) {
        try {
            ObjectNode event = (ObjectNode) JSON.readTree(VALID);
            event.setAll((ObjectNode) JSON.readTree(json));
            return event;
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    record Case(String name, ObjectNode event, ObjectNode old, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a valid event", with("{}"), null, List.of()),
                new Case("nothing but a name", (ObjectNode) with("{}").retain("metadata"), null,
                        List.of("eventTime: Required value", "type: Invalid value: \"\": has invalid value: ")),
                new Case("reporting fields", with("""
                        {"reportingController":"","reportingInstance":"%s","action":"","reason":"%s","note":"%s",
                         "type":"Info"}""".formatted("i".repeat(129), "r".repeat(129), "n".repeat(1025))), null,
                        List.of("reportingController: Required value",
                                "reportingController: Invalid value: \"\": name part must be non-empty",
                                "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters,"
                                        + " '-', '_' or '.', and must start and end with an alphanumeric character (e.g."
                                        + " 'MyName',  or 'my.name',  or '123-abc', regex used for validation is"
                                        + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                                "reportingInstance: Invalid value: \"\": can have at most 128 characters",
                                "action: Required value",
                                "reason: Invalid value: \"\": can have at most 128 characters",
                                "message: Invalid value: \"\": can have at most 1024 characters",
                                "type: Invalid value: \"\": has invalid value: Info")),
                new Case("regarding another namespace's object from elsewhere", with("""
                        {"metadata":{"name":"e","namespace":"team"},"regarding":{"kind":"Node","name":"n"}}"""), null,
                        List.of("involvedObject.namespace: Invalid value: \"\": does not match event.namespace")),
                new Case("deprecated fields and a short series", with("""
                        {"deprecatedSource":{"component":"kubelet"},"deprecatedFirstTimestamp":"2026-01-01T00:00:00Z",
                         "deprecatedLastTimestamp":"2026-01-01T00:00:00Z","deprecatedCount":3,"series":{"count":1}}"""), null,
                        List.of("series.count: Invalid value: \"\": should be at least 2",
                                "series.lastObservedTime: Required value",
                                "firstTimestamp: Invalid value: \"\": needs to be unset",
                                "lastTimestamp: Invalid value: \"\": needs to be unset",
                                "count: Invalid value: \"\": needs to be unset",
                                "source: Invalid value: \"\": needs to be unset")),
                new Case("an update may only change the series", with("""
                        {"note":"changed","reportingController":"kj.dev/other","deprecatedCount":2,
                         "series":{"count":2,"lastObservedTime":"2026-01-01T00:01:00.000000Z"}}"""), with("{}"),
                        List.of("message: Invalid value: \"changed\": field is immutable",
                                "count: Invalid value: 2: field is immutable",
                                "reportingController: Invalid value: \"kj.dev/other\": field is immutable")),
                new Case("an update's new series is checked", with("{\"series\":{\"count\":0}}"), with("{}"),
                        List.of("series.count: Invalid value: \"\": should be at least 2",
                                "series.lastObservedTime: Required value")),
                new Case("regarding is immutable", with("{\"regarding\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"q\"}}"),
                        with("{}"), List.of("involvedObject: Invalid value: {\"kind\":\"Pod\",\"namespace\":\"default\","
                                + "\"name\":\"q\"}: field is immutable")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void problems(Case c) {
        ObjectNode event = stored(c.event().toString());
        List<FieldError> errors = new ArrayList<>(RULES.validate(event));
        if (c.old() == null) {
            errors.addAll(RULES.validateCreate(event));
        } else {
            errors.addAll(RULES.validateUpdate(event, stored(c.old().toString())));
        }
        assertEquals(c.expected(), errors.stream().map(FieldError::toString).toList());
    }
}
