package dev.kj.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.objects.Json;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * The API server refused a request: the metav1.Status it answered with (code, reason, message,
 * details with causes). The predicates follow apimachinery's: a known reason decides, and only a
 * status without one falls back to its HTTP code.
 */
public final class ApiException extends RuntimeException {
    private static final Set<String> KNOWN_REASONS = Set.of("Unauthorized", "Forbidden", "NotFound", "AlreadyExists",
            "Conflict", "Gone", "Invalid", "ServerTimeout", "StoreReadError", "Timeout", "TooManyRequests", "BadRequest",
            "MethodNotAllowed", "NotAcceptable", "RequestEntityTooLarge", "UnsupportedMediaType", "InternalError",
            "Expired", "ServiceUnavailable");

    private final transient Status status;

    public ApiException(Status status) {
        super(status.getMessage());
        this.status = status;
    }

    public Status status() {
        return status;
    }

    public int code() {
        return status.getCode() == null ? 0 : status.getCode();
    }

    /** "" when the server gave none. */
    public String reason() {
        return status.getReason() == null ? "" : status.getReason();
    }

    /** The field-level causes (e.g. of an Invalid), empty when none. */
    public List<StatusCause> causes() {
        return status.getDetails() == null || status.getDetails().getCauses() == null
                ? List.of() : status.getDetails().getCauses();
    }

    public boolean isNotFound() {
        return is("NotFound", 404);
    }

    /** 409 Conflict: a resourceVersion precondition failed (not AlreadyExists). */
    public boolean isConflict() {
        return is("Conflict", 409);
    }

    public boolean isAlreadyExists() {
        return reason().equals("AlreadyExists");
    }

    /** 410 Expired: a resourceVersion or continue token older than the server's history. */
    public boolean isResourceExpired() {
        return reason().equals("Expired");
    }

    /** 410 Gone. */
    public boolean isGone() {
        return is("Gone", 410);
    }

    /** Either form of 410 (client-go's reflector treats both as "relist"). */
    public boolean isExpiredOrGone() {
        return isResourceExpired() || isGone();
    }

    public boolean isInvalid() {
        return is("Invalid", 422);
    }

    public boolean isForbidden() {
        return is("Forbidden", 403);
    }

    public boolean isTooManyRequests() {
        return is("TooManyRequests", 429);
    }

    public boolean isInternalError() {
        return is("InternalError", 500);
    }

    /** 504 with "Too large resource version": the server has not seen that resourceVersion yet. */
    public boolean isTooLargeResourceVersion() {
        return code() == 504 && causes().stream().anyMatch(c -> "ResourceVersionTooLarge".equals(c.getReason()))
                || code() == 504 && getMessage() != null && getMessage().contains("Too large resource version");
    }

    private boolean is(String wanted, int code) {
        return reason().equals(wanted) || !KNOWN_REASONS.contains(reason()) && code() == code;
    }

    /**
     * The error for a failed response: its Status body, or, when the body is something else, a
     * Status made from the HTTP code as apimachinery's NewGenericServerResponse makes it.
     */
    static ApiException fromResponse(String method, int code, byte[] body) {
        Status status = parseStatus(body);
        if (status != null) {
            if (status.getCode() == null || status.getCode() == 0) {
                status.setCode(code);
            }
            return new ApiException(status);
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        String reason = "";
        String message = "the server responded with the status code " + code + " but did not return more information";
        switch (code) {
            case 409 -> {
                reason = method.equals("POST") ? "AlreadyExists" : "Conflict";
                message = "the server reported a conflict";
            }
            case 404 -> {
                reason = "NotFound";
                message = "the server could not find the requested resource";
            }
            case 400 -> {
                reason = "BadRequest";
                message = "the server rejected our request for an unknown reason";
            }
            case 401 -> {
                reason = "Unauthorized";
                message = "the server has asked for the client to provide credentials";
            }
            case 403 -> {
                reason = "Forbidden";
                message = text;
            }
            case 405 -> {
                reason = "MethodNotAllowed";
                message = "the server does not allow this method on the requested resource";
            }
            case 410 -> reason = "Gone";
            case 422 -> {
                reason = "Invalid";
                message = "the server rejected our request due to an error in our request";
            }
            case 429 -> {
                reason = "TooManyRequests";
                message = "the server has received too many requests and has asked us to try again later";
            }
            case 503 -> {
                reason = "ServiceUnavailable";
                message = "the server is currently unable to handle the request";
            }
            case 504 -> {
                reason = "Timeout";
                message = "the server was unable to return a response in the time allotted, but may still be processing the request";
            }
            default -> {
                if (code >= 500) {
                    reason = "InternalError";
                    message = "an error on the server (\"" + text + "\") has prevented the request from succeeding";
                }
            }
        }
        return new ApiException(new StatusBuilder().withStatus("Failure").withCode(code)
                .withReason(reason.isEmpty() ? null : reason).withMessage(message)
                .withNewDetails().addNewCause().withReason("UnexpectedServerResponse").withMessage(text).endCause()
                .endDetails().build());
    }

    /** A metav1.Status body, or null when the body is not one. */
    static Status parseStatus(byte[] body) {
        try {
            JsonNode tree = Json.TREES.readTree(body);
            if (tree instanceof ObjectNode object && "Status".equals(object.path("kind").asText())) {
                return Json.TYPED.readValue(body, Status.class);
            }
        } catch (IOException | RuntimeException notJson) {
            // not a Status: the caller makes one from the code
        }
        return null;
    }

    static Status statusOf(ObjectNode tree) {
        return Json.TYPED.readValue(Json.write(tree), Status.class);
    }
}
