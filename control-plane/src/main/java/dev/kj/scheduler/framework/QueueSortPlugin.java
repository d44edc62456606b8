package dev.kj.scheduler.framework;

import java.util.Comparator;

/** Orders the active queue. */
public interface QueueSortPlugin extends Plugin {
    Comparator<QueuedPodInfo> less();
}
