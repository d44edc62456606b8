package dev.kj.apiserver.registry.core.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;

/**
 * Upstream's service strategy without validation and defaulting: status starts empty (Go writes it
 * as {@code {"loadBalancer":{}}}) and is written through {@code services/status}. Cluster IPs and
 * node ports are claimed around this strategy, as upstream's REST layer does, by {@link ServiceAllocations}.
 */
public final class ServiceStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode service) {
        service.putObject("status").putObject("loadBalancer");
    }

    /** Services answer a delete with the service (upstream's ReturnDeletedObject). */
    @Override
    public boolean returnsDeletedObject() {
        return true;
    }
}
