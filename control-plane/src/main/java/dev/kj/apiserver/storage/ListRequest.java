package dev.kj.apiserver.storage;

/**
 * A list as the registry asks storage for it.
 *
 * @param startKey  the first key to return (inclusive), or null for the prefix itself
 * @param limit     at most this many matching items (0: all)
 * @param freshness how recent the state must be
 * @param revision  the revision {@link Freshness#NOT_OLDER_THAN} and {@link Freshness#EXACT} name
 * @param selection which objects the caller wants (a hint: callers still check each item)
 */
public record ListRequest(String startKey, long limit, Freshness freshness, long revision, Selection selection) {
    /** Everything under a prefix at exactly {@code revision} (0: the newest), as etcd's range. */
    public static ListRequest exact(String startKey, long limit, long revision) {
        return new ListRequest(startKey, limit, revision == 0 ? Freshness.CONSISTENT : Freshness.EXACT, revision,
                Selection.EVERYTHING);
    }
}
