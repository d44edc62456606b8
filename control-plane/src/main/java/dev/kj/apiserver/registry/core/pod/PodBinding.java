package dev.kj.apiserver.registry.core.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.GenericStore;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Upstream's BindingREST: POST {@code pods/<name>/binding} (or {@code bindings}) assigns a pending
 * pod to the node the v1 Binding targets. It sets spec.nodeName, merges the binding's annotations
 * and sets PodScheduled=True, in one guaranteed update that bypasses the pod strategy (so the pod's
 * generation does not move, as upstream). A pod already on a node, being deleted or still gated is
 * refused with 409 Conflict on {@code pods/binding}; the binding's uid and resourceVersion are
 * preconditions.
 */
public final class PodBinding {
    private final GenericStore pods;
    private final Clock clock;

    public PodBinding(GenericStore pods, Clock clock) {
        this.pods = pods;
        this.clock = clock;
    }

    /**
     * Binds the pod; {@code urlName} is the pod name in the path (null for POST {@code bindings},
     * where the binding names the pod). Returns the Success status upstream answers with (201).
     */
    public ObjectNode bind(String namespace, String urlName, ObjectNode binding, boolean dryRun) {
        String kind = binding.path("kind").asText("");
        String apiVersion = binding.path("apiVersion").asText("");
        if ((!kind.isEmpty() && !kind.equals("Binding")) || (!apiVersion.isEmpty() && !apiVersion.equals("v1"))) {
            throw StatusException.badRequest("not a Binding object: " + apiVersion + ", Kind=" + kind);
        }
        JsonNode meta = binding.path("metadata");
        String name = meta.path("name").asText("");
        if (urlName != null && !urlName.equals(name)) {
            throw StatusException.badRequest("name in URL does not match name in Binding object");
        }
        String given = meta.path("namespace").asText("");
        if (!given.isEmpty() && !given.equals(namespace)) {
            throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        JsonNode target = binding.path("target");
        String targetKind = target.path("kind").asText("");
        String node = target.path("name").asText("");
        List<String> problems = new java.util.ArrayList<>();
        if (!targetKind.isEmpty() && !targetKind.equals("Node")) {
            problems.add("target.kind: Unsupported value: \"" + targetKind + "\": supported values: \"Node\", \"<empty>\"");
        }
        if (node.isEmpty()) {
            problems.add("target.name: Required value");
        }
        if (!problems.isEmpty()) {
            // upstream returns the field errors as a plain error: a 500 without reason
            throw new StatusException(500, null, problems.size() == 1 ? problems.getFirst() : "[" + String.join(", ", problems) + "]", null);
        }
        String uid = meta.path("uid").asText("");
        String resourceVersion = meta.path("resourceVersion").asText("");
        pods.guaranteedUpdate(namespace, name, pod -> assign(pod, name, node, meta.path("annotations"), uid, resourceVersion), dryRun);
        return StatusException.status("Success", 201, null, null, null);
    }

    private ObjectNode assign(ObjectNode pod, String name, String node, JsonNode annotations, String uid, String resourceVersion) {
        ObjectNode meta = (ObjectNode) pod.path("metadata");
        if (!uid.isEmpty() && !uid.equals(meta.path("uid").asText())) {
            throw StatusException.conflict("pods", "", "pods", name, "Precondition failed: UID in precondition: " + uid
                    + ", UID in object meta: " + meta.path("uid").asText());
        }
        if (!resourceVersion.isEmpty() && !resourceVersion.equals(meta.path("resourceVersion").asText())) {
            throw StatusException.conflict("pods", "", "pods", name, "Precondition failed: ResourceVersion in precondition: "
                    + resourceVersion + ", ResourceVersion in object meta: " + meta.path("resourceVersion").asText());
        }
        if (meta.hasNonNull("deletionTimestamp")) {
            throw refused(name, "pod " + name + " is being deleted, cannot be assigned to a host");
        }
        ObjectNode spec = pod.with("spec");
        String assigned = spec.path("nodeName").asText("");
        if (!assigned.isEmpty()) {
            throw refused(name, "pod " + name + " is already assigned to node \"" + assigned + "\"");
        }
        if (spec.path("schedulingGates").isArray() && !spec.path("schedulingGates").isEmpty()) {
            throw refused(name, "pod " + name + " has non-empty .spec.schedulingGates");
        }
        spec.put("nodeName", node);
        if (annotations.isObject() && !annotations.isEmpty()) {
            meta.with("annotations").setAll((ObjectNode) annotations.deepCopy());
        }
        setScheduled(pod.with("status"));
        return pod;
    }

    /** podutil.UpdatePodCondition with PodScheduled=True: the transition time moves only when the status does. */
    private void setScheduled(ObjectNode status) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        ArrayNode conditions = status.path("conditions").isArray() ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        ObjectNode scheduled = conditions.objectNode();
        scheduled.put("type", "PodScheduled");
        scheduled.put("status", "True");
        scheduled.putNull("lastProbeTime");
        scheduled.put("lastTransitionTime", now);
        for (int i = 0; i < conditions.size(); i++) {
            JsonNode old = conditions.get(i);
            if (old.path("type").asText().equals("PodScheduled")) {
                if (old.path("status").asText().equals("True") && old.has("lastTransitionTime")) {
                    scheduled.set("lastTransitionTime", old.get("lastTransitionTime"));
                }
                conditions.set(i, scheduled);
                return;
            }
        }
        conditions.add(scheduled);
    }

    private static StatusException refused(String name, String why) {
        return StatusException.conflict("pods/binding", "", "pods/binding", name, why);
    }
}
