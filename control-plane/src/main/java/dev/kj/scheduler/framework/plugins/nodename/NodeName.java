package dev.kj.scheduler.framework.plugins.nodename;

import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.EnqueueExtensions;
import dev.kj.scheduler.framework.FilterPlugin;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Set;

/** A pod naming a node in spec.nodeName fits only there. */
public final class NodeName implements FilterPlugin, EnqueueExtensions {
    public static final String NAME = "NodeName";
    static final String REASON = "node(s) didn't match the requested node name";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        String wanted = pod.getSpec().getNodeName();
        if (wanted == null || wanted.isEmpty() || wanted.equals(node.name())) {
            return Status.success();
        }
        return Status.unresolvable(REASON);
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE);
    }
}
