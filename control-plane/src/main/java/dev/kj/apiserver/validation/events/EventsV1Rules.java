package dev.kj.apiserver.validation.events;

import static dev.kj.apiserver.validation.Nodes.text;
import static dev.kj.apiserver.validation.core.EventRules.hasTime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import dev.kj.apiserver.validation.core.EventRules;
import java.util.ArrayList;
import java.util.List;

/**
 * Events written through events.k8s.io/v1 (ValidateEventCreate and ValidateEventUpdate with that
 * request version). The objects are core/v1 Events (the storage version) and, as upstream, which
 * validates the internal type, problems carry the core field names: {@code message} for the note,
 * {@code firstTimestamp}, {@code count}, {@code source}, {@code involvedObject}; only the reporting
 * controller is called {@code reportingController}. The store keeps these rules apart from core/v1's
 * ({@code validation.core.EventRules}) because it looks rules up by the group the request used.
 */
public final class EventsV1Rules implements KindRules {
    /** Compared on update, in upstream's order (reason twice, as upstream lists it). */
    private static final List<String> IMMUTABLE = List.of("involvedObject", "reason", "message", "source",
            "firstTimestamp", "lastTimestamp", "count", "reason", "type", "eventTime", "action", "related",
            "reportingComponent", "reportingInstance");

    /** legacyValidateEvent, as for core/v1 but naming the reporting controller as events.k8s.io/v1 does. */
    @Override
    public List<FieldError> validate(ObjectNode event) {
        return EventRules.legacy(event, "reportingController");
    }

    /** The strict checks of a create through events.k8s.io/v1. */
    @Override
    public List<FieldError> validateCreate(ObjectNode event) {
        List<FieldError> errors = new ArrayList<>(series(event));
        if (!hasTime(event.get("eventTime"))) {
            errors.add(FieldError.required(FieldPath.root("eventTime"), ""));
        }
        String type = text(event, "type");
        if (!type.equals("Normal") && !type.equals("Warning")) {
            errors.add(FieldError.invalid(FieldPath.root("type"), "", "has invalid value: " + type));
        }
        for (String field : List.of("firstTimestamp", "lastTimestamp")) {
            if (hasTime(event.get(field))) {
                errors.add(FieldError.invalid(FieldPath.root(field), "", "needs to be unset"));
            }
        }
        if (event.path("count").asLong(0) != 0) {
            errors.add(FieldError.invalid(FieldPath.root("count"), "", "needs to be unset"));
        }
        if (!text(event.path("source"), "component").isEmpty() || !text(event.path("source"), "host").isEmpty()) {
            errors.add(FieldError.invalid(FieldPath.root("source"), "", "needs to be unset"));
        }
        return errors;
    }

    /** Series re-checked when changed; everything else but metadata and series is immutable. */
    @Override
    public List<FieldError> validateUpdate(ObjectNode event, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        if (!present(event.get("series")).equals(present(old.get("series")))) {
            errors.addAll(series(event));
        }
        for (String field : IMMUTABLE) {
            JsonNode now = present(event.get(field));
            if (!now.equals(present(old.get(field)))) {
                String path = field.equals("reportingComponent") ? "reportingController" : field;
                errors.add(FieldError.invalidRendered(FieldPath.root(path), rendered(now), Numbers.FIELD_IMMUTABLE));
            }
        }
        return errors;
    }

    private static List<FieldError> series(JsonNode event) {
        JsonNode series = event.get("series");
        if (series == null || !series.isObject()) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        if (series.path("count").asLong(0) < 2) {
            errors.add(FieldError.invalid(FieldPath.root("series.count"), "", "should be at least 2"));
        }
        if (!hasTime(series.get("lastObservedTime"))) {
            errors.add(FieldError.required(FieldPath.root("series.lastObservedTime"), ""));
        }
        return errors;
    }

    /**
     * A changed value as the error shows it: strings quoted and numbers plain as Go prints them;
     * objects (Go prints the internal struct with %#v) as their JSON, the nearest readable form.
     */
    private static String rendered(JsonNode value) {
        if (value.isTextual()) {
            return GoValues.quote(value.asText());
        }
        if (value.isMissingNode() || value.isNull()) {
            return "null";
        }
        return value.toString();
    }

    /** Absent, null and Go's zero values compare equal, as they do once decoded into Go structs. */
    private static JsonNode present(JsonNode value) {
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty())
                || (value.isNumber() && value.asLong() == 0) || (value.isObject() && value.isEmpty())) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        return value;
    }
}
