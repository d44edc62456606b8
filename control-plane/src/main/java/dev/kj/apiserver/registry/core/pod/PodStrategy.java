package dev.kj.apiserver.registry.core.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;
import java.util.Map;

/**
 * Upstream's pod strategy without defaulting and validation: a new pod's status is reset to phase
 * Pending with its QoS class, a pod with scheduling gates gets the PodScheduled=False
 * SchedulingGated condition, and metadata.generation starts at 1 and counts spec changes (1.33).
 * Status is written through pods/status only; binding is {@link PodBinding}.
 */
public final class PodStrategy implements Strategy {
    /** Field selector values of fields a pod lacks, as upstream's defaulting leaves them. */
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

    @Override
    public Map<String, String> selectableFieldDefaults() {
        return FIELD_DEFAULTS;
    }
}
