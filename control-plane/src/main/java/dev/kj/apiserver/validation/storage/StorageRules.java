package dev.kj.apiserver.validation.storage;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.LabelSelectors;
import dev.kj.apiserver.validation.Quantity;
import java.util.ArrayList;
import java.util.List;

/** PersistentVolumeClaims and PersistentVolumes (core/v1 defaults, the claim and volume spec checks), PodDisruptionBudgets (policy/v1). */
public final class StorageRules {
    private StorageRules() {
    }

    private static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
            "ReadWriteOncePod");
    private static final List<String> VOLUME_MODES = List.of("Block", "Filesystem");

    public static final KindRules CLAIM = new KindRules() {
        @Override
        public void setDefaults(ObjectNode claim) {
            ObjectNode spec = object(claim, "spec");
            if (!set(spec, "volumeMode")) {
                spec.put("volumeMode", "Filesystem");
            }
        }

        /** Status is reset on create; upstream's decoding of the stored claim defaults its phase. */
        @Override
        public void completeCreate(ObjectNode claim) {
            if (text(object(claim, "status"), "phase").isEmpty()) {
                object(claim, "status").put("phase", "Pending");
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode claim) {
            FieldPath specPath = FieldPath.root("spec");
            JsonNode spec = claim.path("spec");
            List<FieldError> errors = new ArrayList<>();
            if (spec.path("accessModes").isEmpty()) {
                errors.add(FieldError.required(specPath.child("accessModes"), "at least 1 access mode is required"));
            }
            errors.addAll(LabelSelectors.validate(spec.get("selector"), specPath.child("selector")));
            for (JsonNode mode : spec.path("accessModes")) {
                if (!ACCESS_MODES.contains(mode.asText())) {
                    errors.add(FieldError.notSupported(specPath.child("accessModes"), mode.asText(), ACCESS_MODES));
                }
            }
            FieldPath storagePath = specPath.child("resources").key("storage");
            JsonNode storage = spec.path("resources").path("requests").get("storage");
            if (storage == null) {
                errors.add(FieldError.required(storagePath, ""));
            } else {
                Quantity quantity = Quantity.parse(storage.asText());
                if (quantity != null && quantity.value().signum() <= 0) {
                    errors.add(FieldError.invalid(storagePath, quantity.toString(), "must be greater than zero"));
                }
            }
            String className = text(spec, "storageClassName");
            if (!className.isEmpty()) {
                errors.addAll(Formats.invalid(specPath.child("storageClassName"), className,
                        Formats.dns1123Subdomain(className)));
            }
            if (set(spec, "volumeMode") && !VOLUME_MODES.contains(text(spec, "volumeMode"))) {
                errors.add(FieldError.notSupported(specPath.child("volumeMode"), text(spec, "volumeMode"), VOLUME_MODES));
            }
            return errors;
        }

        /**
         * ValidatePersistentVolumeClaimUpdate: the spec stays, except volumeName once (binding) and a
         * bound claim's storage request (expansion). VolumeAttributesClass is off in 1.33.
         */
        @Override
        public List<FieldError> validateUpdate(ObjectNode claim, ObjectNode old) {
            ObjectNode now = (ObjectNode) claim.path("spec").deepCopy();
            ObjectNode before = (ObjectNode) old.path("spec").deepCopy();
            if (text(before, "volumeName").isEmpty()) {
                copy(now, before, "volumeName");
            }
            if (text(claim.path("status"), "phase").equals("Bound") && now.get("resources") instanceof ObjectNode resources
                    && resources.get("requests") instanceof ObjectNode requests) {
                JsonNode oldStorage = before.path("resources").path("requests").get("storage");
                if (oldStorage == null) {
                    requests.remove("storage");
                } else {
                    requests.set("storage", oldStorage);
                }
            }
            if (!now.equals(before)) {
                return List.of(FieldError.forbidden(FieldPath.root("spec"),
                        "spec is immutable after creation except resources.requests for bound claims"));
            }
            return List.of();
        }
    };

    private static void copy(ObjectNode from, ObjectNode into, String field) {
        if (from.has(field)) {
            into.set(field, from.get(field));
        } else {
            into.remove(field);
        }
    }

    public static final KindRules VOLUME = new KindRules() {
        @Override
        public void setDefaults(ObjectNode volume) {
            ObjectNode spec = object(volume, "spec");
            if (text(spec, "persistentVolumeReclaimPolicy").isEmpty()) {
                spec.put("persistentVolumeReclaimPolicy", "Retain");
            }
            if (!set(spec, "volumeMode")) {
                spec.put("volumeMode", "Filesystem");
            }
        }

        @Override
        public void completeCreate(ObjectNode volume) {
            if (text(object(volume, "status"), "phase").isEmpty()) {
                object(volume, "status").put("phase", "Pending");
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode volume) {
            FieldPath specPath = FieldPath.root("spec");
            JsonNode spec = volume.path("spec");
            List<FieldError> errors = new ArrayList<>();
            if (spec.path("accessModes").isEmpty()) {
                errors.add(FieldError.required(specPath.child("accessModes"), "at least 1 access mode is required"));
            }
            for (JsonNode mode : spec.path("accessModes")) {
                if (!ACCESS_MODES.contains(mode.asText())) {
                    errors.add(FieldError.notSupported(specPath.child("accessModes"), mode.asText(), ACCESS_MODES));
                }
            }
            if (spec.path("capacity").isEmpty()) {
                errors.add(FieldError.required(specPath.child("capacity"), ""));
            }
            String policy = text(spec, "persistentVolumeReclaimPolicy");
            List<String> policies = List.of("Delete", "Recycle", "Retain");
            if (!policy.isEmpty() && !policies.contains(policy)) {
                errors.add(FieldError.notSupported(specPath.child("persistentVolumeReclaimPolicy"), policy, policies));
            }
            List<String> sources = List.of("hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "nfs",
                    "rbd", "quobyte", "cephfs", "iscsi", "cinder", "fc", "flocker", "flexVolume", "azureFile",
                    "vsphereVolume", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local",
                    "storageos", "csi");
            long count = sources.stream().filter(s -> set(spec, s)).count();
            if (count == 0) {
                errors.add(FieldError.required(specPath, "must specify a volume type"));
            }
            return errors;
        }
    };

    public static final KindRules DISRUPTION_BUDGET = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode budget) {
            FieldPath specPath = FieldPath.root("spec");
            JsonNode spec = budget.path("spec");
            List<FieldError> errors = new ArrayList<>();
            if (set(spec, "minAvailable") && set(spec, "maxUnavailable")) {
                errors.add(FieldError.invalidRendered(specPath, spec.toString(),
                        "minAvailable and maxUnavailable cannot be both set"));
            }
            for (String field : List.of("minAvailable", "maxUnavailable")) {
                JsonNode value = spec.get(field);
                if (value == null || value.isNull()) {
                    continue;
                }
                FieldPath at = specPath.child(field);
                if (value.isTextual()) {
                    for (String problem : Formats.percent(value.asText())) {
                        errors.add(FieldError.invalidRendered(at, GoValues.intOrString(value), problem));
                    }
                    String number = value.asText().replace("%", "");
                    if (number.matches("[0-9]+") && Long.parseLong(number) > 100) {
                        errors.add(FieldError.invalidRendered(at, GoValues.intOrString(value), "must not be greater than 100%"));
                    }
                } else if (value.asLong() < 0) {
                    errors.add(FieldError.invalid(at, value.asLong(), "must be greater than or equal to 0"));
                }
            }
            errors.addAll(LabelSelectors.validate(spec.get("selector"), specPath.child("selector")));
            if (set(spec, "unhealthyPodEvictionPolicy")) {
                String policy = text(spec, "unhealthyPodEvictionPolicy");
                List<String> policies = List.of("AlwaysAllow", "IfHealthyBudget");
                if (!policies.contains(policy)) {
                    errors.add(FieldError.notSupported(specPath.child("unhealthyPodEvictionPolicy"), policy, policies));
                }
            }
            return errors;
        }
    };
}
