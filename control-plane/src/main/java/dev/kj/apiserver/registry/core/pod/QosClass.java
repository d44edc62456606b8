package dev.kj.apiserver.registry.core.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's quality-of-service class as upstream's qos.ComputePodQOS decides it from the cpu and
 * memory of its containers and init containers: BestEffort without any positive request or limit,
 * Guaranteed when every container limits both and the summed requests equal the summed limits,
 * Burstable otherwise. A container's missing request counts as its limit, which is what upstream's
 * defaulting has put there by the time its strategy looks.
 */
final class QosClass {
    private static final List<String> COMPUTE = List.of("cpu", "memory");

    private QosClass() {
    }

    static String of(JsonNode pod) {
        Map<String, BigDecimal> requests = new HashMap<>();
        Map<String, BigDecimal> limits = new HashMap<>();
        boolean guaranteed = true;
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode container : pod.path("spec").path(list)) {
                JsonNode resources = container.path("resources");
                Set<String> limited = new HashSet<>();
                for (String name : COMPUTE) {
                    BigDecimal limit = positive(resources.path("limits").path(name));
                    BigDecimal request = positive(resources.path("requests").path(name));
                    if (request == null && resources.path("requests").path(name).isMissingNode()) {
                        request = limit; // defaulted from the limit
                    }
                    if (request != null) {
                        requests.merge(name, request, BigDecimal::add);
                    }
                    if (limit != null) {
                        limited.add(name);
                        limits.merge(name, limit, BigDecimal::add);
                    }
                }
                if (!limited.containsAll(COMPUTE)) {
                    guaranteed = false;
                }
            }
        }
        if (requests.isEmpty() && limits.isEmpty()) {
            return "BestEffort";
        }
        if (guaranteed) {
            for (Map.Entry<String, BigDecimal> request : requests.entrySet()) {
                BigDecimal limit = limits.get(request.getKey());
                if (limit == null || limit.compareTo(request.getValue()) != 0) {
                    guaranteed = false;
                    break;
                }
            }
        }
        return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
    }

    private static BigDecimal positive(JsonNode quantity) {
        if (!quantity.isValueNode()) {
            return null;
        }
        BigDecimal value = Quantities.parse(quantity.asText());
        return value != null && value.signum() > 0 ? value : null;
    }
}
