package dev.kj.scheduler.framework.plugins.defaultpreemption;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.objects.Json;
import dev.kj.scheduler.framework.FitError;
import dev.kj.scheduler.framework.Framework;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.Handle;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PostFilterPlugin;
import dev.kj.scheduler.framework.Selectors;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * DefaultPreemption: when no node fits, looks on every node the filters rejected as resolvable for
 * the fewest lower-priority pods whose removal makes the pod fit — all lower-priority pods removed,
 * then each added back, most important first, those whose removal would violate a
 * PodDisruptionBudget tried first, unless the pod stops fitting — and picks the node as upstream:
 * fewest PDB violations, lowest highest victim priority, smallest priority sum, fewest victims,
 * latest start. Victims get the DisruptionTarget condition and are deleted; the pod is nominated
 * to the node and waits for them to go.
 */
public final class DefaultPreemption implements PostFilterPlugin {
    public static final String NAME = "DefaultPreemption";
    static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
    static final String NO_VICTIMS = "No preemption victims found for incoming pod";

    /** Victims on a node, most important first, and how many of them a PDB protects. */
    record Candidate(String node, List<Pod> victims, int pdbViolations) {
    }

    private final Handle handle;

    public DefaultPreemption(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Result postFilter(CycleState state, Pod given, Map<String, Status> filteredNodeStatus) {
        Pod pod = handle.pod(given.getMetadata().getNamespace(), given.getMetadata().getName()).orElse(given);
        Snapshot snapshot = state.read(Framework.SNAPSHOT);
        String ineligible = ineligibility(pod, snapshot, filteredNodeStatus);
        if (ineligible != null) {
            return new Result(null, Status.unschedulable("preemption: " + ineligible));
        }
        List<PodDisruptionBudget> budgets = handle.podDisruptionBudgets();
        Map<String, Status> statuses = new LinkedHashMap<>();
        List<Candidate> candidates = new ArrayList<>();
        for (NodeInfo node : snapshot.nodes()) {
            Status filtered = filteredNodeStatus.get(node.name());
            if (filtered == null || filtered.code() != Status.Code.UNSCHEDULABLE) {
                continue; // unresolvable: removing pods cannot help there
            }
            Object outcome = selectVictims(pod, snapshot, node, budgets);
            if (outcome instanceof Candidate candidate) {
                candidates.add(candidate);
            } else {
                statuses.put(node.name(), (Status) outcome);
            }
        }
        if (candidates.isEmpty()) {
            FitError error = new FitError(snapshot.size(), statuses, Status.unresolvable(NOT_HELPFUL), "", "");
            return new Result("", Status.unschedulable("preemption: " + error.message()));
        }
        Candidate best = pick(candidates);
        for (Pod victim : best.victims()) {
            if (victim.getMetadata().getDeletionTimestamp() != null) {
                continue; // already on its way out
            }
            Status preempted = preempt(pod, victim, best.node());
            if (!preempted.isSuccess()) {
                return new Result(null, preempted);
            }
        }
        clearLowerNominations(pod, best.node());
        return new Result(best.node(), Status.success());
    }

    /** PodEligibleToPreemptOthers: null when the pod may preempt, else why not. */
    private String ineligibility(Pod pod, Snapshot snapshot, Map<String, Status> filtered) {
        if ("Never".equals(pod.getSpec().getPreemptionPolicy())) {
            return "not eligible due to preemptionPolicy=Never.";
        }
        String nominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
        if (nominated != null && !nominated.isEmpty()) {
            Status status = filtered.get(nominated);
            NodeInfo node = snapshot.get(nominated);
            if (node != null && (status == null || status.code() != Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE)) {
                int priority = priority(pod);
                for (Pod other : node.pods()) {
                    if (other.getMetadata().getDeletionTimestamp() != null && priority(other) < priority) {
                        return "not eligible due to a terminating pod on the nominated node.";
                    }
                }
            }
        }
        return null;
    }

    /** SelectVictimsOnNode: a Candidate, or the Status explaining why this node cannot be freed. */
    private Object selectVictims(Pod pod, Snapshot snapshot, NodeInfo node, List<PodDisruptionBudget> budgets) {
        int priority = priority(pod);
        NodeInfo trial = node.copy();
        List<Pod> potential = new ArrayList<>();
        for (Pod other : node.pods()) {
            if (priority(other) < priority) {
                potential.add(other);
                trial.removePod(other.getMetadata().getUid());
            }
        }
        if (potential.isEmpty()) {
            return Status.unresolvable(NO_VICTIMS);
        }
        Status fits = fitsOn(pod, snapshot, trial);
        if (!fits.isSuccess()) {
            return fits;
        }
        potential.sort(MORE_IMPORTANT);
        Map<Boolean, List<Pod>> split = splitByBudgets(potential, budgets);
        List<Pod> victims = new ArrayList<>();
        int violations = 0;
        for (Pod candidate : split.get(true)) {
            if (!reprieve(pod, snapshot, trial, candidate)) {
                victims.add(candidate);
                violations++;
            }
        }
        for (Pod candidate : split.get(false)) {
            if (!reprieve(pod, snapshot, trial, candidate)) {
                victims.add(candidate);
            }
        }
        if (victims.isEmpty()) {
            return Status.error("expected at least one victim pod on node \"" + node.name() + "\"");
        }
        victims.sort(MORE_IMPORTANT);
        return new Candidate(node.name(), victims, violations);
    }

    /** Puts the pod back; keeps it there if the preemptor still fits. */
    private boolean reprieve(Pod pod, Snapshot snapshot, NodeInfo trial, Pod candidate) {
        trial.addPod(candidate);
        if (fitsOn(pod, snapshot, trial).isSuccess()) {
            return true;
        }
        trial.removePod(candidate.getMetadata().getUid());
        return false;
    }

    private Status fitsOn(Pod pod, Snapshot snapshot, NodeInfo trial) {
        NodeInfo probe = trial.copy();
        int priority = priority(pod);
        // pods nominated here with at least the preemptor's priority will take their room first
        for (Pod nominated : handle.nominatedPods(trial.name())) {
            if (!nominated.getMetadata().getUid().equals(pod.getMetadata().getUid()) && priority(nominated) >= priority) {
                probe.addPod(nominated);
            }
        }
        return handle.framework().runFiltersOn(pod, snapshot.with(probe), probe);
    }

    /**
     * filterPodsWithPDBViolation: walking the pods in order, a pod a budget selects uses up one of
     * its allowed disruptions (unless already counted as disrupted); past zero it violates.
     */
    static Map<Boolean, List<Pod>> splitByBudgets(List<Pod> pods, List<PodDisruptionBudget> budgets) {
        Map<Integer, Integer> allowed = new HashMap<>();
        for (int i = 0; i < budgets.size(); i++) {
            PodDisruptionBudget budget = budgets.get(i);
            allowed.put(i, budget.getStatus() == null || budget.getStatus().getDisruptionsAllowed() == null ? 0
                    : budget.getStatus().getDisruptionsAllowed());
        }
        Map<Boolean, List<Pod>> split = new HashMap<>();
        split.put(true, new ArrayList<>());
        split.put(false, new ArrayList<>());
        for (Pod pod : pods) {
            boolean violating = false;
            for (int i = 0; i < budgets.size(); i++) {
                PodDisruptionBudget budget = budgets.get(i);
                if (!budget.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())) {
                    continue;
                }
                var selector = budget.getSpec() == null ? null : budget.getSpec().getSelector();
                boolean empty = selector == null || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()));
                if (empty || !Selectors.matches(selector, pod.getMetadata().getLabels())) {
                    continue; // an empty selector selects nothing here, as upstream
                }
                if (budget.getStatus() != null && budget.getStatus().getDisruptedPods() != null
                        && budget.getStatus().getDisruptedPods().containsKey(pod.getMetadata().getName())) {
                    continue;
                }
                int left = allowed.merge(i, -1, Integer::sum);
                if (left < 0) {
                    violating = true;
                }
            }
            split.get(violating).add(pod);
        }
        return split;
    }

    /** pickOneNodeForPreemption's criteria in order; the first node wins remaining ties. */
    static Candidate pick(List<Candidate> candidates) {
        List<ToLongFunction<Candidate>> criteria = List.of(
                c -> -c.pdbViolations(),
                c -> -(long) priority(c.victims().getFirst()),
                c -> -c.victims().stream().mapToLong(v -> (long) priority(v) + Integer.MAX_VALUE + 1L).sum(),
                c -> -c.victims().size(),
                c -> earliestStart(c).toEpochMilli());
        List<Candidate> remaining = candidates;
        for (ToLongFunction<Candidate> criterion : criteria) {
            long best = remaining.stream().mapToLong(criterion).max().orElseThrow();
            remaining = remaining.stream().filter(c -> criterion.applyAsLong(c) == best).toList();
            if (remaining.size() == 1) {
                break;
            }
        }
        return remaining.getFirst();
    }

    private static Instant earliestStart(Candidate candidate) {
        return candidate.victims().stream().map(DefaultPreemption::startTime).min(Comparator.naturalOrder()).orElse(Instant.MIN);
    }

    /** Upstream's MoreImportantPod: higher priority, then the one that started earlier. */
    static final Comparator<Pod> MORE_IMPORTANT = Comparator.<Pod>comparingInt(p -> -priority(p))
            .thenComparing(DefaultPreemption::startTime);

    private static Instant startTime(Pod pod) {
        String started = pod.getStatus() == null ? null : pod.getStatus().getStartTime();
        if (started == null) {
            started = pod.getMetadata().getCreationTimestamp();
        }
        return started == null ? Instant.now() : Instant.parse(started);
    }

    static int priority(Pod pod) {
        return pod.getSpec().getPriority() == null ? 0 : pod.getSpec().getPriority();
    }

    /** Marks the victim DisruptionTarget (PreemptionByScheduler), deletes it, and records Preempted on it. */
    private Status preempt(Pod preemptor, Pod victim, String node) {
        var pods = handle.client().generic(Resources.PODS);
        String namespace = victim.getMetadata().getNamespace();
        String name = victim.getMetadata().getName();
        String schedulerName = preemptor.getSpec().getSchedulerName();
        try {
            var patch = Json.TREES.createObjectNode();
            var condition = patch.putObject("status").putArray("conditions").addObject();
            condition.put("type", "DisruptionTarget");
            condition.put("status", "True");
            condition.put("reason", "PreemptionByScheduler");
            condition.put("message", schedulerName + ": preempting to accommodate a higher priority pod");
            condition.put("lastTransitionTime", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            // upstream's PatchPodStatus: a strategic merge patch, conditions merged by type
            pods.patchStatus(namespace, name, PatchType.STRATEGIC_MERGE, patch.toString());
            pods.delete(namespace, name, DeleteOptions.NONE);
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                return Status.error(e.getMessage());
            }
            return Status.success(); // already gone
        }
        handle.events().event(new EventRecorder.InvolvedObject("v1", "Pod", namespace, name, victim.getMetadata().getUid()),
                EventRecorder.NORMAL, "Preempted", "Preempted by pod " + preemptor.getMetadata().getUid() + " on node " + node);
        return Status.success();
    }

    /** Lower-priority pods nominated to the node may no longer fit there: their nomination is cleared. */
    private void clearLowerNominations(Pod pod, String node) {
        int priority = priority(pod);
        for (Pod nominated : handle.nominatedPods(node)) {
            if (priority(nominated) < priority && !nominated.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                try {
                    handle.client().generic(Resources.PODS).patchStatus(nominated.getMetadata().getNamespace(),
                            nominated.getMetadata().getName(), PatchType.STRATEGIC_MERGE, "{\"status\":{\"nominatedNodeName\":null}}");
                } catch (ApiException e) {
                    // not critical: the nominated pod is retried anyway
                }
            }
        }
    }
}
