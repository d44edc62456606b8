package dev.kj.controllers.clusterroleaggregation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** metav1.LabelSelector matching (matchLabels and matchExpressions) on an object's labels. */
final class Selectors {
    private Selectors() {
    }

    static boolean matches(JsonNode selector, JsonNode labels) {
        var fields = selector.path("matchLabels").properties();
        for (var entry : fields) {
            if (!labels.path(entry.getKey()).isTextual() || !labels.path(entry.getKey()).asText().equals(entry.getValue().asText())) {
                return false;
            }
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText();
            List<String> values = new ArrayList<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            boolean has = labels.has(key);
            String value = labels.path(key).asText();
            boolean ok = switch (expression.path("operator").asText()) {
                case "In" -> has && values.contains(value);
                case "NotIn" -> !has || !values.contains(value);
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
