package dev.kj.scheduler.framework.plugins.interpodaffinity;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.EnqueueExtensions;
import dev.kj.scheduler.framework.FilterPlugin;
import dev.kj.scheduler.framework.Handle;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PreFilterPlugin;
import dev.kj.scheduler.framework.PreScorePlugin;
import dev.kj.scheduler.framework.ScorePlugin;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Pod affinity and anti-affinity. Filter: the pod's required affinity terms must each find a
 * matching pod in the node's topology domain (a pod matching its own terms may start a group no pod
 * matches yet), its required anti-affinity terms no matching pod there, and no pod in the node's
 * domains may have a required anti-affinity term matching it. Score: preferred terms both ways
 * (and existing pods' required affinity at weight 1), summed per topology domain and scaled
 * min–max to [0, 100].
 */
public final class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "InterPodAffinity";
    static final String AFFINITY_REASON = "node(s) didn't match pod affinity rules";
    static final String ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules";
    static final String EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules";
    /** upstream's default hardPodAffinityWeight. */
    static final int HARD_POD_AFFINITY_WEIGHT = 1;

    /** A topology domain: a topology key and the value a node has for it. */
    record Domain(String key, String value) {
    }

    private record FilterState(List<AffinityTerm> affinity, List<AffinityTerm> antiAffinity,
                               Map<Domain, Integer> affinityCounts, Map<Domain, Integer> antiAffinityCounts,
                               Map<Domain, Integer> existingAntiAffinityCounts) {
    }

    private static final CycleState.Key<FilterState> FILTER = new CycleState.Key<>(NAME + "/filter");
    private static final CycleState.Key<Map<Domain, Long>> SCORE = new CycleState.Key<>(NAME + "/score");

    private final Handle handle;

    public InterPodAffinity(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Result preFilter(CycleState state, Pod pod, Snapshot snapshot) {
        List<AffinityTerm> affinity = terms(pod, a -> a.getPodAffinity() == null ? null
                : a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
        List<AffinityTerm> antiAffinity = terms(pod, a -> a.getPodAntiAffinity() == null ? null
                : a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
        Map<Domain, Integer> affinityCounts = new HashMap<>();
        Map<Domain, Integer> antiAffinityCounts = new HashMap<>();
        Map<Domain, Integer> existingAnti = new HashMap<>();
        for (NodeInfo node : snapshot.nodes()) {
            Map<String, String> labels = nodeLabels(node);
            for (Pod existing : node.pods()) {
                for (AffinityTerm term : terms(existing, a -> a.getPodAntiAffinity() == null ? null
                        : a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())) {
                    count(existingAnti, labels, term.topologyKey(), term.matches(pod, handle));
                }
                for (AffinityTerm term : affinity) {
                    count(affinityCounts, labels, term.topologyKey(), term.matches(existing, handle));
                }
                for (AffinityTerm term : antiAffinity) {
                    count(antiAffinityCounts, labels, term.topologyKey(), term.matches(existing, handle));
                }
            }
        }
        if (affinity.isEmpty() && antiAffinity.isEmpty() && existingAnti.isEmpty()) {
            return Result.of(Status.skip());
        }
        state.write(FILTER, new FilterState(affinity, antiAffinity, affinityCounts, antiAffinityCounts, existingAnti));
        return Result.of(Status.success());
    }

    private static void count(Map<Domain, Integer> counts, Map<String, String> labels, String key, boolean matched) {
        if (matched && labels.containsKey(key)) {
            counts.merge(new Domain(key, labels.get(key)), 1, Integer::sum);
        }
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        FilterState s = state.read(FILTER);
        Map<String, String> labels = nodeLabels(node);
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (s.existingAntiAffinityCounts().getOrDefault(new Domain(label.getKey(), label.getValue()), 0) > 0) {
                return Status.unschedulable(EXISTING_ANTI_AFFINITY_REASON);
            }
        }
        for (AffinityTerm term : s.antiAffinity()) {
            String value = labels.get(term.topologyKey());
            if (value != null && s.antiAffinityCounts().getOrDefault(new Domain(term.topologyKey(), value), 0) > 0) {
                return Status.unschedulable(ANTI_AFFINITY_REASON);
            }
        }
        if (!s.affinity().isEmpty() && !satisfiesAffinity(s, pod, labels)) {
            return Status.unresolvable(AFFINITY_REASON);
        }
        return Status.success();
    }

    private boolean satisfiesAffinity(FilterState s, Pod pod, Map<String, String> labels) {
        boolean all = true;
        for (AffinityTerm term : s.affinity()) {
            String value = labels.get(term.topologyKey());
            if (value == null || s.affinityCounts().getOrDefault(new Domain(term.topologyKey(), value), 0) <= 0) {
                all = false;
                break;
            }
        }
        if (all) {
            return true;
        }
        // the first pod of a group: nothing matches any term yet and the pod matches all its own terms
        if (!s.affinityCounts().isEmpty()) {
            return false;
        }
        for (AffinityTerm term : s.affinity()) {
            if (!labels.containsKey(term.topologyKey()) || !term.matches(pod, handle)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        List<AffinityTerm> preferredAffinity = weighted(pod, a -> a.getPodAffinity() == null ? null
                : a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        List<AffinityTerm> preferredAnti = weighted(pod, a -> a.getPodAntiAffinity() == null ? null
                : a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        Map<Domain, Long> scores = new HashMap<>();
        boolean anyExistingAffinity = false;
        for (NodeInfo node : snapshot.nodes()) {
            Map<String, String> labels = nodeLabels(node);
            for (Pod existing : node.pods()) {
                for (AffinityTerm term : preferredAffinity) {
                    add(scores, labels, term, term.matches(existing, handle), term.weight());
                }
                for (AffinityTerm term : preferredAnti) {
                    add(scores, labels, term, term.matches(existing, handle), -term.weight());
                }
                if (existing.getSpec().getAffinity() == null) {
                    continue;
                }
                anyExistingAffinity = true;
                for (AffinityTerm term : terms(existing, a -> a.getPodAffinity() == null ? null
                        : a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())) {
                    add(scores, labels, term, term.matches(pod, handle), HARD_POD_AFFINITY_WEIGHT);
                }
                for (AffinityTerm term : weighted(existing, a -> a.getPodAffinity() == null ? null
                        : a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())) {
                    add(scores, labels, term, term.matches(pod, handle), term.weight());
                }
                for (AffinityTerm term : weighted(existing, a -> a.getPodAntiAffinity() == null ? null
                        : a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())) {
                    add(scores, labels, term, term.matches(pod, handle), -term.weight());
                }
            }
        }
        if (preferredAffinity.isEmpty() && preferredAnti.isEmpty() && !anyExistingAffinity) {
            return Status.skip();
        }
        state.write(SCORE, scores);
        return Status.success();
    }

    private static void add(Map<Domain, Long> scores, Map<String, String> labels, AffinityTerm term, boolean matched, long weight) {
        if (matched && weight != 0 && labels.containsKey(term.topologyKey())) {
            scores.merge(new Domain(term.topologyKey(), labels.get(term.topologyKey())), weight, Long::sum);
        }
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Map<Domain, Long> scores = state.read(SCORE);
        long total = 0;
        for (Map.Entry<String, String> label : nodeLabels(node).entrySet()) {
            total += scores.getOrDefault(new Domain(label.getKey(), label.getValue()), 0L);
        }
        return total;
    }

    @Override
    public void normalize(CycleState state, Pod pod, Map<String, Long> scores) {
        long min = scores.values().stream().mapToLong(Long::longValue).min().orElse(0);
        long max = scores.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long spread = max - min;
        scores.replaceAll((node, score) -> spread > 0 ? (long) (MAX_NODE_SCORE * ((double) (score - min) / spread)) : 0L);
    }

    private static List<AffinityTerm> terms(Pod pod, Function<Affinity, List<PodAffinityTerm>> pick) {
        Affinity affinity = pod.getSpec().getAffinity();
        List<PodAffinityTerm> terms = affinity == null ? null : pick.apply(affinity);
        List<AffinityTerm> resolved = new ArrayList<>();
        if (terms != null) {
            terms.forEach(term -> resolved.add(new AffinityTerm(term, pod.getMetadata().getNamespace(), 1)));
        }
        return resolved;
    }

    private static List<AffinityTerm> weighted(Pod pod, Function<Affinity, List<WeightedPodAffinityTerm>> pick) {
        Affinity affinity = pod.getSpec().getAffinity();
        List<WeightedPodAffinityTerm> terms = affinity == null ? null : pick.apply(affinity);
        List<AffinityTerm> resolved = new ArrayList<>();
        if (terms != null) {
            terms.forEach(term -> resolved.add(new AffinityTerm(term.getPodAffinityTerm(), pod.getMetadata().getNamespace(),
                    term.getWeight() == null ? 0 : term.getWeight())));
        }
        return resolved;
    }

    static Map<String, String> nodeLabels(NodeInfo node) {
        return node.node().getMetadata().getLabels() == null ? Map.of() : node.node().getMetadata().getLabels();
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.ASSIGNED_POD_ADD, ClusterEvent.ASSIGNED_POD_UPDATE, ClusterEvent.ASSIGNED_POD_DELETE,
                ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE);
    }
}
