package dev.kj.apiserver.storage.cacher;

import dev.kj.apiserver.metrics.Counter;
import dev.kj.apiserver.metrics.Gauge;
import dev.kj.apiserver.metrics.Metric;
import dev.kj.apiserver.metrics.MetricsRegistry;

/** The watch cache's series, under upstream's apiserver_watch_cache_* names; labelled by resource. */
public final class CacherMetrics {
    final Counter received;
    final Counter dispatched;
    final Counter initializations;
    final Gauge resourceVersion;
    final Counter terminatedWatchers;
    final Counter consistentReads;

    public CacherMetrics(MetricsRegistry registry) {
        received = registry.register(new Counter("apiserver_watch_cache_events_received_total", Metric.Stability.BETA,
                "Counter of events received in watch cache broken by resource type.", "resource"));
        dispatched = registry.register(new Counter("apiserver_watch_cache_events_dispatched_total", Metric.Stability.BETA,
                "Counter of events dispatched in watch cache broken by resource type.", "resource"));
        initializations = registry.register(new Counter("apiserver_watch_cache_initializations_total",
                Metric.Stability.BETA, "Counter of watch cache initializations broken by resource type.", "resource"));
        resourceVersion = registry.register(new Gauge("apiserver_watch_cache_resource_version", Metric.Stability.ALPHA,
                "Current resource version of watch cache broken by resource type.", "resource"));
        terminatedWatchers = registry.register(new Counter("apiserver_terminated_watchers_total", Metric.Stability.ALPHA,
                "Counter of watchers closed due to unresponsiveness broken by resource type.", "resource"));
        consistentReads = registry.register(new Counter("apiserver_watch_cache_consistent_read_total",
                Metric.Stability.ALPHA, "Counter for consistent reads from cache.", "fallback", "resource", "success"));
    }

    /** For caches nobody scrapes (tests). */
    public static CacherMetrics unregistered() {
        return new CacherMetrics(new MetricsRegistry());
    }
}
