package dev.kj.controllers.labels;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metav1.LabelSelector evaluated on labels (LabelSelectorAsSelector): matchLabels and
 * matchExpressions are ANDed; a null selector selects nothing, an empty one everything.
 */
public final class LabelSelectors {
    private LabelSelectors() {
    }

    /** True when the selector has neither matchLabels nor matchExpressions (selects everything). */
    public static boolean isEmpty(LabelSelector selector) {
        return selector != null && (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
    }

    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> have = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (var entry : selector.getMatchLabels().entrySet()) {
                if (!entry.getValue().equals(have.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
                String value = have.get(requirement.getKey());
                List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
                boolean ok = switch (requirement.getOperator()) {
                    case "In" -> value != null && values.contains(value);
                    case "NotIn" -> value == null || !values.contains(value);
                    case "Exists" -> value != null;
                    case "DoesNotExist" -> value == null;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A copy of {@code labels} with one more. */
    public static Map<String, String> withLabel(Map<String, String> labels, String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(labels == null ? Map.of() : labels);
        copy.put(key, value);
        return copy;
    }
}
