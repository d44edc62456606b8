package dev.kj.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The conditions the kubelet owns, in upstream's order: MemoryPressure, DiskPressure, PIDPressure
 * (False with upstream's reasons and messages: kj has no eviction manager yet, so it never reports
 * pressure) and Ready. Every post carries a fresh lastHeartbeatTime; lastTransitionTime moves only
 * when a condition's status changes.
 */
public final class NodeConditions {
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private record Pressure(String type, String reason, String message) {
    }

    private static final List<Pressure> PRESSURES = List.of(
            new Pressure("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            new Pressure("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            new Pressure("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"));

    private NodeConditions() {
    }

    /** The four conditions now, keeping transition times from {@code current} (the Node's conditions) where unchanged. */
    public static List<NodeCondition> compute(RuntimeState runtime, List<NodeCondition> current, Instant now) {
        String time = RFC3339.format(now.truncatedTo(ChronoUnit.SECONDS));
        List<NodeCondition> conditions = new ArrayList<>();
        for (Pressure pressure : PRESSURES) {
            String transition = find(current, pressure.type()).filter(c -> "False".equals(c.getStatus()) && c.getLastTransitionTime() != null)
                    .map(NodeCondition::getLastTransitionTime).orElse(time);
            conditions.add(new NodeConditionBuilder().withType(pressure.type()).withStatus("False").withReason(pressure.reason())
                    .withMessage(pressure.message()).withLastHeartbeatTime(time).withLastTransitionTime(transition).build());
        }
        conditions.add(ReadyCondition.compute(runtime, List.of(), find(current, "Ready"), now));
        return conditions;
    }

    static Optional<NodeCondition> find(List<NodeCondition> conditions, String type) {
        return conditions == null ? Optional.empty() : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /**
     * Whether {@code next} says anything {@code previous} did not, heartbeats aside (upstream's
     * nodeStatusHasChanged): only then, or when the report frequency has passed, is status posted.
     */
    public static boolean changed(List<NodeCondition> previous, List<NodeCondition> next) {
        if (previous == null || previous.size() != next.size()) {
            return true;
        }
        for (NodeCondition condition : next) {
            Optional<NodeCondition> before = find(previous, condition.getType());
            if (before.isEmpty()
                    || !Objects.equals(before.get().getStatus(), condition.getStatus())
                    || !Objects.equals(before.get().getReason(), condition.getReason())
                    || !Objects.equals(before.get().getMessage(), condition.getMessage())
                    || !Objects.equals(before.get().getLastTransitionTime(), condition.getLastTransitionTime())) {
                return true;
            }
        }
        return false;
    }
}
