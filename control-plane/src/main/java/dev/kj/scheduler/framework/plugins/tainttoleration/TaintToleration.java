package dev.kj.scheduler.framework.plugins.tainttoleration;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.EnqueueExtensions;
import dev.kj.scheduler.framework.FilterPlugin;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.ScorePlugin;
import dev.kj.scheduler.framework.Selectors;
import dev.kj.scheduler.framework.Status;
import dev.kj.scheduler.framework.plugins.helper.Normalize;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Filter: the first NoSchedule or NoExecute taint the pod does not tolerate rejects the node.
 * Score: fewer untolerated PreferNoSchedule taints is better (reversed count).
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "TaintToleration";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        for (Taint taint : taints(node)) {
            boolean relevant = "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
            if (relevant && !Selectors.tolerated(pod.getSpec().getTolerations(), taint)) {
                return Status.unresolvable("node(s) had untolerated taint {" + taint.getKey() + ": "
                        + (taint.getValue() == null ? "" : taint.getValue()) + "}");
            }
        }
        return Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        List<Toleration> preferNoSchedule = pod.getSpec().getTolerations() == null ? List.of()
                : pod.getSpec().getTolerations().stream()
                        .filter(t -> t.getEffect() == null || t.getEffect().isEmpty() || "PreferNoSchedule".equals(t.getEffect()))
                        .toList();
        return taints(node).stream()
                .filter(t -> "PreferNoSchedule".equals(t.getEffect()))
                .filter(t -> !Selectors.tolerated(preferNoSchedule, t))
                .count();
    }

    @Override
    public void normalize(CycleState state, Pod pod, Map<String, Long> scores) {
        Normalize.byMax(scores, true);
    }

    private static List<Taint> taints(NodeInfo node) {
        return node.node().getSpec() == null || node.node().getSpec().getTaints() == null ? List.of()
                : node.node().getSpec().getTaints();
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE);
    }
}
