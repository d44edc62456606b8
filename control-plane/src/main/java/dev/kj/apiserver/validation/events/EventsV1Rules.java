package dev.kj.apiserver.validation.events;

import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import java.nio.charset.StandardCharsets;
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
    private static final int REPORTING_INSTANCE_LIMIT = 128;
    private static final int ACTION_LIMIT = 128;
    private static final int REASON_LIMIT = 128;
    private static final int NOTE_LIMIT = 1024;
    /** Compared on update, in upstream's order (reason twice, as upstream lists it). */
    private static final List<String> IMMUTABLE = List.of("involvedObject", "reason", "message", "source",
            "firstTimestamp", "lastTimestamp", "count", "reason", "type", "eventTime", "action", "related",
            "reportingComponent", "reportingInstance");

    /** legacyValidateEvent: every write, create or update. */
    @Override
    public List<FieldError> validate(ObjectNode event) {
        List<FieldError> errors = new ArrayList<>();
        String namespace = text(event.path("metadata"), "namespace");
        String involvedNamespace = text(event.path("involvedObject"), "namespace");
        FieldPath involvedPath = FieldPath.of("involvedObject", "namespace");
        if (!hasTime(event.get("eventTime"))) {
            boolean matches = involvedNamespace.isEmpty()
                    ? namespace.isEmpty() || namespace.equals("default")
                    : namespace.equals(involvedNamespace);
            if (!matches) {
                errors.add(FieldError.invalid(involvedPath, involvedNamespace, "does not match event.namespace"));
            }
        } else {
            if (involvedNamespace.isEmpty() && !namespace.equals("default") && !namespace.equals("kube-system")) {
                errors.add(FieldError.invalid(involvedPath, involvedNamespace, "does not match event.namespace"));
            }
            String controller = text(event, "reportingComponent");
            FieldPath controllerPath = FieldPath.root("reportingController");
            if (controller.isEmpty()) {
                errors.add(FieldError.required(controllerPath, ""));
            }
            errors.addAll(Formats.invalid(controllerPath, controller, Formats.qualifiedName(controller)));
            errors.addAll(limited(event, "reportingInstance", "reportingInstance", REPORTING_INSTANCE_LIMIT, true));
            errors.addAll(limited(event, "action", "action", ACTION_LIMIT, true));
            errors.addAll(limited(event, "reason", "reason", REASON_LIMIT, true));
            errors.addAll(limited(event, "message", "message", NOTE_LIMIT, false));
        }
        errors.addAll(Formats.invalid(FieldPath.root("namespace"), namespace, Formats.dns1123Subdomain(namespace)));
        return errors;
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

    /** The field required (when asked) and at most {@code limit} bytes, reported with an empty value as upstream. */
    private static List<FieldError> limited(JsonNode event, String field, String path, int limit, boolean required) {
        String value = text(event, field);
        List<FieldError> errors = new ArrayList<>();
        if (required && value.isEmpty()) {
            errors.add(FieldError.required(FieldPath.root(path), ""));
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > limit) {
            errors.add(FieldError.invalid(FieldPath.root(path), "", "can have at most " + limit + " characters"));
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

    /** metav1.MicroTime's zero value is null or absent in JSON. */
    private static boolean hasTime(JsonNode time) {
        return time != null && !time.isNull() && !time.asText().isEmpty();
    }
}
