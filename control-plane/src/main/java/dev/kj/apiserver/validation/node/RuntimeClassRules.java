package dev.kj.apiserver.validation.node;

import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Metadata;
import dev.kj.apiserver.validation.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * RuntimeClasses (node.k8s.io/v1): ValidateRuntimeClass's handler (a DNS label) and scheduling node
 * selector labels; the handler is fixed after creation. Overhead and scheduling tolerations are not
 * checked yet.
 */
public final class RuntimeClassRules implements KindRules {
    @Override
    public List<FieldError> validate(ObjectNode runtimeClass) {
        String handler = text(runtimeClass, "handler");
        List<FieldError> errors = new ArrayList<>(Formats.invalid(FieldPath.root("handler"), handler,
                Formats.dns1123Label(handler)));
        JsonNode selector = runtimeClass.path("scheduling").get("nodeSelector");
        if (selector != null && selector.isObject()) {
            errors.addAll(Metadata.labels(selector, FieldPath.of("scheduling", "nodeSelector")));
        }
        return errors;
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode runtimeClass, ObjectNode old) {
        return Numbers.immutable(runtimeClass.get("handler"), old.get("handler"), FieldPath.root("handler"));
    }
}
