package dev.kj.apiserver.storage;

/**
 * A watch as the registry asks storage for it.
 *
 * @param start            where the stream begins
 * @param revision         {@link Start#AFTER}: events after this revision; {@link Start#STATE} with
 *                         {@link Freshness#NOT_OLDER_THAN}: the state is at least this recent
 * @param freshness        for {@link Start#STATE}: how recent the initial state must be
 * @param initialEventsEnd for {@link Start#STATE}: follow the state with a {@link StorageEvent.Bookmark}
 *                         marking its end (upstream's sendInitialEvents=true)
 * @param bookmarks        whether periodic {@link StorageEvent.Bookmark}s are wanted (allowWatchBookmarks)
 * @param selection        which objects the caller wants (a hint: callers still check each event)
 */
public record WatchRequest(Start start, long revision, Freshness freshness, boolean initialEventsEnd,
                           boolean bookmarks, Selection selection) {
    public enum Start {
        /** Every event after {@code revision}. */
        AFTER,
        /** A Put (without previous value) per existing object, then every later event. */
        STATE,
        /** Only events after the current state, none for what exists. */
        NOW
    }

    public static WatchRequest after(long revision) {
        return new WatchRequest(Start.AFTER, revision, Freshness.EXACT, false, false, Selection.EVERYTHING);
    }
}
