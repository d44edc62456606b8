package dev.kj.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Upstream's ObjectMeta rules shared by every kind and by pod templates: labels and annotations. */
public final class Metadata {
    private Metadata() {
    }

    /** Upstream's TotalAnnotationSizeLimitB. */
    public static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

    /** ValidateLabels: qualified keys, label values; errors carry the map's path, not the key's. */
    public static List<FieldError> labels(JsonNode labels, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (labels == null || !labels.isObject()) {
            return errors;
        }
        for (Map.Entry<String, JsonNode> label : labels.properties()) {
            errors.addAll(labelName(label.getKey(), path));
            String value = label.getValue().asText("");
            errors.addAll(Formats.invalid(path, value, Formats.labelValue(value)));
        }
        return errors;
    }

    public static List<FieldError> labelName(String name, FieldPath path) {
        return Formats.invalid(path, name, Formats.qualifiedName(name));
    }

    /** ValidateAnnotations: qualified keys (case-insensitive) and 256 KiB in all. */
    public static List<FieldError> annotations(JsonNode annotations, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (annotations == null || !annotations.isObject()) {
            return errors;
        }
        long size = 0;
        for (Map.Entry<String, JsonNode> annotation : annotations.properties()) {
            String key = annotation.getKey();
            errors.addAll(Formats.invalid(path, key, Formats.qualifiedName(key.toLowerCase(Locale.ROOT))));
            size += key.getBytes(StandardCharsets.UTF_8).length
                    + annotation.getValue().asText("").getBytes(StandardCharsets.UTF_8).length;
        }
        if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
            errors.add(FieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
        }
        return errors;
    }

    /** Labels and annotations of an object's or a template's metadata at {@code path}. */
    public static List<FieldError> labelsAndAnnotations(JsonNode metadata, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(labels(metadata.get("labels"), path.child("labels")));
        errors.addAll(annotations(metadata.get("annotations"), path.child("annotations")));
        return errors;
    }
}
