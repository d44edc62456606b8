package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** Computes per-pod state once before the feasible nodes are scored. */
public interface PreScorePlugin extends Plugin {
    Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot);
}
