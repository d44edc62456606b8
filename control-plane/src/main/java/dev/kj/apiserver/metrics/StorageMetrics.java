package dev.kj.apiserver.metrics;

import dev.kj.apiserver.metrics.Metric.Stability;
import dev.kj.apiserver.storage.StorageObserver;
import java.util.Map;

/**
 * Storage latency and object counts with upstream's names (k8s.io/apiserver/pkg/storage/etcd3/metrics).
 * A key is attributed to the resource whose prefix it has ({@code type} = "configmaps",
 * "deployments.apps"); keys of no resource (health checks, the compaction key) are not recorded,
 * as upstream records only its resource stores.
 */
public final class StorageMetrics implements StorageObserver {
    private final Map<String, String> resourceByPrefix;
    private final Histogram latencies;
    private final Counter requests;
    private final Counter errors;
    private final Gauge objects;

    /** @param resourceByPrefix key prefix ("/registry/configmaps/") → group-qualified resource ("configmaps") */
    public StorageMetrics(MetricsRegistry registry, Map<String, String> resourceByPrefix) {
        this.resourceByPrefix = Map.copyOf(resourceByPrefix);
        latencies = registry.register(new Histogram("etcd_request_duration_seconds", Stability.ALPHA,
                "Etcd request latency in seconds for each operation and object type.", ApiMetrics.LATENCY_BUCKETS,
                "operation", "type"));
        requests = registry.register(new Counter("etcd_requests_total", Stability.ALPHA,
                "Etcd request counts for each operation and object type.", "operation", "type"));
        errors = registry.register(new Counter("etcd_request_errors_total", Stability.ALPHA,
                "Etcd failed request counts for each operation and object type.", "operation", "type"));
        objects = registry.register(new Gauge("apiserver_storage_objects", Stability.STABLE,
                "Number of stored objects at the time of last check split by kind. In case of a fetching error, the"
                        + " value will be -1.", "resource"));
    }

    @Override
    public void observe(String operation, String key, long nanos, boolean failed) {
        // upstream labels its object counts by the key prefix itself
        String type = operation.equals(COUNT) ? key : resourceOf(key);
        if (type == null) {
            return;
        }
        latencies.observe(nanos / 1e9, operation, type);
        requests.inc(operation, type);
        if (failed) {
            errors.inc(operation, type);
        }
    }

    /** The last count of a resource's objects; -1 when counting failed. */
    public void objectCount(String resource, long count) {
        objects.set(count, resource);
    }

    private String resourceOf(String key) {
        for (int slash = key.indexOf('/', "/registry/".length()); slash >= 0; slash = key.indexOf('/', slash + 1)) {
            String resource = resourceByPrefix.get(key.substring(0, slash + 1));
            if (resource != null) {
                return resource;
            }
        }
        return null;
    }
}
