package dev.kj.apiserver.metrics;

import dev.kj.apiserver.metrics.Metric.Stability;

/**
 * The API server's request metrics, with upstream's names, help texts, labels and buckets
 * (k8s.io/apiserver/pkg/endpoints/metrics). Recording is a map lookup plus striped adds.
 */
public final class ApiMetrics {
    /** Upstream's buckets for request (and etcd request) latencies, tuned for the API call SLOs. */
    static final double[] LATENCY_BUCKETS = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3,
            4, 5, 6, 8, 10, 15, 20, 30, 45, 60};
    public static final String COMPONENT = "apiserver";

    /**
     * What a request is counted under. {@code verb} is upstream's reported verb (GET, LIST, WATCH,
     * POST, PUT, PATCH, APPLY, DELETE); {@code dryRun} the query's dryRun values (sorted, joined) or
     * "invalid"; non-resource paths such as /healthz are the {@code subresource}.
     */
    public record Labels(String verb, String dryRun, String group, String version, String resource, String subresource,
                         String scope, String component) {
    }

    private final Counter requests;
    private final Histogram latencies;
    private final Gauge longRunning;
    private final Histogram responseSizes;
    private final Counter watchEvents;
    private final Histogram watchEventSizes;

    public ApiMetrics(MetricsRegistry registry) {
        requests = registry.register(new Counter("apiserver_request_total", Stability.STABLE,
                "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope,"
                        + " component, and HTTP response code.",
                "verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"));
        latencies = registry.register(new Histogram("apiserver_request_duration_seconds", Stability.STABLE,
                "Response latency distribution in seconds for each verb, dry run value, group, version, resource,"
                        + " subresource, scope and component.", LATENCY_BUCKETS,
                "verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"));
        longRunning = registry.register(new Gauge("apiserver_longrunning_requests", Stability.STABLE,
                "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource,"
                        + " scope and component. Not all requests are tracked this way.",
                "verb", "group", "version", "resource", "subresource", "scope", "component"));
        responseSizes = registry.register(new Histogram("apiserver_response_sizes", Stability.STABLE,
                "Response size distribution in bytes for each group, version, verb, resource, subresource, scope and"
                        + " component.", Histogram.exponential(1000, 10, 7),
                "verb", "group", "version", "resource", "subresource", "scope", "component"));
        watchEvents = registry.register(new Counter("apiserver_watch_events_total", Stability.ALPHA,
                "Number of events sent in watch clients", "group", "version", "kind"));
        watchEventSizes = registry.register(new Histogram("apiserver_watch_events_sizes", Stability.ALPHA,
                "Watch event size distribution in bytes", Histogram.exponential(1024, 2, 8), "group", "version", "kind"));
    }

    /** A finished request: its count, latency and, for reads, the size of what was sent. */
    public void request(Labels labels, int code, long nanos, long responseBytes) {
        requests.inc(labels.verb(), labels.dryRun(), labels.group(), labels.version(), labels.resource(),
                labels.subresource(), labels.scope(), labels.component(), Integer.toString(code));
        latencies.observe(nanos / 1e9, labels.verb(), labels.dryRun(), labels.group(), labels.version(), labels.resource(),
                labels.subresource(), labels.scope(), labels.component());
        if (labels.verb().equals("GET") || labels.verb().equals("LIST")) {
            responseSizes.observe(responseBytes, labels.verb(), labels.group(), labels.version(), labels.resource(),
                    labels.subresource(), labels.scope(), labels.component());
        }
    }

    /** A watch (or other stream) opened; {@link #longRunningEnded} when it closes. */
    public void longRunningStarted(Labels labels) {
        longRunning.inc(labels.verb(), labels.group(), labels.version(), labels.resource(), labels.subresource(),
                labels.scope(), labels.component());
    }

    public void longRunningEnded(Labels labels) {
        longRunning.dec(labels.verb(), labels.group(), labels.version(), labels.resource(), labels.subresource(),
                labels.scope(), labels.component());
    }

    public void watchEvent(String group, String version, String kind, int bytes) {
        watchEvents.inc(group, version, kind);
        watchEventSizes.observe(bytes, group, version, kind);
    }
}
