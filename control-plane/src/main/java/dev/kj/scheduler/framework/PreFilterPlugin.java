package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Set;

/** Computes per-pod state once before the nodes are filtered; may narrow the nodes considered. */
public interface PreFilterPlugin extends Plugin {
    /** @param nodeNames the only nodes worth filtering, or null for all */
    record Result(Set<String> nodeNames, Status status) {
        public static Result of(Status status) {
            return new Result(null, status);
        }
    }

    Result preFilter(CycleState state, Pod pod, Snapshot snapshot);
}
