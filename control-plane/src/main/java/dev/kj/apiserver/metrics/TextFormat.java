package dev.kj.apiserver.metrics;

import java.math.BigDecimal;
import java.util.List;

/**
 * Prometheus' text exposition format 0.0.4 as client_golang's expfmt writes it: label pairs sorted
 * by name (histograms' {@code le} last), values in Go's shortest {@code %g} form.
 */
final class TextFormat {
    private TextFormat() {
    }

    static void header(StringBuilder out, Metric metric, String type) {
        out.append("# HELP ").append(metric.name()).append(' ');
        escape(out, metric.help(), false);
        out.append("\n# TYPE ").append(metric.name()).append(' ').append(type).append('\n');
    }

    /**
     * One sample line. {@code names} and {@code values} are sorted by name already; {@code extraName}
     * (may be null) is appended last, as {@code le} is.
     */
    static void sample(StringBuilder out, String name, List<String> names, List<String> values, String extraName,
                       String extraValue, String value) {
        out.append(name);
        if (!names.isEmpty() || extraName != null) {
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(names.get(i)).append("=\"");
                escape(out, values.get(i), true);
                out.append('"');
            }
            if (extraName != null) {
                out.append(names.isEmpty() ? "" : ",").append(extraName).append("=\"").append(extraValue).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    /** Go's strconv.FormatFloat(v, 'g', -1, 64), with expfmt's spellings of the special values. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == 0) {
            return "0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale(); // of the first digit
        String sign = value < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 6) { // Go's %g with the shortest digits switches to %e outside this
            return sign + shortest.abs().toPlainString();
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = Integer.toString(Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exp.length() < 2 ? "0" + exp : exp);
    }

    static String number(long value) {
        return number((double) value);
    }

    private static void escape(StringBuilder out, String text, boolean quotes) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quotes ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }
}
