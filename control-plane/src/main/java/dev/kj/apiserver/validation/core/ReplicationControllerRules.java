package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import java.util.ArrayList;
import java.util.List;

/** ReplicationControllers: SetDefaults_ReplicationController and ValidateReplicationControllerSpec. */
public final class ReplicationControllerRules implements KindRules {
    @Override
    public void setDefaults(ObjectNode rc) {
        ObjectNode spec = object(rc, "spec");
        if (spec.get("template") instanceof ObjectNode template) {
            JsonNode labels = template.path("metadata").get("labels");
            if (labels != null && labels.isObject()) {
                if (spec.path("selector").isEmpty()) {
                    spec.set("selector", labels.deepCopy());
                }
                if (rc.path("metadata").path("labels").isEmpty()) {
                    object(rc, "metadata").set("labels", labels.deepCopy());
                }
            }
            PodSpecs.setDefaults(object(template, "spec"));
        }
        if (!spec.hasNonNull("replicas")) {
            spec.put("replicas", 1);
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode rc) {
        FieldPath path = FieldPath.root("spec");
        JsonNode spec = rc.path("spec");
        List<FieldError> errors = new ArrayList<>(Numbers.nonNegative(spec, "minReadySeconds", path.child("minReadySeconds")));
        JsonNode selector = spec.path("selector");
        if (selector.isEmpty()) {
            errors.add(FieldError.required(path.child("selector"), ""));
        }
        errors.addAll(Numbers.nonNegative(spec, "replicas", path.child("replicas")));
        JsonNode template = spec.get("template");
        FieldPath templatePath = path.child("template");
        if (template == null || template.isNull()) {
            errors.add(FieldError.required(templatePath, ""));
            return errors;
        }
        JsonNode labels = template.path("metadata").path("labels");
        boolean matches = true;
        for (var entry : selector.properties()) {
            matches &= labels.has(entry.getKey()) && labels.get(entry.getKey()).asText().equals(entry.getValue().asText());
        }
        if (!selector.isEmpty() && !matches) {
            errors.add(TemplateChecks.selectorMismatch(template, templatePath.child("metadata", "labels")));
        }
        errors.addAll(PodSpecs.validateTemplate(template, templatePath));
        errors.addAll(TemplateChecks.restartAlwaysNoDeadline(template, templatePath, "ReplicationController"));
        return errors;
    }
}
