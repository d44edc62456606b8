package dev.kj.scheduler.framework.plugins;

import dev.kj.scheduler.framework.Framework;
import dev.kj.scheduler.framework.Registry;
import dev.kj.scheduler.framework.plugins.defaultbinder.DefaultBinder;
import dev.kj.scheduler.framework.plugins.defaultpreemption.DefaultPreemption;
import dev.kj.scheduler.framework.plugins.imagelocality.ImageLocality;
import dev.kj.scheduler.framework.plugins.interpodaffinity.InterPodAffinity;
import dev.kj.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import dev.kj.scheduler.framework.plugins.nodename.NodeName;
import dev.kj.scheduler.framework.plugins.nodeports.NodePorts;
import dev.kj.scheduler.framework.plugins.noderesources.BalancedAllocation;
import dev.kj.scheduler.framework.plugins.noderesources.Fit;
import dev.kj.scheduler.framework.plugins.nodeunschedulable.NodeUnschedulable;
import dev.kj.scheduler.framework.plugins.podtopologyspread.PodTopologySpread;
import dev.kj.scheduler.framework.plugins.queuesort.PrioritySort;
import dev.kj.scheduler.framework.plugins.tainttoleration.TaintToleration;
import java.util.List;
import java.util.Map;

/** The plugins kj has (upstream's plugins/registry.go) and upstream's default profile. */
public final class InTreeRegistry {
    private InTreeRegistry() {
    }

    public static Registry registry() {
        return new Registry(Map.ofEntries(
                Map.entry(PrioritySort.NAME, handle -> new PrioritySort()),
                Map.entry(NodeUnschedulable.NAME, handle -> new NodeUnschedulable()),
                Map.entry(NodeName.NAME, handle -> new NodeName()),
                Map.entry(TaintToleration.NAME, handle -> new TaintToleration()),
                Map.entry(NodeAffinity.NAME, handle -> new NodeAffinity()),
                Map.entry(NodePorts.NAME, handle -> new NodePorts()),
                Map.entry(Fit.NAME, handle -> new Fit()),
                Map.entry(PodTopologySpread.NAME, PodTopologySpread::new),
                Map.entry(InterPodAffinity.NAME, InterPodAffinity::new),
                Map.entry(DefaultPreemption.NAME, DefaultPreemption::new),
                Map.entry(BalancedAllocation.NAME, handle -> new BalancedAllocation()),
                Map.entry(ImageLocality.NAME, handle -> new ImageLocality()),
                Map.entry(DefaultBinder.NAME, DefaultBinder::new)));
    }

    /**
     * upstream's default profile (v1 KubeSchedulerConfiguration, the plugins kj has) in its order,
     * with its score weights: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
     * InterPodAffinity 2, the rest 1. The volume plugins (VolumeBinding, VolumeRestrictions,
     * VolumeZone, NodeVolumeLimits) are not built; SchedulingGates is the informer handler's check.
     */
    public static List<Framework.Enabled> defaultProfile() {
        return List.of(
                new Framework.Enabled(PrioritySort.NAME, 0),
                new Framework.Enabled(NodeUnschedulable.NAME, 0),
                new Framework.Enabled(NodeName.NAME, 0),
                new Framework.Enabled(TaintToleration.NAME, 3),
                new Framework.Enabled(NodeAffinity.NAME, 2),
                new Framework.Enabled(NodePorts.NAME, 0),
                new Framework.Enabled(Fit.NAME, 1),
                new Framework.Enabled(PodTopologySpread.NAME, 2),
                new Framework.Enabled(InterPodAffinity.NAME, 2),
                new Framework.Enabled(DefaultPreemption.NAME, 0),
                new Framework.Enabled(BalancedAllocation.NAME, 1),
                new Framework.Enabled(ImageLocality.NAME, 1),
                new Framework.Enabled(DefaultBinder.NAME, 0));
    }
}
