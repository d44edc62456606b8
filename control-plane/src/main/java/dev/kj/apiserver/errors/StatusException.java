package dev.kj.apiserver.errors;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A failed request as upstream reports it: a metav1.Status with code, reason, message and details.
 * The factories carry upstream's texts (k8s.io/apimachinery/pkg/api/errors).
 */
public final class StatusException extends RuntimeException {
    private final int code;
    private final String reason;
    private final Details details;

    /** metav1.StatusDetails; {@code kind} is the resource (plural) except for Invalid, where it is the Kind. */
    public record Details(String name, String group, String kind, String uid, List<Cause> causes) {
        public Details {
            causes = causes == null ? List.of() : List.copyOf(causes);
        }

        public static Details of(String name, String group, String kind) {
            return new Details(name, group, kind, null, List.of());
        }
    }

    /** metav1.StatusCause: one field's problem. */
    public record Cause(String reason, String message, String field) {
    }

    public StatusException(int code, String reason, String message, Details details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public Details details() {
        return details;
    }

    public static StatusException notFound(String qualifiedResource, String group, String resource, String name) {
        return new StatusException(404, "NotFound", qualifiedResource + " \"" + name + "\" not found",
                Details.of(name, group, resource));
    }

    public static StatusException alreadyExists(String qualifiedResource, String group, String resource, String name) {
        return new StatusException(409, "AlreadyExists", qualifiedResource + " \"" + name + "\" already exists",
                Details.of(name, group, resource));
    }

    public static StatusException conflict(String qualifiedResource, String group, String resource, String name, String why) {
        return new StatusException(409, "Conflict", "Operation cannot be fulfilled on " + qualifiedResource
                + " \"" + name + "\": " + why, Details.of(name, group, resource));
    }

    /** errors.NewApplyConflict: a 409 whose details carry only the conflicting fields. */
    public static StatusException applyConflict(String message, List<Cause> causes) {
        return new StatusException(409, "Conflict", message, new Details(null, null, null, null, causes));
    }

    /** errors.NewForbidden: {@code <resource> "<name>" is forbidden: <why>}. */
    public static StatusException forbidden(String qualifiedResource, String group, String resource, String name,
                                            String why, List<Cause> causes) {
        return new StatusException(403, "Forbidden", qualifiedResource + " \"" + name + "\" is forbidden: " + why,
                new Details(name, group, resource, null, causes));
    }

    /** The text upstream's store uses when an update or delete raced with another write. */
    public static final String MODIFIED = "the object has been modified; please apply your changes to the latest version and try again";

    /**
     * errors.NewInvalid. Each cause's message is the field error as it reads in the message
     * ({@code field: Invalid value: ...}); the causes carry it without the field, as upstream's
     * ErrorBody.
     */
    public static StatusException invalid(String kind, String group, String name, List<Cause> causes) {
        // the kind qualified by its group, as schema.GroupKind prints it ("Deployment.apps")
        StringBuilder message = new StringBuilder(kind).append(group == null || group.isEmpty() ? "" : "." + group)
                .append(" \"").append(name).append("\" is invalid: ");
        if (causes.size() == 1) {
            message.append(causes.getFirst().message());
        } else {
            message.append('[');
            for (int i = 0; i < causes.size(); i++) {
                message.append(i == 0 ? "" : ", ").append(causes.get(i).message());
            }
            message.append(']');
        }
        List<Cause> bodies = causes.stream().map(c -> c.field() != null && c.message().startsWith(c.field() + ": ")
                ? new Cause(c.reason(), c.message().substring(c.field().length() + 2), c.field()) : c).toList();
        return new StatusException(422, "Invalid", message.toString(), new Details(name, group, kind, null, bodies));
    }

    public static StatusException badRequest(String message) {
        return new StatusException(400, "BadRequest", message, null);
    }

    public static StatusException methodNotSupported(String resource, String action) {
        return new StatusException(405, "MethodNotAllowed", action + " is not supported on resources of kind \""
                + resource + "\"", Details.of(null, null, resource));
    }

    /** A path the server does not serve. */
    public static StatusException pathNotFound() {
        return new StatusException(404, "NotFound", "the server could not find the requested resource", Details.of(null, null, null));
    }

    public static StatusException unauthorized() {
        return new StatusException(401, "Unauthorized", "Unauthorized", null);
    }

    public static StatusException unsupportedMediaType(String accepted) {
        return new StatusException(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: " + accepted, null);
    }

    /** No Accept media type the endpoint can produce (e.g. a Table asked of a create). */
    public static StatusException notAcceptable(String accepted) {
        return new StatusException(406, "NotAcceptable", "only the following media types are accepted: " + accepted, null);
    }

    public static StatusException resourceExpired(String message) {
        return new StatusException(410, "Expired", message, null);
    }

    public static StatusException gone(String message) {
        return new StatusException(410, "Gone", message, null);
    }

    public static StatusException internal(String message) {
        return new StatusException(500, "InternalError", "Internal error occurred: " + message, null);
    }

    public static StatusException unavailable(String message) {
        return new StatusException(503, "ServiceUnavailable", message, null);
    }

    /** The metav1.Status body. */
    public ObjectNode toStatus() {
        return status("Failure", code, reason, getMessage(), details);
    }

    /** A metav1.Status; {@code Success} statuses (e.g. after a delete) use it too. A code of 0 is left out, as Go's omitempty does. */
    public static ObjectNode status(String outcome, int code, String reason, String message, Details details) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode status = json.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", outcome);
        if (message != null) {
            status.put("message", message);
        }
        if (reason != null) {
            status.put("reason", reason);
        }
        if (details != null) {
            ObjectNode d = status.putObject("details");
            putIfPresent(d, "name", details.name());
            putIfPresent(d, "group", details.group());
            putIfPresent(d, "kind", details.kind());
            putIfPresent(d, "uid", details.uid());
            if (!details.causes().isEmpty()) {
                var causes = d.putArray("causes");
                for (Cause cause : details.causes()) {
                    ObjectNode c = causes.addObject();
                    putIfPresent(c, "reason", cause.reason());
                    putIfPresent(c, "message", cause.message());
                    putIfPresent(c, "field", cause.field());
                }
            }
        }
        if (code != 0) {
            status.put("code", code);
        }
        return status;
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }
}
