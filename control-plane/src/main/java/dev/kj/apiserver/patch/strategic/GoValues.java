package dev.kj.apiserver.patch.strategic;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * JSON values as upstream's strategic merge sees them after decoding into Go's interface{}:
 * objects, lists, strings, int64 (integers are kept as integers), float64, bools and nil. Two
 * values are equal when Go's {@code ==} says so (an int64 never equals a float64), and messages
 * print them as fmt's {@code %v} does.
 */
final class GoValues {
    static final String MAP = "map[string]interface {}";
    static final String SLICE = "[]interface {}";

    private GoValues() {
    }

    /** The value's Go type, as reflect.TypeOf compares them. */
    static String typeName(JsonNode value) {
        if (value == null || value.isNull()) {
            return "%!s(<nil>)";
        }
        if (value.isObject()) {
            return MAP;
        }
        if (value.isArray()) {
            return SLICE;
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "int64";
        }
        if (value.isNumber()) {
            return "float64";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        return "string";
    }

    static boolean sameType(JsonNode a, JsonNode b) {
        return typeName(a).equals(typeName(b));
    }

    /** Go's == on interface{} values (maps and lists, which Go cannot compare, compare by content). */
    static boolean equal(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b || (a == null ? b.isNull() : a.isNull());
        }
        if (!sameType(a, b)) {
            return false;
        }
        if (a.isIntegralNumber()) {
            return a.bigIntegerValue().equals(b.bigIntegerValue());
        }
        if (a.isNumber()) {
            return a.doubleValue() == b.doubleValue();
        }
        return a.equals(b);
    }

    /** fmt's %v. */
    static String format(JsonNode value) {
        if (value == null || value.isNull()) {
            return "<nil>";
        }
        if (value.isObject()) {
            List<String> keys = new ArrayList<>();
            value.fieldNames().forEachRemaining(keys::add);
            keys.sort(null);
            return keys.stream().map(key -> key + ":" + format(value.get(key)))
                    .collect(Collectors.joining(" ", "map[", "]"));
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(format(item)));
            return String.join(" ", items).transform(s -> "[" + s + "]");
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isNumber()) {
            return formatFloat(value.doubleValue());
        }
        return value.asText();
    }

    /** fmt's %s of an interface{}: strings as they are, anything else flagged as Go does. */
    static String formatString(JsonNode value) {
        if (value == null || value.isNull()) {
            return "%!s(<nil>)";
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isObject() || value.isArray()) {
            return format(value);
        }
        return "%!s(" + typeName(value) + "=" + format(value) + ")";
    }

    /** A list of lists, as fmt.Sprint prints Go's [][]interface{}. */
    static String format(List<JsonNode> lists) {
        return lists.stream().map(list -> list == null ? "[]" : format(list))
                .collect(Collectors.joining(" ", "[", "]"));
    }

    /** %v of a float64: strconv's shortest 'g', in exponent form below 1e-4 and from 1e6. */
    private static String formatFloat(double value) {
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == 0) {
            return 1 / value < 0 ? "-0" : "0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String digits = shortest.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String sign = value < 0 ? "-" : "";
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        return shortest.toPlainString();
    }

    /** Entries of an object in order. */
    static List<Map.Entry<String, JsonNode>> entries(JsonNode object) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        object.fields().forEachRemaining(entries::add);
        return entries;
    }
}
