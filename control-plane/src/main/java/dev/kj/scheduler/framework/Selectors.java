package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** The selector semantics the plugins share: label selectors, node selector terms, tolerations. */
public final class Selectors {
    private Selectors() {
    }

    /**
     * metav1.LabelSelectorAsSelector: a null selector matches nothing, an empty one everything.
     */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> have = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> entry : selector.getMatchLabels().entrySet()) {
                if (!entry.getValue().equals(have.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
                if (!matches(requirement.getOperator(), requirement.getValues(), have.get(requirement.getKey()),
                        have.containsKey(requirement.getKey()))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean matches(String operator, List<String> values, String value, boolean present) {
        List<String> given = values == null ? List.of() : values;
        return switch (operator) {
            case "In" -> present && given.contains(value);
            case "NotIn" -> !present || !given.contains(value);
            case "Exists" -> present;
            case "DoesNotExist" -> !present;
            case "Gt", "Lt" -> present && given.size() == 1 && compare(operator, value, given.getFirst());
            default -> false;
        };
    }

    private static boolean compare(String operator, String value, String bound) {
        try {
            long have = Long.parseLong(value);
            long limit = Long.parseLong(bound);
            return operator.equals("Gt") ? have > limit : have < limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A NodeSelector: its terms ORed; a term with no requirements matches nothing. */
    public static boolean matches(NodeSelector selector, Node node) {
        if (selector == null || selector.getNodeSelectorTerms() == null) {
            return false;
        }
        return selector.getNodeSelectorTerms().stream().anyMatch(term -> matches(term, node));
    }

    /** One term: its label expressions and field expressions (metadata.name only) ANDed. */
    public static boolean matches(NodeSelectorTerm term, Node node) {
        List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
        List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
        if (expressions.isEmpty() && fields.isEmpty()) {
            return false;
        }
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        for (NodeSelectorRequirement requirement : expressions) {
            if (!matches(requirement.getOperator(), requirement.getValues(), labels.get(requirement.getKey()),
                    labels.containsKey(requirement.getKey()))) {
                return false;
            }
        }
        for (NodeSelectorRequirement requirement : fields) {
            if (!"metadata.name".equals(requirement.getKey())) {
                return false;
            }
            if (!matches(requirement.getOperator(), requirement.getValues(), node.getMetadata().getName(), true)) {
                return false;
            }
        }
        return true;
    }

    /** v1.Toleration.ToleratesTaint. */
    public static boolean tolerates(Toleration toleration, Taint taint) {
        if (toleration.getEffect() != null && !toleration.getEffect().isEmpty() && !toleration.getEffect().equals(taint.getEffect())) {
            return false;
        }
        String key = toleration.getKey() == null ? "" : toleration.getKey();
        if (!key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        String operator = toleration.getOperator() == null || toleration.getOperator().isEmpty() ? "Equal" : toleration.getOperator();
        return switch (operator) {
            case "Exists" -> true;
            case "Equal" -> nullToEmpty(toleration.getValue()).equals(nullToEmpty(taint.getValue()));
            default -> false;
        };
    }

    public static boolean tolerated(List<Toleration> tolerations, Taint taint) {
        return tolerations != null && tolerations.stream().anyMatch(t -> tolerates(t, taint));
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
