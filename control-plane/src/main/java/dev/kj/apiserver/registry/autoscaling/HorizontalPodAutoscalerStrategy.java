package dev.kj.apiserver.registry.autoscaling;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;

/**
 * Upstream's HPA strategy: a new HPA starts with an empty status, which in the autoscaling/v2
 * storage version is {@code {"desiredReplicas":0,"currentMetrics":null}} (Go writes those two fields
 * even when empty). Status is written through {@code horizontalpodautoscalers/status}.
 */
public final class HorizontalPodAutoscalerStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode hpa) {
        ObjectNode status = hpa.putObject("status");
        status.put("desiredReplicas", 0);
        status.putNull("currentMetrics");
    }
}
