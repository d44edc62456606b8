package dev.kj.scheduler.framework.plugins.helper;

import dev.kj.scheduler.framework.ScorePlugin;
import java.util.Map;

/** Upstream's helper.DefaultNormalizeScore: scale to [0, 100] by the highest score, optionally reversed. */
public final class Normalize {
    private Normalize() {
    }

    public static void byMax(Map<String, Long> scores, boolean reverse) {
        long max = scores.values().stream().mapToLong(Long::longValue).max().orElse(0);
        if (max == 0) {
            if (reverse) {
                scores.replaceAll((node, score) -> ScorePlugin.MAX_NODE_SCORE);
            }
            return;
        }
        scores.replaceAll((node, score) -> {
            long scaled = ScorePlugin.MAX_NODE_SCORE * score / max;
            return reverse ? ScorePlugin.MAX_NODE_SCORE - scaled : scaled;
        });
    }
}
