package dev.kj.scheduler.framework.plugins.nodeaffinity;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.EnqueueExtensions;
import dev.kj.scheduler.framework.FilterPlugin;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PreFilterPlugin;
import dev.kj.scheduler.framework.PreScorePlugin;
import dev.kj.scheduler.framework.ScorePlugin;
import dev.kj.scheduler.framework.Selectors;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import dev.kj.scheduler.framework.plugins.helper.Normalize;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution filter nodes (both must
 * match); preferredDuringSchedulingIgnoredDuringExecution terms score a node by the weights of the
 * terms it matches, scaled to 100 by the best node.
 */
public final class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "NodeAffinity";
    static final String REASON = "node(s) didn't match Pod's node affinity/selector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Result preFilter(CycleState state, Pod pod, Snapshot snapshot) {
        boolean selector = pod.getSpec().getNodeSelector() != null && !pod.getSpec().getNodeSelector().isEmpty();
        if (!selector && required(pod) == null) {
            return Result.of(Status.skip());
        }
        return Result.of(Status.success());
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        return matchesRequired(pod, node.node()) ? Status.success() : Status.unresolvable(REASON);
    }

    /** Whether the node satisfies the pod's nodeSelector and required node affinity (also used by PodTopologySpread). */
    public static boolean matchesRequired(Pod pod, Node node) {
        Map<String, String> selector = pod.getSpec().getNodeSelector();
        if (selector != null && !selector.isEmpty()) {
            Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
            for (Map.Entry<String, String> entry : selector.entrySet()) {
                if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        NodeSelector required = required(pod);
        return required == null || Selectors.matches(required, node);
    }

    private static NodeSelector required(Pod pod) {
        var affinity = pod.getSpec().getAffinity();
        return affinity == null || affinity.getNodeAffinity() == null ? null
                : affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    }

    private static List<PreferredSchedulingTerm> preferred(Pod pod) {
        var affinity = pod.getSpec().getAffinity();
        if (affinity == null || affinity.getNodeAffinity() == null
                || affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution() == null) {
            return List.of();
        }
        return affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        return preferred(pod).isEmpty() ? Status.skip() : Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        long total = 0;
        for (PreferredSchedulingTerm term : preferred(pod)) {
            if (term.getWeight() != null && term.getWeight() != 0 && term.getPreference() != null
                    && Selectors.matches(term.getPreference(), node.node())) {
                total += term.getWeight();
            }
        }
        return total;
    }

    @Override
    public void normalize(CycleState state, Pod pod, Map<String, Long> scores) {
        Normalize.byMax(scores, false);
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE);
    }
}
