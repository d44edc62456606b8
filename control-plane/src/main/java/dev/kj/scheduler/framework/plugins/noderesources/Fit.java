package dev.kj.scheduler.framework.plugins.noderesources;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.EnqueueExtensions;
import dev.kj.scheduler.framework.FilterPlugin;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PodRequests;
import dev.kj.scheduler.framework.PreFilterPlugin;
import dev.kj.scheduler.framework.PreScorePlugin;
import dev.kj.scheduler.framework.Resource;
import dev.kj.scheduler.framework.ScorePlugin;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * NodeResourcesFit: the pod's requests (containers, sidecars and init containers, overhead) must
 * fit the node's allocatable minus what its pods request, and the node must take one more pod.
 * Scores with upstream's default LeastAllocated strategy (CPU and memory, weight 1 each), on
 * requests where a container without one counts 100m CPU and 200 MiB.
 */
public final class Fit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "NodeResourcesFit";
    private static final CycleState.Key<Resource> REQUESTS = new CycleState.Key<>(NAME + "/requests");
    private static final CycleState.Key<Resource> NON_ZERO = new CycleState.Key<>(NAME + "/nonZero");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Result preFilter(CycleState state, Pod pod, Snapshot snapshot) {
        state.write(REQUESTS, PodRequests.of(pod));
        return Result.of(Status.success());
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        Resource request = state.read(REQUESTS);
        if (request == null) {
            request = PodRequests.of(pod);
        }
        List<String> insufficient = insufficientResources(request, node);
        return insufficient.isEmpty() ? Status.success() : Status.unschedulable(insufficient.toArray(String[]::new));
    }

    /** fitsRequest's reasons, in upstream's order; the kubelet's admission can reuse this check. */
    public static List<String> insufficientResources(Resource request, NodeInfo node) {
        List<String> reasons = new ArrayList<>();
        Resource allocatable = node.allocatable();
        Resource requested = node.requested();
        if (node.pods().size() + 1 > allocatable.allowedPodNumber) {
            reasons.add("Too many pods");
        }
        if (request.isZero()) {
            return reasons;
        }
        if (request.milliCpu > 0 && request.milliCpu > allocatable.milliCpu - requested.milliCpu) {
            reasons.add("Insufficient cpu");
        }
        if (request.memory > 0 && request.memory > allocatable.memory - requested.memory) {
            reasons.add("Insufficient memory");
        }
        if (request.ephemeralStorage > 0 && request.ephemeralStorage > allocatable.ephemeralStorage - requested.ephemeralStorage) {
            reasons.add("Insufficient ephemeral-storage");
        }
        for (Map.Entry<String, Long> scalar : request.scalars.entrySet()) {
            if (scalar.getValue() > 0 && scalar.getValue() > allocatable.get(scalar.getKey()) - requested.get(scalar.getKey())) {
                reasons.add("Insufficient " + scalar.getKey());
            }
        }
        return reasons;
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        state.write(NON_ZERO, PodRequests.nonZero(pod));
        return Status.success();
    }

    /** LeastAllocated: the share of CPU and memory left free after placing the pod, averaged. */
    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Resource request = state.read(NON_ZERO);
        Resource allocatable = node.allocatable();
        Resource requested = node.nonZeroRequested();
        long total = 0;
        long weights = 0;
        for (String resource : List.of(Resource.CPU, Resource.MEMORY)) {
            long capacity = allocatable.get(resource);
            if (capacity == 0) {
                continue;
            }
            long used = requested.get(resource) + request.get(resource);
            total += used > capacity ? 0 : (capacity - used) * MAX_NODE_SCORE / capacity;
            weights++;
        }
        return weights == 0 ? 0 : total / weights;
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE, ClusterEvent.ASSIGNED_POD_DELETE);
    }
}
