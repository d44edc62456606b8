package dev.kj.api.informers;

import dev.kj.api.client.ListOptions;
import java.time.Duration;

/**
 * How a factory's informers list and watch.
 *
 * @param namespace       null for all namespaces (and for cluster-scoped resources)
 * @param selection       label and field selectors every list and watch carries; other fields are ignored
 * @param resync          how often handlers are told of every cached object again as an update (a
 *                        safety net for handlers that act on external state); zero turns it off
 * @param pageSize        items per page of a list from the server's newest state (client-go: 500)
 * @param minWatchTimeout a watch asks the server to end it after a random time in [this, twice this]
 *                        so watches are spread over servers and never hang (client-go: 5 minutes)
 * @param backoffInitial  the first pause before relisting after a failure; it doubles with jitter
 *                        up to {@code backoffCap} and starts over after two quiet minutes
 */
public record InformerOptions(String namespace, ListOptions selection, Duration resync, int pageSize,
                              Duration minWatchTimeout, Duration backoffInitial, Duration backoffCap) {
    public static final InformerOptions DEFAULTS = new InformerOptions(null, ListOptions.NONE, Duration.ZERO, 500,
            Duration.ofMinutes(5), Duration.ofMillis(800), Duration.ofSeconds(30));

    public InformerOptions {
        selection = ListOptions.NONE.withLabelSelector(selection.labelSelector()).withFieldSelector(selection.fieldSelector());
        if (resync.isNegative() || pageSize < 0 || minWatchTimeout.toSeconds() < 1 || backoffInitial.isNegative()
                || backoffCap.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException("invalid informer options " + this);
        }
    }

    public InformerOptions inNamespace(String ns) {
        return new InformerOptions(ns, selection, resync, pageSize, minWatchTimeout, backoffInitial, backoffCap);
    }

    public InformerOptions withSelection(ListOptions labelsAndFields) {
        return new InformerOptions(namespace, labelsAndFields, resync, pageSize, minWatchTimeout, backoffInitial, backoffCap);
    }

    public InformerOptions withResync(Duration period) {
        return new InformerOptions(namespace, selection, period, pageSize, minWatchTimeout, backoffInitial, backoffCap);
    }

    public InformerOptions withPageSize(int items) {
        return new InformerOptions(namespace, selection, resync, items, minWatchTimeout, backoffInitial, backoffCap);
    }

    public InformerOptions withMinWatchTimeout(Duration timeout) {
        return new InformerOptions(namespace, selection, resync, pageSize, timeout, backoffInitial, backoffCap);
    }

    public InformerOptions withBackoff(Duration initial, Duration cap) {
        return new InformerOptions(namespace, selection, resync, pageSize, minWatchTimeout, initial, cap);
    }
}
