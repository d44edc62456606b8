package dev.kj.apiserver.storage;

import java.util.List;

/**
 * One page of a prefix listing.
 *
 * @param revision the store revision the page was read at (continuations read at the same one)
 * @param more     whether keys remain after the last item
 */
public record ListPage(List<StoredValue> items, long revision, boolean more) {
    public ListPage {
        items = List.copyOf(items);
    }
}
