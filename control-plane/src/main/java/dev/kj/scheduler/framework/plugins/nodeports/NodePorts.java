package dev.kj.scheduler.framework.plugins.nodeports;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.EnqueueExtensions;
import dev.kj.scheduler.framework.FilterPlugin;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PreFilterPlugin;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Set;

/** Host ports: a port and protocol taken on the node (on the same address, or on 0.0.0.0 either side) rejects it. */
public final class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    public static final String NAME = "NodePorts";
    static final String REASON = "node(s) didn't have free ports for the requested pod ports";
    private static final CycleState.Key<List<NodeInfo.HostPort>> PORTS = new CycleState.Key<>(NAME + "/ports");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Result preFilter(CycleState state, Pod pod, Snapshot snapshot) {
        List<NodeInfo.HostPort> ports = NodeInfo.hostPorts(pod);
        if (ports.isEmpty()) {
            return Result.of(Status.skip());
        }
        state.write(PORTS, ports);
        return Result.of(Status.success());
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        List<NodeInfo.HostPort> wanted = state.read(PORTS);
        if (wanted == null) {
            wanted = NodeInfo.hostPorts(pod);
        }
        for (NodeInfo.HostPort port : wanted) {
            for (NodeInfo.HostPort used : node.usedPorts()) {
                boolean sameAddress = used.ip().equals(port.ip()) || used.ip().equals("0.0.0.0") || port.ip().equals("0.0.0.0");
                if (used.port() == port.port() && used.protocol().equals(port.protocol()) && sameAddress) {
                    return Status.unschedulable(REASON);
                }
            }
        }
        return Status.success();
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADD, ClusterEvent.ASSIGNED_POD_DELETE);
    }
}
