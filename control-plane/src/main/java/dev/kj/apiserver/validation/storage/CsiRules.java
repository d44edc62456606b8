package dev.kj.apiserver.validation.storage;

import static dev.kj.apiserver.validation.Nodes.defaultBoolean;
import static dev.kj.apiserver.validation.Nodes.defaultText;
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
import dev.kj.apiserver.validation.Numbers;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CSI objects of storage.k8s.io/v1: CSIDriver (SetDefaults_CSIDriver, ValidateCSIDriver and its
 * update), CSINode (ValidateCSINode with long node IDs allowed, as upstream's strategy does) and
 * VolumeAttachment (ValidateVolumeAttachment plus the v1 checks of attacher and volume name).
 */
public final class CsiRules {
    private CsiRules() {
    }

    static final int CSI_NODE_ID_MAX_LENGTH = 256;
    static final int CSI_DRIVER_NAME_MAX_LENGTH = 63;
    static final int MAX_ATTACHMENT_METADATA_SIZE = 256 * 1024;
    static final int MAX_VOLUME_ERROR_MESSAGE_SIZE = 1024;

    /** Go's len of a string: its UTF-8 bytes. */
    private static int utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** core validation's ValidateCSIDriverName: required, at most 63 bytes, a DNS subdomain ignoring case. */
    static List<FieldError> driverName(String name, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (name.isEmpty()) {
            errors.add(FieldError.required(path, ""));
        }
        if (name.length() > CSI_DRIVER_NAME_MAX_LENGTH) {
            errors.add(FieldError.tooLong(path, CSI_DRIVER_NAME_MAX_LENGTH));
        }
        for (String problem : Formats.dns1123Subdomain(name.toLowerCase(Locale.ROOT))) {
            errors.add(FieldError.invalid(path, name, problem));
        }
        return errors;
    }

    public static final KindRules CSI_DRIVER = new KindRules() {
        @Override
        public void setDefaults(ObjectNode driver) {
            ObjectNode spec = object(driver, "spec");
            defaultBoolean(spec, "attachRequired", true);
            defaultBoolean(spec, "podInfoOnMount", false);
            defaultBoolean(spec, "storageCapacity", false);
            defaultText(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
            if (spec.path("volumeLifecycleModes").isEmpty()) {
                spec.putArray("volumeLifecycleModes").add("Persistent");
            }
            defaultBoolean(spec, "requiresRepublish", false);
            defaultBoolean(spec, "seLinuxMount", false); // SELinuxMountReadWriteOncePod is on in 1.33
        }

        @Override
        public List<FieldError> validate(ObjectNode driver) {
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = driver.path("spec");
            List<FieldError> errors = new ArrayList<>();
            // upstream's path really is "attachedRequired"
            for (String[] required : new String[][] {{"attachRequired", "attachedRequired"}, {"podInfoOnMount", "podInfoOnMount"},
                    {"storageCapacity", "storageCapacity"}}) {
                if (!set(spec, required[0])) {
                    errors.add(FieldError.required(path.child(required[1]), ""));
                }
            }
            List<String> policies = List.of("File", "None", "ReadWriteOnceWithFSType");
            if (set(spec, "fsGroupPolicy") && !policies.contains(text(spec, "fsGroupPolicy"))) {
                errors.add(FieldError.notSupported(path.child("fsGroupPolicy"), text(spec, "fsGroupPolicy"), policies));
            }
            Set<String> audiences = new HashSet<>();
            int i = 0;
            for (JsonNode request : spec.path("tokenRequests")) {
                FieldPath at = path.child("tokenRequests").index(i++);
                String audience = text(request, "audience");
                if (!audiences.add(audience)) {
                    errors.add(FieldError.duplicate(at.child("audience"), audience));
                    continue;
                }
                if (set(request, "expirationSeconds")) {
                    long seconds = request.get("expirationSeconds").asLong();
                    if (seconds < 600) {
                        errors.add(FieldError.invalid(at.child("expirationSeconds"), seconds,
                                "may not specify a duration less than 10 minutes"));
                    }
                    if (seconds > (1L << 32)) {
                        errors.add(FieldError.invalid(at.child("expirationSeconds"), seconds,
                                "may not specify a duration larger than 2^32 seconds"));
                    }
                }
            }
            for (JsonNode mode : spec.path("volumeLifecycleModes")) {
                if (!List.of("Persistent", "Ephemeral").contains(mode.asText(""))) {
                    errors.add(FieldError.notSupported(path.child("volumeLifecycleModes"), mode.asText(""),
                            List.of("Persistent", "Ephemeral")));
                }
            }
            if (!set(spec, "seLinuxMount")) {
                errors.add(FieldError.required(path.child("seLinuxMount"), ""));
            }
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode driver, ObjectNode old) {
            List<FieldError> errors = new ArrayList<>(Numbers.immutable(driver.path("spec").get("attachRequired"),
                    old.path("spec").get("attachRequired"), FieldPath.of("spec", "attachedRequired")));
            JsonNode modes = driver.path("spec").path("volumeLifecycleModes");
            if (!modes.equals(old.path("spec").path("volumeLifecycleModes"))) {
                errors.add(FieldError.invalidRendered(FieldPath.of("spec", "volumeLifecycleModes"),
                        GoValues.stringSlice(modes).replaceFirst("^\\[\\]string", "[]storage.VolumeLifecycleMode"),
                        Numbers.FIELD_IMMUTABLE));
            }
            return errors;
        }
    };

    public static final KindRules CSI_NODE = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode node) {
            List<FieldError> errors = new ArrayList<>();
            FieldPath drivers = FieldPath.of("spec", "drivers");
            Set<String> names = new HashSet<>();
            int i = 0;
            for (JsonNode driver : node.path("spec").path("drivers")) {
                FieldPath at = drivers.index(i++);
                String name = text(driver, "name");
                errors.addAll(driverName(name, at.child("name")));
                String nodeId = text(driver, "nodeID");
                if (nodeId.isEmpty()) {
                    errors.add(FieldError.required(at.child("nodeID"), ""));
                }
                if (nodeId.length() > CSI_NODE_ID_MAX_LENGTH) {
                    errors.add(FieldError.invalid(at.child("nodeID"), nodeId,
                            "must be " + CSI_NODE_ID_MAX_LENGTH + " characters or less"));
                }
                if (set(driver.path("allocatable"), "count")) {
                    errors.addAll(Numbers.nonNegative(driver.get("allocatable"), "count", at.child("allocatable", "count")));
                }
                if (!names.add(name)) {
                    errors.add(FieldError.duplicate(at.child("name"), name));
                }
                // upstream reports topology key problems at the driver, not at topologyKeys
                Set<String> keys = new HashSet<>();
                for (JsonNode keyNode : driver.path("topologyKeys")) {
                    String key = keyNode.asText("");
                    if (key.isEmpty()) {
                        errors.add(FieldError.required(at, ""));
                    }
                    if (!keys.add(key)) {
                        errors.add(FieldError.duplicate(at, key));
                    }
                    errors.addAll(Formats.invalid(at, key, Formats.qualifiedName(key)));
                }
            }
            return errors;
        }

        /**
         * A driver entry kept under its name may not change. Upstream prints the whole
         * storage.CSINodeDriver struct (with pointers); the value here is the entry's JSON.
         */
        @Override
        public List<FieldError> validateUpdate(ObjectNode node, ObjectNode old) {
            List<FieldError> errors = new ArrayList<>();
            for (JsonNode before : old.path("spec").path("drivers")) {
                for (JsonNode after : node.path("spec").path("drivers")) {
                    if (text(before, "name").equals(text(after, "name")) && !before.equals(after)) {
                        errors.add(FieldError.invalidRendered(FieldPath.of("spec", "drivers"), after.toString(),
                                Numbers.FIELD_IMMUTABLE));
                    }
                }
            }
            return errors;
        }
    };

    public static final KindRules VOLUME_ATTACHMENT = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode attachment) {
            List<FieldError> errors = new ArrayList<>();
            JsonNode spec = attachment.path("spec");
            FieldPath path = FieldPath.root("spec");
            String attacher = text(spec, "attacher");
            if (attacher.isEmpty()) {
                errors.add(FieldError.required(path.child("attacher"), ""));
            }
            JsonNode source = spec.path("source");
            FieldPath sourcePath = path.child("source");
            boolean inline = set(source, "inlineVolumeSpec");
            boolean named = set(source, "persistentVolumeName");
            if (!inline && !named) {
                errors.add(FieldError.required(sourcePath, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
            } else if (inline && named) {
                errors.add(FieldError.forbidden(sourcePath, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
            } else if (named && text(source, "persistentVolumeName").isEmpty()) {
                errors.add(FieldError.required(sourcePath.child("persistentVolumeName"), "must specify non empty persistentVolumeName"));
            }
            String nodeName = text(spec, "nodeName");
            errors.addAll(Formats.invalid(path.child("nodeName"), nodeName, Formats.dns1123Subdomain(nodeName)));
            JsonNode status = attachment.path("status");
            long metadataSize = 0;
            for (var entry : status.path("attachmentMetadata").properties()) {
                metadataSize += utf8(entry.getKey()) + utf8(entry.getValue().asText(""));
            }
            if (metadataSize > MAX_ATTACHMENT_METADATA_SIZE) {
                errors.add(FieldError.tooLong(FieldPath.of("status", "attachmentMetadata"), MAX_ATTACHMENT_METADATA_SIZE));
            }
            for (String error : List.of("attachError", "detachError")) {
                JsonNode e = status.get(error);
                if (e == null || e.isNull()) {
                    continue;
                }
                FieldPath at = FieldPath.of("status", error);
                if (utf8(text(e, "message")) > MAX_VOLUME_ERROR_MESSAGE_SIZE) {
                    // upstream passes the metadata limit here, not the message limit
                    errors.add(FieldError.tooLong(at.child("message"), MAX_ATTACHMENT_METADATA_SIZE));
                }
                if (set(e, "errorCode") && e.get("errorCode").asLong() < 0) {
                    errors.add(FieldError.invalid(at.child("errorCode"), e.get("errorCode").asLong(),
                            Formats.inclusiveRange(0, Integer.MAX_VALUE)));
                }
            }
            // ValidateVolumeAttachmentV1
            errors.addAll(driverName(attacher, path.child("attacher")));
            if (named) {
                String volume = text(source, "persistentVolumeName");
                errors.addAll(Formats.invalid(sourcePath.child("persistentVolumeName"), volume, Formats.dns1123Subdomain(volume)));
            }
            return errors;
        }

        /** The spec is read-only. Upstream prints the storage.VolumeAttachmentSpec struct; here its JSON. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode attachment, ObjectNode old) {
            if (attachment.path("spec").equals(old.path("spec"))) {
                return List.of();
            }
            return List.of(FieldError.invalidRendered(FieldPath.root("spec"), attachment.path("spec").toString(),
                    Numbers.FIELD_IMMUTABLE));
        }
    };
}
