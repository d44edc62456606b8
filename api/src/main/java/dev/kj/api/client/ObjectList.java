package dev.kj.api.client;

import java.util.List;

/**
 * One list answer: its items and list metadata.
 *
 * @param continueToken      "" on the last page
 * @param remainingItemCount null when the server did not say
 */
public record ObjectList<T>(List<T> items, String resourceVersion, String continueToken, Long remainingItemCount) {
    public ObjectList {
        items = List.copyOf(items);
        continueToken = continueToken == null ? "" : continueToken;
    }
}
