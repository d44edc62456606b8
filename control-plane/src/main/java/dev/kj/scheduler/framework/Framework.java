package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scheduling profile (upstream's frameworkImpl): the plugins it enables, sorted once into the
 * extension points each implements, and the runners that call them in order.
 */
public final class Framework {
    /** A plugin enabled in the profile, with its score weight (ignored for plugins that do not score). */
    public record Enabled(String name, int weight) {
    }

    private record Weighted(ScorePlugin plugin, int weight) {
    }

    /** The snapshot the cycle runs on (for plugins that dry-run the filters, such as preemption). */
    public static final CycleState.Key<Snapshot> SNAPSHOT = new CycleState.Key<>("snapshot");

    private final String schedulerName;
    private final QueueSortPlugin queueSort;
    private final List<PreFilterPlugin> preFilters = new ArrayList<>();
    private final List<FilterPlugin> filters = new ArrayList<>();
    private final List<PostFilterPlugin> postFilters = new ArrayList<>();
    private final List<PreScorePlugin> preScores = new ArrayList<>();
    private final List<Weighted> scores = new ArrayList<>();
    private final List<ReservePlugin> reserves = new ArrayList<>();
    private final List<BindPlugin> binders = new ArrayList<>();
    private final Map<String, Set<ClusterEvent>> events = new HashMap<>();

    public Framework(String schedulerName, List<Enabled> enabled, Registry registry, java.util.function.Function<Framework, Handle> handle) {
        this.schedulerName = schedulerName;
        Handle pluginHandle = handle.apply(this);
        QueueSortPlugin sort = null;
        for (Enabled entry : enabled) {
            Plugin plugin = registry.create(entry.name(), pluginHandle);
            if (plugin instanceof QueueSortPlugin p) {
                sort = p;
            }
            if (plugin instanceof PreFilterPlugin p) {
                preFilters.add(p);
            }
            if (plugin instanceof FilterPlugin p) {
                filters.add(p);
            }
            if (plugin instanceof PostFilterPlugin p) {
                postFilters.add(p);
            }
            if (plugin instanceof PreScorePlugin p) {
                preScores.add(p);
            }
            if (plugin instanceof ScorePlugin p) {
                scores.add(new Weighted(p, entry.weight()));
            }
            if (plugin instanceof ReservePlugin p) {
                reserves.add(p);
            }
            if (plugin instanceof BindPlugin p) {
                binders.add(p);
            }
            if (plugin instanceof EnqueueExtensions p) {
                events.put(p.name(), p.events());
            }
        }
        if (sort == null || binders.isEmpty()) {
            throw new IllegalArgumentException("a profile needs a queue sort plugin and a bind plugin");
        }
        this.queueSort = sort;
    }

    public String schedulerName() {
        return schedulerName;
    }

    public QueueSortPlugin queueSort() {
        return queueSort;
    }

    /** The events after which a pod rejected by this plugin may fit; a plugin registering none gets every event. */
    public Set<ClusterEvent> eventsFor(String plugin) {
        return events.getOrDefault(plugin, Set.of(ClusterEvent.values()));
    }

    public boolean hasPostFilter() {
        return !postFilters.isEmpty();
    }

    /** The PreFilters' outcome: the first rejection, or the intersection of the node sets they narrowed to. */
    public record PreFilterOutcome(Status status, Set<String> nodeNames) {
    }

    public PreFilterOutcome runPreFilter(CycleState state, Pod pod, Snapshot snapshot) {
        Set<String> nodeNames = null;
        for (PreFilterPlugin plugin : preFilters) {
            PreFilterPlugin.Result result = plugin.preFilter(state, pod, snapshot);
            Status status = result.status().withPlugin(plugin.name());
            if (status.isSkip()) {
                state.write(skipKey(plugin.name()), Boolean.TRUE);
                continue;
            }
            if (!status.isSuccess()) {
                return new PreFilterOutcome(status, null);
            }
            if (result.nodeNames() != null) {
                if (nodeNames == null) {
                    nodeNames = new HashSet<>(result.nodeNames());
                } else {
                    nodeNames.retainAll(result.nodeNames());
                }
                if (nodeNames.isEmpty()) {
                    return new PreFilterOutcome(Status.unresolvable("node(s) didn't satisfy plugin(s) [" + plugin.name() + "]")
                            .withPlugin(plugin.name()), null);
                }
            }
        }
        return new PreFilterOutcome(Status.success(), nodeNames);
    }

    /**
     * PreFilter and Filter for one node of a changed snapshot (preemption's "would it fit without
     * these pods"): the PreFilter state is recomputed on the snapshot rather than patched by
     * AddPod/RemovePod extensions as upstream does.
     */
    public Status runFiltersOn(Pod pod, Snapshot snapshot, NodeInfo node) {
        CycleState state = new CycleState();
        state.write(SNAPSHOT, snapshot);
        PreFilterOutcome outcome = runPreFilter(state, pod, snapshot);
        if (!outcome.status().isSuccess()) {
            return outcome.status();
        }
        if (outcome.nodeNames() != null && !outcome.nodeNames().contains(node.name())) {
            return Status.unresolvable("node(s) didn't satisfy plugin(s)");
        }
        return runFilter(state, pod, node);
    }

    /** The filters in order; the first that does not pass decides. */
    public Status runFilter(CycleState state, Pod pod, NodeInfo node) {
        for (FilterPlugin plugin : filters) {
            if (state.read(skipKey(plugin.name())) != null) {
                continue;
            }
            Status status = plugin.filter(state, pod, node);
            if (!status.isSuccess()) {
                return status.withPlugin(plugin.name());
            }
        }
        return Status.success();
    }

    /** The PostFilters in order until one makes the pod schedulable (upstream: stops at the first success). */
    public PostFilterPlugin.Result runPostFilter(CycleState state, Pod pod, Map<String, Status> filtered) {
        List<String> messages = new ArrayList<>();
        String nominated = null;
        for (PostFilterPlugin plugin : postFilters) {
            PostFilterPlugin.Result result = plugin.postFilter(state, pod, filtered);
            if (result.status().isSuccess()) {
                return result;
            }
            if (!result.status().isRejected()) {
                return new PostFilterPlugin.Result(null, result.status().withPlugin(plugin.name()));
            }
            if (result.nominatedNodeName() != null) {
                nominated = result.nominatedNodeName();
            }
            if (!result.status().message().isEmpty()) {
                messages.add(result.status().message());
            }
        }
        return new PostFilterPlugin.Result(nominated, Status.unschedulable(messages.toArray(String[]::new)));
    }

    public Status runPreScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        for (PreScorePlugin plugin : preScores) {
            Status status = plugin.preScore(state, pod, feasible, snapshot);
            if (status.isSkip()) {
                state.write(skipScoreKey(plugin.name()), Boolean.TRUE);
            } else if (!status.isSuccess()) {
                return status.withPlugin(plugin.name());
            }
        }
        return Status.success();
    }

    /** Every score plugin's normalized score times its weight, summed per node (in the feasible nodes' order). */
    public Map<String, Long> runScore(CycleState state, Pod pod, List<NodeInfo> feasible) {
        Map<String, Long> totals = new LinkedHashMap<>();
        feasible.forEach(node -> totals.put(node.name(), 0L));
        for (Weighted weighted : scores) {
            ScorePlugin plugin = weighted.plugin();
            if (state.read(skipScoreKey(plugin.name())) != null) {
                continue;
            }
            Map<String, Long> scored = new LinkedHashMap<>();
            for (NodeInfo node : feasible) {
                scored.put(node.name(), plugin.score(state, pod, node));
            }
            plugin.normalize(state, pod, scored);
            scored.forEach((node, score) -> {
                if (score < ScorePlugin.MIN_NODE_SCORE || score > ScorePlugin.MAX_NODE_SCORE) {
                    throw new IllegalStateException("plugin " + plugin.name() + " returns an invalid score " + score
                            + ", it should in the range of [0, 100] after normalizing");
                }
                totals.merge(node, score * weighted.weight(), Long::sum);
            });
        }
        return totals;
    }

    public Status runReserve(CycleState state, Pod pod, String nodeName) {
        for (ReservePlugin plugin : reserves) {
            Status status = plugin.reserve(state, pod, nodeName);
            if (!status.isSuccess()) {
                return status.withPlugin(plugin.name());
            }
        }
        return Status.success();
    }

    /** Upstream unreserves in reverse order. */
    public void runUnreserve(CycleState state, Pod pod, String nodeName) {
        for (int i = reserves.size() - 1; i >= 0; i--) {
            reserves.get(i).unreserve(state, pod, nodeName);
        }
    }

    public Status runBind(CycleState state, Pod pod, String nodeName) {
        for (BindPlugin plugin : binders) {
            Status status = plugin.bind(state, pod, nodeName);
            if (!status.isSkip()) {
                return status.withPlugin(plugin.name());
            }
        }
        return Status.error("all bind plugins skipped the pod");
    }

    private static CycleState.Key<Boolean> skipKey(String plugin) {
        return new CycleState.Key<>("skip-filter/" + plugin);
    }

    private static CycleState.Key<Boolean> skipScoreKey(String plugin) {
        return new CycleState.Key<>("skip-score/" + plugin);
    }
}
