package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/**
 * Ranks a feasible node; scores end in [0, {@value #MAX_NODE_SCORE}] after {@link #normalize}, and
 * the profile multiplies them by the plugin's weight.
 */
public interface ScorePlugin extends Plugin {
    long MAX_NODE_SCORE = 100;
    long MIN_NODE_SCORE = 0;

    long score(CycleState state, Pod pod, NodeInfo node);

    /** Rescales the raw scores in place (upstream's ScoreExtensions); most plugins need none. */
    default void normalize(CycleState state, Pod pod, Map<String, Long> scores) {
    }
}
