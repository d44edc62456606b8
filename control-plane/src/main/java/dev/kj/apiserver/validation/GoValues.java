package dev.kj.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Values as upstream's field errors print them (Go's %q and %#v of the internal types). */
public final class GoValues {
    private GoValues() {
    }

    /** Go's %q (strconv.Quote). */
    public static String quote(String s) {
        return dev.kj.api.GoStrings.quote(s);
    }

    /** %#v of a map[string]string: keys sorted; {@code map[string]string(nil)} when absent or null. */
    public static String stringMap(JsonNode map) {
        if (map == null || !map.isObject()) {
            return "map[string]string(nil)";
        }
        Map<String, String> sorted = new TreeMap<>();
        map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> entries = new ArrayList<>();
        sorted.forEach((k, v) -> entries.add(quote(k) + ":" + quote(v)));
        return "map[string]string{" + String.join(", ", entries) + "}";
    }

    /** %#v of a metav1.LabelSelector (what upstream prints for a selector that may not change). */
    public static String labelSelector(JsonNode selector) {
        if (selector == null || selector.isNull() || selector.isMissingNode()) {
            return "null";
        }
        List<String> expressions = new ArrayList<>();
        for (JsonNode e : selector.path("matchExpressions")) {
            List<String> values = new ArrayList<>();
            e.path("values").forEach(v -> values.add(quote(v.asText())));
            String valueList = e.path("values").isArray() ? "[]string{" + String.join(", ", values) + "}" : "[]string(nil)";
            expressions.add("v1.LabelSelectorRequirement{Key:" + quote(e.path("key").asText()) + ", Operator:"
                    + quote(e.path("operator").asText()) + ", Values:" + valueList + "}");
        }
        String expr = selector.path("matchExpressions").isArray()
                ? "[]v1.LabelSelectorRequirement{" + String.join(", ", expressions) + "}"
                : "[]v1.LabelSelectorRequirement(nil)";
        return "v1.LabelSelector{MatchLabels:" + stringMap(selector.get("matchLabels")) + ", MatchExpressions:" + expr + "}";
    }

    /** %#v of an intstr.IntOrString (the internal types hold them as values, not pointers). */
    public static String intOrString(JsonNode value) {
        if (value != null && value.isTextual()) {
            return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + quote(value.asText()) + "}";
        }
        long number = value == null || value.isNull() ? 0 : value.asLong();
        return "intstr.IntOrString{Type:0, IntVal:" + number + ", StrVal:\"\"}";
    }

    /** %#v of a non-nil []string. */
    public static String stringSlice(JsonNode values) {
        List<String> quoted = new ArrayList<>();
        values.forEach(v -> quoted.add(quote(v.asText())));
        return "[]string{" + String.join(", ", quoted) + "}";
    }
}
