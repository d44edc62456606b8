package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.KindRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Pods: SetDefaults_Pod and ValidatePodCreate / ValidatePodUpdate. */
public final class PodRules implements KindRules {
    /** The spec fields a pod update may change, in upstream's words. */
    static final String UPDATE_FORBIDDEN = "pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to"
            + " existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was"
            + " previously negative)";

    @Override
    public void setDefaults(ObjectNode pod) {
        PodSpecs.setPodDefaults(object(pod, "spec"));
    }

    @Override
    public List<FieldError> validate(ObjectNode pod) {
        FieldPath spec = FieldPath.root("spec");
        List<FieldError> errors = new ArrayList<>(PodSpecs.validateSpec(pod.path("spec"), spec));
        // validateContainersOnlyForPod: templates may carry " " as a placeholder image, pods may not
        for (String list : List.of("containers", "initContainers")) {
            int i = 0;
            for (JsonNode container : pod.path("spec").path(list)) {
                String image = text(container, "image");
                if (!image.equals(image.strip())) {
                    errors.add(FieldError.invalid(spec.child(list).index(i).child("image"), image,
                            "must not have leading or trailing whitespace"));
                }
                i++;
            }
        }
        errors.addAll(hostPortConflicts(pod.path("spec"), spec));
        return errors;
    }

    /** AccumulateUniqueHostPorts: a host port and protocol used twice in one pod. */
    private static List<FieldError> hostPortConflicts(JsonNode spec, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String list : List.of("containers", "initContainers")) {
            int i = 0;
            for (JsonNode container : spec.path(list)) {
                int p = 0;
                for (JsonNode port : container.path("ports")) {
                    long hostPort = port.path("hostPort").asLong(0);
                    if (hostPort != 0) {
                        String key = hostPort + "/" + text(port, "protocol");
                        if (!seen.add(key)) {
                            errors.add(FieldError.duplicate(path.child(list).index(i).child("ports").index(p)
                                    .child("hostPort"), key));
                        }
                    }
                    p++;
                }
                i++;
            }
        }
        return errors;
    }

    /**
     * ValidatePodUpdate: the spec may change only in images, activeDeadlineSeconds (set or
     * shortened), added tolerations, removed scheduling gates and a negative grace becoming 1.
     */
    @Override
    public List<FieldError> validateUpdate(ObjectNode pod, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        FieldPath spec = FieldPath.root("spec");
        JsonNode newSpec = pod.path("spec");
        JsonNode oldSpec = old.path("spec");
        if (newSpec.has("activeDeadlineSeconds") && !newSpec.get("activeDeadlineSeconds").isNull()) {
            long value = newSpec.get("activeDeadlineSeconds").asLong();
            long previous = oldSpec.path("activeDeadlineSeconds").asLong(0);
            if (oldSpec.hasNonNull("activeDeadlineSeconds") && value > previous) {
                errors.add(FieldError.invalid(spec.child("activeDeadlineSeconds"), value,
                        "must be less than or equal to previous value"));
            }
        } else if (oldSpec.hasNonNull("activeDeadlineSeconds")) {
            errors.add(FieldError.invalidRendered(spec.child("activeDeadlineSeconds"), "null",
                    "must not update from a positive integer to nil value"));
        }
        ObjectNode munged = ((ObjectNode) newSpec.deepCopy());
        ObjectNode oldCopy = ((ObjectNode) oldSpec.deepCopy());
        // take over what may change, then everything else must be equal
        for (String list : List.of("containers", "initContainers")) {
            JsonNode newList = munged.path(list);
            JsonNode oldList = oldCopy.path(list);
            if (newList.size() == oldList.size()) {
                for (int i = 0; i < newList.size(); i++) {
                    if (oldList.get(i) instanceof ObjectNode o && newList.get(i).has("image")) {
                        o.set("image", newList.get(i).get("image"));
                    }
                }
            }
        }
        copy(oldCopy, munged, "activeDeadlineSeconds");
        if (oldSpec.path("terminationGracePeriodSeconds").asLong(0) < 0
                && newSpec.path("terminationGracePeriodSeconds").asLong(0) == 1) {
            copy(oldCopy, munged, "terminationGracePeriodSeconds");
        }
        if (tolerationsOnlyAdded(oldSpec.path("tolerations"), newSpec.path("tolerations"))) {
            copy(oldCopy, munged, "tolerations");
        }
        if (gatesOnlyRemoved(oldSpec.path("schedulingGates"), newSpec.path("schedulingGates"))) {
            copy(oldCopy, munged, "schedulingGates");
        }
        if (!oldCopy.equals(munged)) {
            errors.add(FieldError.forbidden(spec, UPDATE_FORBIDDEN + "\n" + Differences.describe(oldCopy, munged, "spec")));
        }
        return errors;
    }

    private static void copy(ObjectNode into, ObjectNode from, String field) {
        if (from.has(field)) {
            into.set(field, from.get(field).deepCopy());
        } else {
            into.remove(field);
        }
    }

    private static boolean tolerationsOnlyAdded(JsonNode old, JsonNode updated) {
        for (JsonNode toleration : old) {
            boolean kept = false;
            for (JsonNode candidate : updated) {
                kept |= candidate.equals(toleration);
            }
            if (!kept) {
                return false;
            }
        }
        return true;
    }

    private static boolean gatesOnlyRemoved(JsonNode old, JsonNode updated) {
        for (JsonNode gate : updated) {
            boolean existed = false;
            for (JsonNode candidate : old) {
                existed |= candidate.equals(gate);
            }
            if (!existed) {
                return false;
            }
        }
        return true;
    }
}
