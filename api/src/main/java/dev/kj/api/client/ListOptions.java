package dev.kj.api.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metav1.ListOptions for list, watch and deletecollection. Empty strings and nulls are left out
 * of the query.
 *
 * @param resourceVersion      "" (most recent, a quorum read), "0" (any) or a version
 * @param resourceVersionMatch "", NotOlderThan or Exact
 * @param limit                page size; 0 for no limit
 * @param timeoutSeconds       how long a watch may last; null for the server's default
 * @param sendInitialEvents    WatchList: start a watch with the current state; null to leave out
 */
public record ListOptions(String labelSelector, String fieldSelector, String resourceVersion,
                          String resourceVersionMatch, long limit, String continueToken, Integer timeoutSeconds,
                          boolean allowWatchBookmarks, Boolean sendInitialEvents) {
    public static final ListOptions NONE = new ListOptions("", "", "", "", 0, "", null, false, null);

    public ListOptions {
        labelSelector = labelSelector == null ? "" : labelSelector;
        fieldSelector = fieldSelector == null ? "" : fieldSelector;
        resourceVersion = resourceVersion == null ? "" : resourceVersion;
        resourceVersionMatch = resourceVersionMatch == null ? "" : resourceVersionMatch;
        continueToken = continueToken == null ? "" : continueToken;
    }

    public ListOptions withLabelSelector(String selector) {
        return new ListOptions(selector, fieldSelector, resourceVersion, resourceVersionMatch, limit, continueToken,
                timeoutSeconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withFieldSelector(String selector) {
        return new ListOptions(labelSelector, selector, resourceVersion, resourceVersionMatch, limit, continueToken,
                timeoutSeconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withResourceVersion(String version) {
        return new ListOptions(labelSelector, fieldSelector, version, resourceVersionMatch, limit, continueToken,
                timeoutSeconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withResourceVersionMatch(String match) {
        return new ListOptions(labelSelector, fieldSelector, resourceVersion, match, limit, continueToken,
                timeoutSeconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withLimit(long pageSize) {
        return new ListOptions(labelSelector, fieldSelector, resourceVersion, resourceVersionMatch, pageSize,
                continueToken, timeoutSeconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withContinue(String token) {
        return new ListOptions(labelSelector, fieldSelector, resourceVersion, resourceVersionMatch, limit, token,
                timeoutSeconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withTimeoutSeconds(Integer seconds) {
        return new ListOptions(labelSelector, fieldSelector, resourceVersion, resourceVersionMatch, limit,
                continueToken, seconds, allowWatchBookmarks, sendInitialEvents);
    }

    public ListOptions withAllowWatchBookmarks(boolean allow) {
        return new ListOptions(labelSelector, fieldSelector, resourceVersion, resourceVersionMatch, limit,
                continueToken, timeoutSeconds, allow, sendInitialEvents);
    }

    public ListOptions withSendInitialEvents(Boolean send) {
        return new ListOptions(labelSelector, fieldSelector, resourceVersion, resourceVersionMatch, limit,
                continueToken, timeoutSeconds, allowWatchBookmarks, send);
    }

    /** The query parameters, named as upstream's (watch itself is added by the client). */
    Map<String, List<String>> query() {
        Map<String, List<String>> query = new LinkedHashMap<>();
        put(query, "labelSelector", labelSelector);
        put(query, "fieldSelector", fieldSelector);
        put(query, "resourceVersion", resourceVersion);
        put(query, "resourceVersionMatch", resourceVersionMatch);
        if (limit > 0) {
            put(query, "limit", Long.toString(limit));
        }
        put(query, "continue", continueToken);
        if (timeoutSeconds != null) {
            put(query, "timeoutSeconds", timeoutSeconds.toString());
        }
        if (allowWatchBookmarks) {
            put(query, "allowWatchBookmarks", "true");
        }
        if (sendInitialEvents != null) {
            put(query, "sendInitialEvents", sendInitialEvents.toString());
        }
        return query;
    }

    private static void put(Map<String, List<String>> query, String name, String value) {
        if (!value.isEmpty()) {
            query.put(name, List.of(value));
        }
    }
}
