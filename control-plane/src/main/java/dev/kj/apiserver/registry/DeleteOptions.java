package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.errors.StatusException.Cause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * metav1.DeleteOptions as the store honours them. Built from a request body ({@link #fromBody}) or,
 * when the body is empty, from the query ({@link #fromQuery}), then checked by {@link #validated}
 * with upstream's ValidateDeleteOptions texts.
 *
 * @param gracePeriodSeconds  how long the object may take to go away; only resources whose strategy
 *                            opts into graceful deletion use it (pods)
 * @param orphanDependents    the deprecated boolean form of {@code propagationPolicy}
 * @param propagationPolicy   Orphan, Background or Foreground (any other text is refused by {@link #validated})
 * @param dryRun              the dryRun values as sent; only {@code All} is valid
 */
public record DeleteOptions(OptionalLong gracePeriodSeconds, String preconditionUid, String preconditionResourceVersion,
                            Optional<Boolean> orphanDependents, Optional<String> propagationPolicy, List<String> dryRun) {
    /** What an internal caller means by "delete it": no options at all, as an HTTP DELETE without a body or query. */
    public static final DeleteOptions NONE = new DeleteOptions(OptionalLong.empty(), null, null, Optional.empty(),
            Optional.empty(), List.of());

    public static final String ORPHAN = "Orphan";
    public static final String BACKGROUND = "Background";
    public static final String FOREGROUND = "Foreground";

    /** The name upstream's scheme for meta options carries in "no kind is registered" errors. */
    private static final String META_SCHEME = "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:27";

    public DeleteOptions {
        dryRun = List.copyOf(dryRun);
    }

    public boolean isDryRun() {
        return !dryRun.isEmpty();
    }

    public DeleteOptions withGracePeriod(long seconds) {
        return new DeleteOptions(OptionalLong.of(seconds), preconditionUid, preconditionResourceVersion,
                orphanDependents, propagationPolicy, dryRun);
    }

    public DeleteOptions withDryRun(boolean dryRunAll) {
        return new DeleteOptions(gracePeriodSeconds, preconditionUid, preconditionResourceVersion, orphanDependents,
                propagationPolicy, dryRunAll ? List.of("All") : List.of());
    }

    /** Only uid and resourceVersion preconditions, as tests and internal callers use them. */
    public static DeleteOptions preconditions(String uid, String resourceVersion) {
        return new DeleteOptions(OptionalLong.empty(), uid, resourceVersion, Optional.empty(), Optional.empty(), List.of());
    }

    /**
     * Query parameters decoded as upstream's parameter codec does: the first value of each; an
     * unparsable gracePeriodSeconds is a 400; orphanDependents is false only for "0" or "false".
     */
    public static DeleteOptions fromQuery(Map<String, List<String>> query) {
        OptionalLong grace = OptionalLong.empty();
        String graceText = first(query, "gracePeriodSeconds");
        if (graceText != null) {
            try {
                grace = OptionalLong.of(Long.parseLong(graceText));
            } catch (NumberFormatException e) {
                throw StatusException.badRequest("strconv.ParseInt: parsing \"" + graceText + "\": "
                        + (graceText.matches("[+-]?\\d+") ? "value out of range" : "invalid syntax"));
            }
        }
        String orphanText = first(query, "orphanDependents");
        Optional<Boolean> orphan = orphanText == null ? Optional.empty()
                : Optional.of(!(orphanText.equals("0") || orphanText.equalsIgnoreCase("false")));
        return new DeleteOptions(grace, null, null, orphan, Optional.ofNullable(first(query, "propagationPolicy")),
                query.getOrDefault("dryRun", List.of()));
    }

    /**
     * A DeleteOptions body (JSON, or YAML and protobuf turned into the same tree). Any apiVersion is
     * accepted with kind DeleteOptions or none, as upstream decodes options across versions. A body
     * upstream cannot decode is a 500 there (the delete handler does not turn decoding errors into
     * 400s); the texts are Go's encoding/json ones.
     */
    public static DeleteOptions fromBody(JsonNode body) {
        if (!body.isObject()) {
            throw undecodable("couldn't get version/kind; json parse error: json: cannot unmarshal " + jsonType(body)
                    + " into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\";"
                    + " Kind string \"json:\\\"kind,omitempty\\\"\" }");
        }
        String kind = textOrEmpty(body, "kind", "");
        String apiVersion = textOrEmpty(body, "apiVersion", "");
        if (!kind.isEmpty() && !kind.equals("DeleteOptions")) {
            String version = apiVersion.isEmpty() ? "meta.k8s.io/v1" : apiVersion;
            throw undecodable("no kind \"" + kind + "\" is registered for version \"" + version + "\" in scheme \""
                    + META_SCHEME + "\"");
        }
        OptionalLong grace = OptionalLong.empty();
        String uid = null;
        String resourceVersion = null;
        Optional<Boolean> orphan = Optional.empty();
        Optional<String> policy = Optional.empty();
        List<String> dryRun = List.of();
        String firstError = null; // Go keeps decoding after a type mismatch and reports the first one
        for (var fields = body.fields(); fields.hasNext(); ) {
            var field = fields.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            String error = null;
            switch (field.getKey()) {
                case "gracePeriodSeconds" -> {
                    if (value.isIntegralNumber() && value.canConvertToLong()) {
                        grace = OptionalLong.of(value.asLong());
                    } else {
                        error = mismatch(value.isNumber() ? "number " + value.asText() : jsonType(value),
                                "gracePeriodSeconds", "int64");
                    }
                }
                case "orphanDependents" -> {
                    if (value.isBoolean()) {
                        orphan = Optional.of(value.asBoolean());
                    } else {
                        error = mismatch(jsonType(value), "orphanDependents", "bool");
                    }
                }
                case "propagationPolicy" -> {
                    if (value.isTextual()) {
                        policy = Optional.of(value.asText());
                    } else {
                        error = mismatch(jsonType(value), "propagationPolicy", "v1.DeletionPropagation");
                    }
                }
                case "dryRun" -> {
                    if (!value.isArray()) {
                        error = mismatch(jsonType(value), "dryRun", "[]string");
                        break;
                    }
                    List<String> values = new ArrayList<>();
                    for (JsonNode item : value) {
                        if (item.isTextual()) {
                            values.add(item.asText());
                        } else if (item.isNull()) {
                            values.add("");
                        } else if (error == null) {
                            error = mismatch(jsonType(item), "dryRun", "string");
                        }
                    }
                    dryRun = values;
                }
                case "preconditions" -> {
                    if (!value.isObject()) {
                        error = mismatch(jsonType(value), "preconditions", "v1.Preconditions");
                        break;
                    }
                    JsonNode uidNode = value.path("uid");
                    JsonNode versionNode = value.path("resourceVersion");
                    if (uidNode.isTextual()) {
                        uid = uidNode.asText();
                    } else if (!uidNode.isMissingNode() && !uidNode.isNull()) {
                        error = mismatch(jsonType(uidNode), "preconditions.uid", "types.UID");
                    }
                    if (versionNode.isTextual()) {
                        resourceVersion = versionNode.asText();
                    } else if (!versionNode.isMissingNode() && !versionNode.isNull() && error == null) {
                        error = mismatch(jsonType(versionNode), "preconditions.resourceVersion", "string");
                    }
                }
                default -> {
                    // unknown fields are dropped, as upstream's non-strict decoding does
                }
            }
            if (firstError == null) {
                firstError = error;
            }
        }
        if (firstError != null) {
            throw undecodable(firstError);
        }
        return new DeleteOptions(grace, uid, resourceVersion, orphan, policy, dryRun);
    }

    /** Upstream's ValidateDeleteOptions: 422 for DeleteOptions.meta.k8s.io "". */
    public DeleteOptions validated() {
        List<Cause> causes = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        if (orphanDependents.isPresent() && propagationPolicy.isPresent()) {
            String body = "Invalid value: \"" + propagationPolicy.get() + "\": orphanDependents and deletionPropagation"
                    + " cannot be both set";
            causes.add(new Cause("FieldValueInvalid", body, "propagationPolicy"));
            messages.add("propagationPolicy: " + body);
        }
        if (propagationPolicy.isPresent() && !List.of(FOREGROUND, BACKGROUND, ORPHAN).contains(propagationPolicy.get())) {
            String body = "Unsupported value: \"" + propagationPolicy.get() + "\": supported values: \"Foreground\","
                    + " \"Background\", \"Orphan\", \"nil\"";
            causes.add(new Cause("FieldValueNotSupported", body, "propagationPolicy"));
            messages.add("propagationPolicy: " + body);
        }
        if (dryRun.stream().anyMatch(value -> !value.equals("All"))) {
            String body = "Unsupported value: []string{" + String.join(", ", dryRun.stream().map(v -> "\"" + v + "\"").toList())
                    + "}: supported values: \"All\"";
            causes.add(new Cause("FieldValueNotSupported", body, "dryRun"));
            messages.add("dryRun: " + body);
        }
        if (causes.isEmpty()) {
            return this;
        }
        String message = "DeleteOptions.meta.k8s.io \"\" is invalid: "
                + (messages.size() == 1 ? messages.getFirst() : "[" + String.join(", ", messages) + "]");
        throw new StatusException(422, "Invalid", message,
                new StatusException.Details("", "meta.k8s.io", "DeleteOptions", null, causes));
    }

    /**
     * The finalizers a delete leaves on an object (upstream's deletionFinalizersForGarbageCollection):
     * its own, without {@code orphan} and {@code foregroundDeletion}, then each of them again when
     * {@link #orphans} or {@link #deletesDependentsFirst} say so. Returns {@code finalizers} itself
     * when the set does not change, so the caller can tell an update is needed by identity.
     */
    public List<String> garbageCollectionFinalizers(GarbageCollectionPolicy resourceDefault, List<String> finalizers) {
        List<String> updated = new ArrayList<>();
        for (String finalizer : finalizers) {
            if (!finalizer.equals(GarbageCollectionPolicy.ORPHAN_FINALIZER)
                    && !finalizer.equals(GarbageCollectionPolicy.FOREGROUND_FINALIZER)) {
                updated.add(finalizer);
            }
        }
        if (orphans(resourceDefault, finalizers)) {
            updated.add(GarbageCollectionPolicy.ORPHAN_FINALIZER);
        }
        if (deletesDependentsFirst(resourceDefault, finalizers)) {
            updated.add(GarbageCollectionPolicy.FOREGROUND_FINALIZER);
        }
        return new java.util.HashSet<>(updated).equals(new java.util.HashSet<>(finalizers)) ? finalizers : updated;
    }

    /** Whether the options ask for dependents to be orphaned, given the resource's default (upstream's shouldOrphanDependents). */
    public boolean orphans(GarbageCollectionPolicy resourceDefault, List<String> finalizers) {
        if (resourceDefault == GarbageCollectionPolicy.UNSUPPORTED) {
            return false;
        }
        if (orphanDependents.isPresent()) {
            return orphanDependents.get();
        }
        if (propagationPolicy.isPresent()) {
            return propagationPolicy.get().equals(ORPHAN);
        }
        return orphanFinalizer(finalizers).orElse(resourceDefault == GarbageCollectionPolicy.ORPHAN_DEPENDENTS);
    }

    /** Whether dependents must go first (upstream's shouldDeleteDependents: the foregroundDeletion finalizer). */
    public boolean deletesDependentsFirst(GarbageCollectionPolicy resourceDefault, List<String> finalizers) {
        if (resourceDefault == GarbageCollectionPolicy.UNSUPPORTED || orphanDependents.isPresent()) {
            return false;
        }
        if (propagationPolicy.isPresent()) {
            return propagationPolicy.get().equals(FOREGROUND);
        }
        return orphanFinalizer(finalizers).map(orphan -> !orphan).orElse(false);
    }

    /** What the first garbage-collection finalizer an object already has says: orphan (true), foreground (false). */
    private static Optional<Boolean> orphanFinalizer(List<String> finalizers) {
        for (String finalizer : finalizers) {
            if (finalizer.equals(GarbageCollectionPolicy.ORPHAN_FINALIZER)) {
                return Optional.of(true);
            }
            if (finalizer.equals(GarbageCollectionPolicy.FOREGROUND_FINALIZER)) {
                return Optional.of(false);
            }
        }
        return Optional.empty();
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static String textOrEmpty(JsonNode body, String field, String fallback) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw undecodable("couldn't get version/kind; json parse error: json: cannot unmarshal " + jsonType(value)
                    + " into Go struct field ." + field + " of type string");
        }
        return value.asText();
    }

    private static String mismatch(String value, String field, String goType) {
        return "json: cannot unmarshal " + value + " into Go struct field DeleteOptions." + field + " of type " + goType;
    }

    private static String jsonType(JsonNode node) {
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case STRING, BINARY -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "bool";
            case ARRAY -> "array";
            default -> "object";
        };
    }

    /** Upstream answers bodies its decoder rejects with a 500 whose reason is empty. */
    private static StatusException undecodable(String message) {
        return new StatusException(500, null, message, null);
    }
}
