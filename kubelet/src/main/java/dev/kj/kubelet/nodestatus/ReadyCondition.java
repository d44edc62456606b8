package dev.kj.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The node's Ready condition as upstream's ReadyCondition setter makes it: True with
 * "KubeletReady" when nothing is wrong; otherwise False with "KubeletNotReady" and every problem
 * in one message (apimachinery's aggregate: one error alone, several as "[a, b]", repeats once).
 * lastTransitionTime moves only when the status changes.
 */
public final class ReadyCondition {
    public static final String READY_MESSAGE = "kubelet is posting ready status";
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private ReadyCondition() {
    }

    /**
     * @param missingCapacities resources the node's capacity lacks (cpu, memory, pods), which also keep it NotReady
     * @param previous          the condition the Node carries now, if any
     */
    public static NodeCondition compute(RuntimeState runtime, List<String> missingCapacities, Optional<NodeCondition> previous, Instant now) {
        Set<String> errors = new LinkedHashSet<>();
        errors.addAll(runtime.runtimeErrors());
        errors.addAll(runtime.networkErrors());
        if (!missingCapacities.isEmpty()) {
            errors.add("missing node capacity for resources: " + String.join(", ", missingCapacities));
        }
        String time = RFC3339.format(now.truncatedTo(ChronoUnit.SECONDS));
        String status = errors.isEmpty() ? "True" : "False";
        String transition = previous.filter(p -> status.equals(p.getStatus()) && p.getLastTransitionTime() != null)
                .map(NodeCondition::getLastTransitionTime).orElse(time);
        return new NodeConditionBuilder()
                .withType("Ready")
                .withStatus(status)
                .withReason(errors.isEmpty() ? "KubeletReady" : "KubeletNotReady")
                .withMessage(errors.isEmpty() ? READY_MESSAGE : aggregate(List.copyOf(errors)))
                .withLastHeartbeatTime(time)
                .withLastTransitionTime(transition)
                .build();
    }

    static String aggregate(List<String> errors) {
        return errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]";
    }
}
