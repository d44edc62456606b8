package dev.kj.scheduler.framework.plugins.podtopologyspread;

import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.Selectors;
import dev.kj.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A topology spread constraint resolved for one pod: which pods it counts (its selector, plus the
 * pod's values of matchLabelKeys, in the pod's namespace) and which nodes (nodeAffinityPolicy
 * Honor by default, nodeTaintsPolicy Ignore by default).
 */
record Constraint(int maxSkew, String topologyKey, Integer minDomains, Predicate<Map<String, String>> selects,
                  boolean honorAffinity, boolean honorTaints) {

    static Constraint of(TopologySpreadConstraint spec, Pod pod) {
        Map<String, String> podLabels = labels(pod);
        List<String> matchLabelKeys = spec.getMatchLabelKeys() == null ? List.of() : spec.getMatchLabelKeys();
        Predicate<Map<String, String>> selects = labels -> {
            if (!Selectors.matches(spec.getLabelSelector(), labels)) {
                return false;
            }
            for (String key : matchLabelKeys) {
                if (podLabels.containsKey(key) && !podLabels.get(key).equals(labels.get(key))) {
                    return false;
                }
            }
            return true;
        };
        return new Constraint(spec.getMaxSkew() == null ? 1 : spec.getMaxSkew(), spec.getTopologyKey(), spec.getMinDomains(),
                selects, !"Ignore".equals(spec.getNodeAffinityPolicy()), "Honor".equals(spec.getNodeTaintsPolicy()));
    }

    /** Whether pods on this node count toward the constraint. */
    boolean includes(Pod pod, NodeInfo node) {
        if (honorAffinity && !NodeAffinity.matchesRequired(pod, node.node())) {
            return false;
        }
        if (honorTaints && node.node().getSpec() != null && node.node().getSpec().getTaints() != null) {
            for (Taint taint : node.node().getSpec().getTaints()) {
                boolean relevant = "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
                if (relevant && !Selectors.tolerated(pod.getSpec().getTolerations(), taint)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The pods on the node this constraint counts: in the pod's namespace, selected, not terminating. */
    int matching(Pod pod, NodeInfo node) {
        int count = 0;
        for (Pod other : node.pods()) {
            if (other.getMetadata().getDeletionTimestamp() == null
                    && pod.getMetadata().getNamespace().equals(other.getMetadata().getNamespace())
                    && selects.test(labels(other))) {
                count++;
            }
        }
        return count;
    }

    static Map<String, String> labels(Pod pod) {
        return pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    }

    static Map<String, String> nodeLabels(NodeInfo node) {
        return node.node().getMetadata().getLabels() == null ? Map.of() : node.node().getMetadata().getLabels();
    }
}
