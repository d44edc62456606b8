package dev.kj.scheduler.framework.plugins.podtopologyspread;

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
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Topology spread. Filter (whenUnsatisfiable DoNotSchedule): placing the pod in the node's domain
 * must keep (matching pods there + 1 if the pod matches itself) − (the fewest in any domain, 0 when
 * fewer domains than minDomains exist) within maxSkew. Score (ScheduleAnyway, or upstream's system
 * defaults — hostname maxSkew 3 and zone maxSkew 5 — for pods without constraints, counting the
 * pods the Services and controllers of the pod select): fewer matching pods in the node's domains
 * is better, each constraint weighted by log(domains + 2).
 */
public final class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "PodTopologySpread";
    static final String HOSTNAME = "kubernetes.io/hostname";
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String MISMATCH_REASON = "node(s) didn't match pod topology spread constraints";
    static final String MISSING_LABEL_REASON = "node(s) didn't match pod topology spread constraints (missing required label)";

    private record FilterState(List<Constraint> constraints, List<Map<String, Integer>> counts, List<Integer> minimums) {
    }

    private record ScoreState(List<Constraint> constraints, List<Map<String, Integer>> counts, List<Double> weights,
                              Set<String> ignoredNodes) {
    }

    private static final CycleState.Key<FilterState> FILTER = new CycleState.Key<>(NAME + "/filter");
    private static final CycleState.Key<ScoreState> SCORE = new CycleState.Key<>(NAME + "/score");

    private final Handle handle;

    public PodTopologySpread(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    private List<Constraint> constraints(Pod pod, String whenUnsatisfiable) {
        List<TopologySpreadConstraint> specs = pod.getSpec().getTopologySpreadConstraints();
        List<Constraint> constraints = new ArrayList<>();
        if (specs != null && !specs.isEmpty()) {
            for (TopologySpreadConstraint spec : specs) {
                if (whenUnsatisfiable.equals(spec.getWhenUnsatisfiable())) {
                    constraints.add(Constraint.of(spec, pod));
                }
            }
            return constraints;
        }
        if (whenUnsatisfiable.equals("ScheduleAnyway")) {
            Optional<Predicate<Map<String, String>>> selector = handle.defaultSpreadSelector(pod);
            if (selector.isPresent()) {
                constraints.add(new Constraint(3, HOSTNAME, null, selector.get(), true, false));
                constraints.add(new Constraint(5, ZONE, null, selector.get(), true, false));
            }
        }
        return constraints;
    }

    @Override
    public Result preFilter(CycleState state, Pod pod, Snapshot snapshot) {
        List<Constraint> constraints = constraints(pod, "DoNotSchedule");
        if (constraints.isEmpty()) {
            return Result.of(Status.skip());
        }
        List<Map<String, Integer>> counts = new ArrayList<>();
        constraints.forEach(c -> counts.add(new HashMap<>()));
        for (NodeInfo node : snapshot.nodes()) {
            Map<String, String> labels = Constraint.nodeLabels(node);
            if (!constraints.stream().allMatch(c -> labels.containsKey(c.topologyKey()))) {
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint constraint = constraints.get(i);
                if (!constraint.includes(pod, node)) {
                    continue;
                }
                counts.get(i).merge(labels.get(constraint.topologyKey()), constraint.matching(pod, node), Integer::sum);
            }
        }
        List<Integer> minimums = new ArrayList<>();
        for (int i = 0; i < constraints.size(); i++) {
            Map<String, Integer> domains = counts.get(i);
            Integer minDomains = constraints.get(i).minDomains();
            int min = domains.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            minimums.add(minDomains != null && domains.size() < minDomains ? 0 : min);
        }
        state.write(FILTER, new FilterState(constraints, counts, minimums));
        return Result.of(Status.success());
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        FilterState s = state.read(FILTER);
        Map<String, String> labels = Constraint.nodeLabels(node);
        for (int i = 0; i < s.constraints().size(); i++) {
            Constraint constraint = s.constraints().get(i);
            String value = labels.get(constraint.topologyKey());
            if (value == null) {
                return Status.unresolvable(MISSING_LABEL_REASON);
            }
            int self = constraint.selects().test(Constraint.labels(pod)) ? 1 : 0;
            int skew = s.counts().get(i).getOrDefault(value, 0) + self - s.minimums().get(i);
            if (skew > constraint.maxSkew()) {
                return Status.unschedulable(MISMATCH_REASON);
            }
        }
        return Status.success();
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        List<Constraint> constraints = constraints(pod, "ScheduleAnyway");
        if (constraints.isEmpty()) {
            return Status.skip();
        }
        Set<String> ignored = new HashSet<>();
        List<Set<String>> domains = new ArrayList<>();
        constraints.forEach(c -> domains.add(new HashSet<>()));
        for (NodeInfo node : feasible) {
            Map<String, String> labels = Constraint.nodeLabels(node);
            if (!constraints.stream().allMatch(c -> labels.containsKey(c.topologyKey()))) {
                ignored.add(node.name());
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                domains.get(i).add(labels.get(constraints.get(i).topologyKey()));
            }
        }
        List<Map<String, Integer>> counts = new ArrayList<>();
        constraints.forEach(c -> counts.add(new HashMap<>()));
        for (NodeInfo node : snapshot.nodes()) {
            Map<String, String> labels = Constraint.nodeLabels(node);
            if (!constraints.stream().allMatch(c -> labels.containsKey(c.topologyKey()))) {
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint constraint = constraints.get(i);
                String value = labels.get(constraint.topologyKey());
                if (constraint.includes(pod, node) && domains.get(i).contains(value)) {
                    counts.get(i).merge(value, constraint.matching(pod, node), Integer::sum);
                }
            }
        }
        List<Double> weights = new ArrayList<>();
        for (Set<String> domain : domains) {
            weights.add(Math.log(domain.size() + 2));
        }
        state.write(SCORE, new ScoreState(constraints, counts, weights, ignored));
        return Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        ScoreState s = state.read(SCORE);
        if (s.ignoredNodes().contains(node.name())) {
            return 0;
        }
        Map<String, String> labels = Constraint.nodeLabels(node);
        double score = 0;
        for (int i = 0; i < s.constraints().size(); i++) {
            Constraint constraint = s.constraints().get(i);
            int count = s.counts().get(i).getOrDefault(labels.get(constraint.topologyKey()), 0);
            score += count * s.weights().get(i) + (constraint.maxSkew() - 1);
        }
        return Math.round(score);
    }

    @Override
    public void normalize(CycleState state, Pod pod, Map<String, Long> scores) {
        ScoreState s = state.read(SCORE);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (Map.Entry<String, Long> entry : scores.entrySet()) {
            if (s.ignoredNodes().contains(entry.getKey())) {
                continue;
            }
            min = Math.min(min, entry.getValue());
            max = Math.max(max, entry.getValue());
        }
        long lowest = min;
        long highest = max;
        scores.replaceAll((node, score) -> {
            if (s.ignoredNodes().contains(node)) {
                return 0L;
            }
            if (highest == 0) {
                return MAX_NODE_SCORE;
            }
            return MAX_NODE_SCORE * (highest + lowest - score) / highest;
        });
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.ASSIGNED_POD_ADD, ClusterEvent.ASSIGNED_POD_UPDATE, ClusterEvent.ASSIGNED_POD_DELETE,
                ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE, ClusterEvent.NODE_DELETE);
    }
}
