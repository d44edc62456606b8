package dev.kj.apiserver.registry;

import dev.kj.apiserver.selection.FieldSelector;
import dev.kj.apiserver.selection.LabelSelector;

/**
 * metav1.ListOptions as the store uses them.
 *
 * @param resourceVersion      "" (newest), "0" (any) or a revision
 * @param resourceVersionMatch "", NotOlderThan or Exact
 * @param limit                0 for no limit
 * @param continueToken        from a previous page, or ""
 * @param allowWatchBookmarks  watches: whether BOOKMARK events may be sent
 * @param sendInitialEvents    watches: null (unset), or whether the stream starts with the current
 *                             state and a bookmark marking its end (upstream's WatchList)
 */
public record ListOptions(LabelSelector labels, FieldSelector fields, String resourceVersion,
                          String resourceVersionMatch, long limit, String continueToken,
                          boolean allowWatchBookmarks, Boolean sendInitialEvents) {
    public static final ListOptions EVERYTHING =
            new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING, "", "", 0, "");

    public ListOptions(LabelSelector labels, FieldSelector fields, String resourceVersion,
                       String resourceVersionMatch, long limit, String continueToken) {
        this(labels, fields, resourceVersion, resourceVersionMatch, limit, continueToken, false, null);
    }
}
