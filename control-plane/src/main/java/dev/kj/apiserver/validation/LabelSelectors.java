package dev.kj.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** metav1.LabelSelector: upstream's ValidateLabelSelector and matching labels against it. */
public final class LabelSelectors {
    private LabelSelectors() {
    }

    public static List<FieldError> validate(JsonNode selector, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (selector == null || !selector.isObject()) {
            return errors;
        }
        errors.addAll(Metadata.labels(selector.get("matchLabels"), path.child("matchLabels")));
        int i = 0;
        for (JsonNode requirement : selector.path("matchExpressions")) {
            FieldPath at = path.child("matchExpressions").index(i++);
            String operator = requirement.path("operator").asText("");
            int values = requirement.path("values").size();
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        errors.add(FieldError.required(at.child("values"),
                                "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values > 0) {
                        errors.add(FieldError.forbidden(at.child("values"),
                                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                }
                default -> errors.add(FieldError.invalid(at.child("operator"), operator, "not a valid selector operator"));
            }
            errors.addAll(Metadata.labelName(requirement.path("key").asText(""), at.child("key")));
            int v = 0;
            for (JsonNode value : requirement.path("values")) {
                errors.addAll(Formats.invalid(at.child("values").index(v++), value.asText(),
                        Formats.labelValue(value.asText())));
            }
        }
        return errors;
    }

    /** Whether the selector has neither matchLabels nor matchExpressions (it would select everything). */
    public static boolean isEmpty(JsonNode selector) {
        return selector.path("matchLabels").size() + selector.path("matchExpressions").size() == 0;
    }

    /** Whether {@code labels} satisfy the selector (LabelSelectorAsSelector(...).Matches). */
    public static boolean matches(JsonNode selector, JsonNode labels) {
        for (var entry : selector.path("matchLabels").properties()) {
            if (!labels.has(entry.getKey()) || !labels.get(entry.getKey()).asText().equals(entry.getValue().asText())) {
                return false;
            }
        }
        for (JsonNode requirement : selector.path("matchExpressions")) {
            String key = requirement.path("key").asText();
            boolean has = labels.has(key);
            boolean in = false;
            for (JsonNode value : requirement.path("values")) {
                in |= has && labels.get(key).asText().equals(value.asText());
            }
            boolean ok = switch (requirement.path("operator").asText()) {
                case "In" -> in;
                case "NotIn" -> !in;
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
