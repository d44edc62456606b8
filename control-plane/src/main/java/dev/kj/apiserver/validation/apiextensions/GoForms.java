package dev.kj.apiserver.validation.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.validation.GoValues;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * How upstream's (1.33) field errors print apiextensions values: Go's %#v of the internal types,
 * and %v / %q of decoded JSON values. A non-nil pointer inside a struct prints as Go prints a heap
 * address; kj prints the fixed {@link #ADDRESS} there, since no two upstream runs agree on it either.
 */
final class GoForms {
    static final String ADDRESS = "0xc000000000";

    private GoForms() {
    }

    /** %#v of the internal spec.versions (after the per-version fields moved to the top, see {@link InternalSpec}). */
    static String versions(InternalSpec spec) {
        JsonNode raw = spec.spec().get("versions");
        if (raw == null || !raw.isArray() || raw.isEmpty()) {
            return "[]apiextensions.CustomResourceDefinitionVersion(nil)";
        }
        List<String> items = new ArrayList<>();
        for (JsonNode v : spec.versions()) {
            items.add("apiextensions.CustomResourceDefinitionVersion{Name:" + GoValues.quote(v.path("name").asText(""))
                    + ", Served:" + v.path("served").asBoolean(false)
                    + ", Storage:" + v.path("storage").asBoolean(false)
                    + ", Deprecated:" + v.path("deprecated").asBoolean(false)
                    + ", DeprecationWarning:" + pointer("string", v.hasNonNull("deprecationWarning"))
                    + ", Schema:" + pointer("apiextensions.CustomResourceValidation", spec.versionSchema(v) != null)
                    + ", Subresources:" + pointer("apiextensions.CustomResourceSubresources", spec.versionSubresources(v) != null)
                    + ", AdditionalPrinterColumns:" + columns(spec.versionColumns(v))
                    + ", SelectableFields:" + selectableFields(spec.versionSelectableFields(v)) + "}");
        }
        return "[]apiextensions.CustomResourceDefinitionVersion{" + String.join(", ", items) + "}";
    }

    /** %#v of an internal apiextensions.ValidationRule. */
    static String validationRule(JsonNode rule) {
        return "apiextensions.ValidationRule{Rule:" + GoValues.quote(rule.path("rule").asText(""))
                + ", Message:" + GoValues.quote(rule.path("message").asText(""))
                + ", MessageExpression:" + GoValues.quote(rule.path("messageExpression").asText(""))
                + ", Reason:" + pointer("apiextensions.FieldValueErrorReason", rule.hasNonNull("reason"))
                + ", FieldPath:" + GoValues.quote(rule.path("fieldPath").asText(""))
                + ", OptionalOldSelf:" + pointer("bool", rule.hasNonNull("optionalOldSelf")) + "}";
    }

    private static String pointer(String type, boolean set) {
        return "(*" + type + ")(" + (set ? ADDRESS : "nil") + ")";
    }

    private static String columns(JsonNode columns) {
        if (columns == null) {
            return "[]apiextensions.CustomResourceColumnDefinition(nil)";
        }
        List<String> items = new ArrayList<>();
        for (JsonNode c : columns) {
            items.add("apiextensions.CustomResourceColumnDefinition{Name:" + GoValues.quote(c.path("name").asText(""))
                    + ", Type:" + GoValues.quote(c.path("type").asText("")) + ", Format:"
                    + GoValues.quote(c.path("format").asText("")) + ", Description:"
                    + GoValues.quote(c.path("description").asText("")) + ", Priority:" + c.path("priority").asLong(0)
                    + ", JSONPath:" + GoValues.quote(c.path("jsonPath").asText("")) + "}");
        }
        return "[]apiextensions.CustomResourceColumnDefinition{" + String.join(", ", items) + "}";
    }

    private static String selectableFields(JsonNode fields) {
        if (fields == null) {
            return "[]apiextensions.SelectableField(nil)";
        }
        List<String> items = new ArrayList<>();
        for (JsonNode f : fields) {
            items.add("apiextensions.SelectableField{JSONPath:" + GoValues.quote(f.path("jsonPath").asText("")) + "}");
        }
        return "[]apiextensions.SelectableField{" + String.join(", ", items) + "}";
    }

    /** %#v of a []string that may be nil. */
    static String strings(JsonNode values) {
        if (values == null || !values.isArray()) {
            return "[]string(nil)";
        }
        return GoValues.stringSlice(values);
    }

    /**
     * A decoded JSON value as field.Invalid prints an interface{} holding it: strings quoted, numbers
     * and booleans plain (integral numbers are int64 after k8s.io/apimachinery's JSON decoding),
     * null as "null", objects and arrays as %#v of map[string]interface {} and []interface {}.
     */
    static String value(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "\"null\"";
        }
        if (value.isTextual()) {
            return GoValues.quote(value.asText());
        }
        if (value.isBoolean()) {
            return Boolean.toString(value.asBoolean());
        }
        if (value.isNumber()) {
            return number(value);
        }
        return nested(value);
    }

    private static String nested(JsonNode value) {
        if (value == null || value.isNull()) {
            return "interface {}(nil)";
        }
        if (value.isTextual()) {
            return GoValues.quote(value.asText());
        }
        if (value.isBoolean()) {
            return Boolean.toString(value.asBoolean());
        }
        if (value.isNumber()) {
            return number(value);
        }
        List<String> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(item -> items.add(nested(item)));
            return "[]interface {}{" + String.join(", ", items) + "}";
        }
        // Go's fmt prints map keys sorted
        List<String> keys = new ArrayList<>();
        value.fieldNames().forEachRemaining(keys::add);
        keys.sort(null);
        for (String key : keys) {
            items.add(GoValues.quote(key) + ":" + nested(value.get(key)));
        }
        return "map[string]interface {}{" + String.join(", ", items) + "}";
    }

    /** An integral JSON number as int64, any other as Go's %v of a float64. */
    static String number(JsonNode value) {
        if (integral(value)) {
            return value.bigIntegerValue().toString();
        }
        return float64(value.asDouble());
    }

    static boolean integral(JsonNode value) {
        if (value.isIntegralNumber()) {
            return true;
        }
        double d = value.asDouble();
        return d == Math.rint(d) && Math.abs(d) < 9.2e18;
    }

    /** Go's %v of a float64 ('g' with the shortest digits: an exponent when it is below -4 or from 6 on). */
    static String float64(double d) {
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String digits = shortest.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String sign = exponent < 0 ? "-" : "+";
            int abs = Math.abs(exponent);
            return (d < 0 ? "-" : "") + mantissa + "e" + sign + (abs < 10 ? "0" : "") + abs;
        }
        return shortest.toPlainString();
    }
}
