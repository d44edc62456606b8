package dev.kj.kubelet.volume;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pod's metadata field as a downwardAPI volume file shows it (upstream's
 * fieldpath.ExtractFieldPathAsString): name, namespace, uid, one label or annotation by
 * subscript, or all of them as sorted {@code key="value"} lines with Go's %q quoting.
 */
public final class FieldPath {
    private FieldPath() {
    }

    public static String extract(Pod pod, String fieldPath) throws VolumeError {
        ObjectMeta meta = pod.getMetadata();
        int open = fieldPath.indexOf('[');
        if (open > 0 && fieldPath.endsWith("]")) {
            String path = fieldPath.substring(0, open);
            String subscript = fieldPath.substring(open + 1, fieldPath.length() - 1);
            if (subscript.length() >= 2 && subscript.startsWith("'") && subscript.endsWith("'")) {
                subscript = subscript.substring(1, subscript.length() - 1);
                return switch (path) {
                    case "metadata.annotations" -> orEmpty(meta.getAnnotations()).getOrDefault(subscript, "");
                    case "metadata.labels" -> orEmpty(meta.getLabels()).getOrDefault(subscript, "");
                    default -> throw new VolumeError("fieldPath \"" + fieldPath + "\" does not support subscript");
                };
            }
        }
        return switch (fieldPath) {
            case "metadata.annotations" -> formatMap(meta.getAnnotations());
            case "metadata.labels" -> formatMap(meta.getLabels());
            case "metadata.name" -> meta.getName();
            case "metadata.namespace" -> meta.getNamespace();
            case "metadata.uid" -> meta.getUid();
            default -> throw new VolumeError("unsupported fieldPath: " + fieldPath);
        };
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }

    /** {@code key="value"} per entry, keys sorted, newline-separated, no trailing newline. */
    static String formatMap(Map<String, String> map) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> entry : new TreeMap<>(orEmpty(map)).entrySet()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(entry.getKey()).append('=').append(goQuote(entry.getValue()));
        }
        return out.toString();
    }

    /** Go's strconv.Quote: printable characters as they are, the rest escaped. */
    static String goQuote(String value) {
        StringBuilder out = new StringBuilder("\"");
        value.codePoints().forEach(c -> {
            switch (c) {
                case 0x07 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0b -> out.append("\\v");
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                default -> {
                    if (printable(c)) {
                        out.appendCodePoint(c);
                    } else if (c < 0x80) {
                        out.append(String.format("\\x%02x", c));
                    } else if (c < 0x10000) {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.append(String.format("\\U%08x", c));
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    private static boolean printable(int c) {
        if (c == ' ') {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                 Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                 Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
