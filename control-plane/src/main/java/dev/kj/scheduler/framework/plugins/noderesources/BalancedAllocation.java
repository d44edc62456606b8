package dev.kj.scheduler.framework.plugins.noderesources;

import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PodRequests;
import dev.kj.scheduler.framework.PreScorePlugin;
import dev.kj.scheduler.framework.Resource;
import dev.kj.scheduler.framework.ScorePlugin;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * NodeResourcesBalancedAllocation: prefers nodes whose CPU and memory would be used in equal
 * shares after placing the pod: 100 × (1 − the standard deviation of the shares). Skipped for a
 * pod requesting nothing (upstream's best-effort skip).
 */
public final class BalancedAllocation implements PreScorePlugin, ScorePlugin {
    public static final String NAME = "NodeResourcesBalancedAllocation";
    private static final CycleState.Key<Resource> REQUESTS = new CycleState.Key<>(NAME + "/requests");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        Resource requests = PodRequests.of(pod);
        if (requests.milliCpu == 0 && requests.memory == 0) {
            return Status.skip();
        }
        state.write(REQUESTS, requests);
        return Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Resource request = state.read(REQUESTS);
        Resource allocatable = node.allocatable();
        double[] fractions = new double[2];
        int count = 0;
        for (String resource : List.of(Resource.CPU, Resource.MEMORY)) {
            long capacity = allocatable.get(resource);
            if (capacity == 0) {
                continue;
            }
            double fraction = (double) (node.requested().get(resource) + request.get(resource)) / capacity;
            fractions[count++] = Math.min(fraction, 1);
        }
        double deviation = 0;
        if (count == 2) {
            deviation = Math.abs(fractions[0] - fractions[1]) / 2;
        }
        return (long) ((1 - deviation) * MAX_NODE_SCORE);
    }
}
