package dev.kj.apiserver.validation.storage;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * StorageClasses (storage.k8s.io/v1): reclaimPolicy Delete and volumeBindingMode Immediate by
 * default; ValidateStorageClass's provisioner, parameters, reclaim policy and binding mode; provisioner,
 * parameters, reclaim policy and binding mode fixed after creation. allowedTopologies are not checked yet.
 */
public final class StorageClassRules implements KindRules {
    private static final int MAX_PARAMETERS = 512;
    private static final int MAX_PARAMETERS_SIZE = 256 * 1024;
    private static final List<String> RECLAIM_POLICIES = List.of("Delete", "Retain");
    private static final List<String> BINDING_MODES = List.of("Immediate", "WaitForFirstConsumer");

    @Override
    public void setDefaults(ObjectNode storageClass) {
        if (!set(storageClass, "reclaimPolicy")) {
            storageClass.put("reclaimPolicy", "Delete");
        }
        if (!set(storageClass, "volumeBindingMode")) {
            storageClass.put("volumeBindingMode", "Immediate");
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode storageClass) {
        List<FieldError> errors = new ArrayList<>();
        String provisioner = text(storageClass, "provisioner");
        FieldPath provisionerPath = FieldPath.root("provisioner");
        if (provisioner.isEmpty()) {
            errors.add(FieldError.required(provisionerPath, ""));
        } else {
            String lower = provisioner.toLowerCase(Locale.ROOT);
            errors.addAll(Formats.invalid(provisionerPath, lower, Formats.qualifiedName(lower)));
        }
        JsonNode parameters = storageClass.path("parameters");
        FieldPath parametersPath = FieldPath.root("parameters");
        if (parameters.size() > MAX_PARAMETERS) {
            errors.add(FieldError.tooLong(parametersPath, MAX_PARAMETERS));
        } else {
            long size = 0;
            for (var entry : parameters.properties()) {
                if (entry.getKey().isEmpty()) {
                    errors.add(FieldError.invalid(parametersPath, "", "field can not be empty."));
                }
                size += entry.getKey().getBytes(StandardCharsets.UTF_8).length
                        + entry.getValue().asText().getBytes(StandardCharsets.UTF_8).length;
            }
            if (size > MAX_PARAMETERS_SIZE) {
                errors.add(FieldError.tooLong(parametersPath, MAX_PARAMETERS_SIZE));
            }
        }
        String reclaimPolicy = text(storageClass, "reclaimPolicy");
        if (!reclaimPolicy.isEmpty() && !RECLAIM_POLICIES.contains(reclaimPolicy)) {
            errors.add(FieldError.notSupported(FieldPath.root("reclaimPolicy"), reclaimPolicy, RECLAIM_POLICIES));
        }
        FieldPath modePath = FieldPath.root("volumeBindingMode");
        if (!set(storageClass, "volumeBindingMode")) {
            errors.add(FieldError.required(modePath, ""));
        } else if (!BINDING_MODES.contains(text(storageClass, "volumeBindingMode"))) {
            errors.add(FieldError.notSupported(modePath, text(storageClass, "volumeBindingMode"), BINDING_MODES));
        }
        return errors;
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode storageClass, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        if (!storageClass.path("parameters").equals(old.path("parameters"))) {
            errors.add(FieldError.forbidden(FieldPath.root("parameters"), "updates to parameters are forbidden."));
        }
        if (!text(storageClass, "provisioner").equals(text(old, "provisioner"))) {
            errors.add(FieldError.forbidden(FieldPath.root("provisioner"), "updates to provisioner are forbidden."));
        }
        if (!text(storageClass, "reclaimPolicy").equals(text(old, "reclaimPolicy"))) {
            errors.add(FieldError.forbidden(FieldPath.root("reclaimPolicy"), "updates to reclaimPolicy are forbidden."));
        }
        errors.addAll(Numbers.immutable(storageClass.get("volumeBindingMode"), old.get("volumeBindingMode"),
                FieldPath.root("volumeBindingMode")));
        return errors;
    }
}
