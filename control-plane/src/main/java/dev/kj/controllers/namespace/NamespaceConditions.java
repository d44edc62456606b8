package dev.kj.controllers.namespace;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status conditions the namespace controller keeps on a terminating namespace
 * (pkg/controller/namespace/deletion/status_condition_utils.go): one of each type, True with the
 * failure's text while it lasts, False with upstream's "ok" reason and message otherwise. A
 * condition's lastTransitionTime changes only when its status does.
 */
final class NamespaceConditions {
    static final String DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure";
    static final String GROUP_VERSION_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure";
    static final String CONTENT_FAILURE = "NamespaceDeletionContentFailure";
    static final String CONTENT_REMAINING = "NamespaceContentRemaining";
    static final String FINALIZERS_REMAINING = "NamespaceFinalizersRemaining";

    /** The types kept, in the order upstream appends them. */
    private static final List<String> TYPES = List.of(DISCOVERY_FAILURE, GROUP_VERSION_PARSING_FAILURE, CONTENT_FAILURE,
            CONTENT_REMAINING, FINALIZERS_REMAINING);
    private static final Map<String, String> OK_MESSAGES = Map.of(
            DISCOVERY_FAILURE, "All resources successfully discovered",
            GROUP_VERSION_PARSING_FAILURE, "All legacy kube types successfully parsed",
            CONTENT_FAILURE, "All content successfully deleted, may be waiting on finalization",
            CONTENT_REMAINING, "All content successfully removed",
            FINALIZERS_REMAINING, "All content-preserving finalizers finished");
    private static final Map<String, String> OK_REASONS = Map.of(
            DISCOVERY_FAILURE, "ResourcesDiscovered",
            GROUP_VERSION_PARSING_FAILURE, "ParsedGroupVersions",
            CONTENT_FAILURE, "ContentDeleted",
            CONTENT_REMAINING, "ContentRemoved",
            FINALIZERS_REMAINING, "ContentHasNoFinalizers");

    private final Clock clock;
    private final List<NamespaceCondition> failing = new ArrayList<>();
    private final List<String> deleteContentErrors = new ArrayList<>();

    NamespaceConditions(Clock clock) {
        this.clock = clock;
    }

    /** @param message upstream's: "Discovery failed for some groups, N failing: ..." or the discovery error's text */
    void discoveryFailed(String message) {
        failing.add(condition(DISCOVERY_FAILURE, "True", "DiscoveryFailed", message));
    }

    void groupVersionParsingFailed(String message) {
        failing.add(condition(GROUP_VERSION_PARSING_FAILURE, "True", "GroupVersionParsingFailed", message));
    }

    void deleteContentFailed(String message) {
        deleteContentErrors.add(message);
    }

    /**
     * @param remainingByResource "resource.group" → instances left
     * @param remainingByFinalizer finalizer → instances it still holds
     */
    void contentTotals(Map<String, Integer> remainingByResource, Map<String, Integer> remainingByFinalizer) {
        if (!remainingByResource.isEmpty()) {
            failing.add(condition(CONTENT_REMAINING, "True", "SomeResourcesRemain", "Some resources are remaining: "
                    + listed(remainingByResource, (resource, count) -> resource + " has " + count + " resource instances")));
        }
        if (!remainingByFinalizer.isEmpty()) {
            failing.add(condition(FINALIZERS_REMAINING, "True", "SomeFinalizersRemain",
                    "Some content in the namespace has finalizers remaining: " + listed(remainingByFinalizer,
                            (finalizer, count) -> finalizer + " in " + count + " resource instances")));
        }
    }

    /** The non-zero counts, each as {@code format} says, sorted for stable updates. */
    private static String listed(Map<String, Integer> counts, java.util.function.BiFunction<String, Integer, String> format) {
        List<String> entries = new ArrayList<>();
        counts.forEach((key, count) -> {
            if (count != 0) {
                entries.add(format.apply(key, count));
            }
        });
        entries.sort(null);
        return String.join(", ", entries);
    }

    /** Writes the conditions into {@code namespace}'s status; true when anything changed. */
    boolean update(Namespace namespace) {
        if (find(failing, CONTENT_FAILURE) == null && !deleteContentErrors.isEmpty()) {
            List<String> messages = new ArrayList<>(deleteContentErrors);
            messages.sort(null);
            failing.add(condition(CONTENT_FAILURE, "True", "ContentDeletionFailed", "Failed to delete all resource"
                    + " types, " + messages.size() + " remaining: " + String.join(", ", messages)));
        }
        if (namespace.getStatus() == null) {
            namespace.setStatus(new NamespaceStatus());
        }
        List<NamespaceCondition> conditions = namespace.getStatus().getConditions() == null ? new ArrayList<>()
                : new ArrayList<>(namespace.getStatus().getConditions());
        boolean changed = false;
        for (String type : TYPES) {
            NamespaceCondition wanted = find(failing, type);
            if (wanted == null) {
                wanted = condition(type, "False", OK_REASONS.get(type), OK_MESSAGES.get(type));
            }
            NamespaceCondition present = find(conditions, type);
            if (present == null) {
                conditions.add(wanted);
                changed = true;
            } else if (!Objects.equals(present.getStatus(), wanted.getStatus())
                    || !Objects.equals(present.getMessage(), wanted.getMessage())
                    || !Objects.equals(present.getReason(), wanted.getReason())) {
                if (!Objects.equals(present.getStatus(), wanted.getStatus())) {
                    present.setLastTransitionTime(now());
                }
                present.setStatus(wanted.getStatus());
                present.setReason(wanted.getReason());
                present.setMessage(wanted.getMessage());
                changed = true;
            }
        }
        namespace.getStatus().setConditions(conditions);
        return changed;
    }

    private NamespaceCondition condition(String type, String status, String reason, String message) {
        NamespaceCondition condition = new NamespaceCondition();
        condition.setType(type);
        condition.setStatus(status);
        condition.setLastTransitionTime(now());
        condition.setReason(reason);
        condition.setMessage(message);
        return condition;
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static NamespaceCondition find(List<NamespaceCondition> conditions, String type) {
        for (NamespaceCondition condition : conditions) {
            if (type.equals(condition.getType())) {
                return condition;
            }
        }
        return null;
    }
}
