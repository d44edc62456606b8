package dev.kj.apiserver.registry.core.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.registry.Strategy;
import dev.kj.apiserver.registry.Subresource;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Upstream's pod strategy without defaulting and validation: a new pod's status is reset to phase
 * Pending with its QoS class, a pod with scheduling gates gets the PodScheduled=False
 * SchedulingGated condition, and metadata.generation starts at 1 and counts spec changes (1.33).
 * Deletes are graceful for pods on a node and answer with the pod.
 * Status is written through pods/status only (see {@link #prepareForSubresourceUpdate}); binding
 * is {@link PodBinding}.
 */
public final class PodStrategy implements Strategy {
    /** Field selector values of fields a pod lacks, as upstream's defaulting leaves them. */
    /** core/v1's default spec.terminationGracePeriodSeconds. */
    private static final long DEFAULT_TERMINATION_GRACE_SECONDS = 30;

    private static final Map<String, String> FIELD_DEFAULTS = Map.of(
            "spec.hostNetwork", "false",
            "spec.restartPolicy", "Always",
            "spec.schedulerName", "default-scheduler");

    @Override
    public void prepareForCreate(ObjectNode pod) {
        ObjectNode status = pod.putObject("status");
        status.put("phase", "Pending");
        JsonNode gates = pod.path("spec").path("schedulingGates");
        if (gates.isArray() && !gates.isEmpty()) {
            ArrayNode conditions = status.putArray("conditions");
            ObjectNode gated = conditions.addObject();
            gated.put("type", "PodScheduled");
            gated.put("status", "False");
            gated.putNull("lastProbeTime");
            gated.putNull("lastTransitionTime");
            gated.put("reason", "SchedulingGated");
            gated.put("message", "Scheduling is blocked due to non-empty scheduling gates");
        }
        status.put("qosClass", QosClass.of(pod));
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    /** Pods answer a delete with the pod (upstream's ReturnDeletedObject). */
    @Override
    public boolean returnsDeletedObject() {
        return true;
    }

    /**
     * Upstream's CheckGracefulDelete for pods: the grace asked for, else spec.terminationGracePeriodSeconds
     * (30 when absent, what defaulting would have set); 0 for a pod no node runs yet or one that has
     * finished; a negative grace becomes 1. A pod on a node therefore stays, Terminating, until its
     * kubelet (or a delete with grace 0) removes it.
     */
    @Override
    public OptionalLong checkGracefulDelete(ObjectNode pod, DeleteOptions options) {
        long period = options.gracePeriodSeconds().isPresent() ? options.gracePeriodSeconds().getAsLong()
                : pod.path("spec").path("terminationGracePeriodSeconds").asLong(DEFAULT_TERMINATION_GRACE_SECONDS);
        String phase = pod.path("status").path("phase").asText("");
        if (pod.path("spec").path("nodeName").asText("").isEmpty() || phase.equals("Failed") || phase.equals("Succeeded")) {
            period = 0;
        }
        return OptionalLong.of(period < 0 ? 1 : period);
    }

    @Override
    public String selectableFieldValue(JsonNode pod, String field, String atPath) {
        if (field.equals("status.podIP")) {
            // upstream's field set reads the first of status.podIPs (which v1's podIP mirrors)
            String first = pod.path("status").path("podIPs").path(0).path("ip").asText("");
            return first.isEmpty() ? atPath : first;
        }
        return atPath.isEmpty() ? FIELD_DEFAULTS.getOrDefault(field, "") : atPath;
    }

    /**
     * pods/status (upstream's podStatusStrategy): only status changes; a status written without
     * qosClass keeps the stored one (old kubelets dropped it), and observedGeneration values the
     * writer left out — the status's and each condition's, matched by type in order — are kept.
     */
    @Override
    public ObjectNode prepareForSubresourceUpdate(Subresource subresource, ObjectNode written, ObjectNode old) {
        ObjectNode pod = Strategy.super.prepareForSubresourceUpdate(subresource, written, old);
        if (!(pod.get("status") instanceof ObjectNode status)) {
            return pod;
        }
        JsonNode oldStatus = old.path("status");
        if (status.path("qosClass").asText("").isEmpty() && oldStatus.hasNonNull("qosClass")) {
            status.set("qosClass", oldStatus.get("qosClass"));
        }
        if (status.path("observedGeneration").asLong(0) == 0 && oldStatus.path("observedGeneration").asLong(0) != 0) {
            status.set("observedGeneration", oldStatus.get("observedGeneration"));
        }
        java.util.Map<String, java.util.ArrayDeque<JsonNode>> oldGenerations = new java.util.HashMap<>();
        for (JsonNode condition : oldStatus.path("conditions")) {
            oldGenerations.computeIfAbsent(condition.path("type").asText(), t -> new java.util.ArrayDeque<>())
                    .add(condition.path("observedGeneration"));
        }
        for (JsonNode node : status.path("conditions")) {
            java.util.ArrayDeque<JsonNode> generations = oldGenerations.get(node.path("type").asText());
            JsonNode oldGeneration = generations == null ? null : generations.poll();
            if (node instanceof ObjectNode condition && condition.path("observedGeneration").asLong(0) == 0
                    && oldGeneration != null && oldGeneration.asLong(0) != 0) {
                condition.set("observedGeneration", oldGeneration);
            }
        }
        return pod;
    }
}
