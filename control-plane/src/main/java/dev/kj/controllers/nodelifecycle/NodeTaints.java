package dev.kj.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The taints the node lifecycle controller owns (upstream's nodeConditionToTaintKeyStatusMap and
 * the NoExecute templates): NoSchedule for each condition in a bad state and for
 * spec.unschedulable, NoExecute not-ready (Ready False) or unreachable (Ready Unknown). Taints of
 * others are kept; those already present keep their timeAdded.
 */
public final class NodeTaints {
    private NodeTaints() {
    }

    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    public static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
    public static final String NO_SCHEDULE = "NoSchedule";
    public static final String NO_EXECUTE = "NoExecute";

    /** Condition type → (status → taint key), as upstream. */
    private static final Map<String, Map<String, String>> CONDITION_TAINTS = Map.of(
            "Ready", Map.of("False", NOT_READY, "Unknown", UNREACHABLE),
            "MemoryPressure", Map.of("True", "node.kubernetes.io/memory-pressure"),
            "DiskPressure", Map.of("True", "node.kubernetes.io/disk-pressure"),
            "NetworkUnavailable", Map.of("True", "node.kubernetes.io/network-unavailable"),
            "PIDPressure", Map.of("True", "node.kubernetes.io/pid-pressure"));

    private static final Set<String> MANAGED_NO_SCHEDULE = Set.of(NOT_READY, UNREACHABLE, UNSCHEDULABLE,
            "node.kubernetes.io/memory-pressure", "node.kubernetes.io/disk-pressure",
            "node.kubernetes.io/network-unavailable", "node.kubernetes.io/pid-pressure");

    /** The node's taints as they should be, given its conditions; {@code now} stamps NoExecute taints added. */
    static List<Taint> desired(Node node, String now) {
        List<Taint> current = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        Set<String> noSchedule = new LinkedHashSet<>();
        String ready = null;
        for (NodeCondition condition : node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.<NodeCondition>of() : node.getStatus().getConditions()) {
            String key = CONDITION_TAINTS.getOrDefault(condition.getType(), Map.of()).get(condition.getStatus());
            if (key != null) {
                noSchedule.add(key);
            }
            if ("Ready".equals(condition.getType())) {
                ready = condition.getStatus();
            }
        }
        if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            noSchedule.add(UNSCHEDULABLE);
        }
        String noExecute = "False".equals(ready) ? NOT_READY : "Unknown".equals(ready) ? UNREACHABLE : null;

        List<Taint> result = new ArrayList<>();
        for (Taint taint : current) {
            boolean managed = NO_SCHEDULE.equals(taint.getEffect()) ? MANAGED_NO_SCHEDULE.contains(taint.getKey())
                    : NO_EXECUTE.equals(taint.getEffect()) && (NOT_READY.equals(taint.getKey()) || UNREACHABLE.equals(taint.getKey()));
            if (!managed) {
                result.add(taint);
            } else if (NO_SCHEDULE.equals(taint.getEffect()) ? noSchedule.remove(taint.getKey())
                    : taint.getKey().equals(noExecute)) {
                result.add(taint); // still wanted: kept as it is, timeAdded included
                if (NO_EXECUTE.equals(taint.getEffect())) {
                    noExecute = null;
                }
            }
        }
        for (String key : noSchedule) {
            result.add(new TaintBuilder().withKey(key).withEffect(NO_SCHEDULE).build());
        }
        if (noExecute != null) {
            result.add(new TaintBuilder().withKey(noExecute).withEffect(NO_EXECUTE).withTimeAdded(now).build());
        }
        return result;
    }

    static boolean same(List<Taint> a, List<Taint> b) {
        List<Taint> left = a == null ? List.of() : a;
        List<Taint> right = b == null ? List.of() : b;
        if (left.size() != right.size()) {
            return false;
        }
        for (int i = 0; i < left.size(); i++) {
            Taint x = left.get(i);
            Taint y = right.get(i);
            if (!Objects.equals(x.getKey(), y.getKey()) || !Objects.equals(x.getEffect(), y.getEffect())
                    || !Objects.equals(blank(x.getValue()), blank(y.getValue())) || !Objects.equals(x.getTimeAdded(), y.getTimeAdded())) {
                return false;
            }
        }
        return true;
    }

    private static String blank(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
