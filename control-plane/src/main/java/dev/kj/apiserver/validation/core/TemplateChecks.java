package dev.kj.apiserver.validation.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.LabelSelectors;
import java.util.ArrayList;
import java.util.List;

/** The checks every controller of pods makes of its template (ValidatePodTemplateSpecForReplicaSet and kin). */
public final class TemplateChecks {
    private TemplateChecks() {
    }

    public static final String SELECTOR_MISMATCH = "`selector` does not match template `labels`";

    /** The template's labels as upstream prints them when they do not match (%#v of the map). */
    public static FieldError selectorMismatch(JsonNode template, FieldPath labelsPath) {
        return FieldError.invalidRendered(labelsPath, GoValues.stringMap(template.path("metadata").get("labels")),
                SELECTOR_MISMATCH);
    }

    /**
     * A template for long-running pods (a struct in apps/v1, so never missing): the selector (when not empty) matches its labels, it is a
     * valid pod template, restartPolicy is Always and activeDeadlineSeconds is not set.
     */
    public static List<FieldError> forControllerOfPods(JsonNode template, JsonNode selector, FieldPath path, String kind) {
        List<FieldError> errors = new ArrayList<>();
        if (selector != null && selector.isObject() && !LabelSelectors.isEmpty(selector)
                && !LabelSelectors.matches(selector, template.path("metadata").path("labels"))) {
            errors.add(selectorMismatch(template, path.child("metadata", "labels")));
        }
        errors.addAll(PodSpecs.validateTemplate(template, path));
        errors.addAll(restartAlwaysNoDeadline(template, path, kind));
        return errors;
    }

    public static List<FieldError> restartAlwaysNoDeadline(JsonNode template, FieldPath path, String kind) {
        List<FieldError> errors = new ArrayList<>();
        String restart = template.path("spec").path("restartPolicy").asText("");
        if (!restart.equals("Always")) {
            errors.add(FieldError.notSupported(path.child("spec", "restartPolicy"), restart, List.of("Always")));
        }
        if (template.path("spec").hasNonNull("activeDeadlineSeconds")) {
            errors.add(FieldError.forbidden(path.child("spec", "activeDeadlineSeconds"),
                    "activeDeadlineSeconds in " + kind + " is not Supported"));
        }
        return errors;
    }
}
