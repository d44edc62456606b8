package dev.kj.apiserver.registry.core.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;

/**
 * Upstream's service strategy without validation and defaulting: status starts empty (Go writes it
 * as {@code {"loadBalancer":{}}}) and is written through {@code services/status}. Cluster IP and
 * node port allocation, which upstream's REST layer does around this strategy, is issue #5: until
 * then a Service keeps whatever spec.clusterIP(s) and nodePorts its body carries, and gets none.
 */
public final class ServiceStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode service) {
        service.putObject("status").putObject("loadBalancer");
    }
}
