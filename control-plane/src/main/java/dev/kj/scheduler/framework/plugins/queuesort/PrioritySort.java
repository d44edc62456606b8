package dev.kj.scheduler.framework.plugins.queuesort;

import dev.kj.scheduler.framework.QueueSortPlugin;
import dev.kj.scheduler.framework.QueuedPodInfo;
import java.util.Comparator;

/** Higher spec.priority first, then the pod queued earlier. */
public final class PrioritySort implements QueueSortPlugin {
    public static final String NAME = "PrioritySort";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Comparator<QueuedPodInfo> less() {
        return Comparator.<QueuedPodInfo>comparingInt(info -> -priority(info))
                .thenComparing(QueuedPodInfo::timestamp);
    }

    private static int priority(QueuedPodInfo info) {
        Integer priority = info.pod().getSpec().getPriority();
        return priority == null ? 0 : priority;
    }
}
