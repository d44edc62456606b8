package dev.kj.kubelet.volume;

import dev.kj.api.GoStrings;
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
            out.append(entry.getKey()).append('=').append(GoStrings.quote(entry.getValue()));
        }
        return out.toString();
    }
}
