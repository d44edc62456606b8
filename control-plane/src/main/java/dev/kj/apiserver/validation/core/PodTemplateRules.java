package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.object;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.KindRules;
import java.util.List;

/** PodTemplate objects: the template's spec defaults and ValidatePodTemplate. */
public final class PodTemplateRules implements KindRules {
    @Override
    public void setDefaults(ObjectNode podTemplate) {
        PodSpecs.setDefaults(object(object(podTemplate, "template"), "spec"));
    }

    @Override
    public List<FieldError> validate(ObjectNode podTemplate) {
        return PodSpecs.validateTemplate(podTemplate.path("template"), FieldPath.root("template"));
    }
}
