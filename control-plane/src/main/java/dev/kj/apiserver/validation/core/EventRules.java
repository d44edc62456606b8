package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * core/v1 Events: ValidateEventCreate and ValidateEventUpdate for a core/v1 request, which run only
 * the legacy checks (events.k8s.io's stricter ones are a resource of their own). Events without an
 * eventTime must name their involved object's namespace; events with one also need the reporting
 * fields, called {@code reportingComponent} in core/v1.
 */
public final class EventRules implements KindRules {
    private static final int REPORTING_INSTANCE_LIMIT = 128;
    private static final int ACTION_LIMIT = 128;
    private static final int REASON_LIMIT = 128;
    private static final int NOTE_LIMIT = 1024;

    @Override
    public List<FieldError> validate(ObjectNode event) {
        return legacy(event, "reportingComponent");
    }

    /**
     * legacyValidateEvent, which every Event write runs whatever its group; {@code controllerPath}
     * names the reporting controller in the errors ({@code reportingController} through events.k8s.io/v1).
     */
    public static List<FieldError> legacy(ObjectNode event, String controllerPath) {
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
            FieldPath controllerField = FieldPath.root(controllerPath);
            if (controller.isEmpty()) {
                errors.add(FieldError.required(controllerField, ""));
            }
            errors.addAll(Formats.invalid(controllerField, controller, Formats.qualifiedName(controller)));
            errors.addAll(limited(event, "reportingInstance", REPORTING_INSTANCE_LIMIT, true));
            errors.addAll(limited(event, "action", ACTION_LIMIT, true));
            errors.addAll(limited(event, "reason", REASON_LIMIT, true));
            errors.addAll(limited(event, "message", NOTE_LIMIT, false));
        }
        errors.addAll(Formats.invalid(FieldPath.root("namespace"), namespace, Formats.dns1123Subdomain(namespace)));
        return errors;
    }

    /** The field required (when asked) and at most {@code limit} bytes, reported with an empty value as upstream. */
    private static List<FieldError> limited(JsonNode event, String field, int limit, boolean required) {
        String value = text(event, field);
        List<FieldError> errors = new ArrayList<>();
        if (required && value.isEmpty()) {
            errors.add(FieldError.required(FieldPath.root(field), ""));
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > limit) {
            errors.add(FieldError.invalid(FieldPath.root(field), "", "can have at most " + limit + " characters"));
        }
        return errors;
    }

    /** metav1.MicroTime's zero value is null or absent in JSON. */
    public static boolean hasTime(JsonNode time) {
        return time != null && !time.isNull() && !time.asText().isEmpty();
    }
}
