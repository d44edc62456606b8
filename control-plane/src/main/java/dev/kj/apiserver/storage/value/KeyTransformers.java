package dev.kj.apiserver.storage.value;

import java.util.Map;

/**
 * The transformer of each stored key, by the resource whose key prefix it has (upstream gives each
 * resource's store its own transformer). Keys of no resource (the compaction key, health checks)
 * have none and are stored as they are.
 */
public final class KeyTransformers {
    /** Every key stored as it is, with no check (storage used without the API server's resources). */
    public static final KeyTransformers NONE = new KeyTransformers(Map.of());

    private final Map<String, Transformer> byPrefix;

    /** @param byPrefix key prefix ending in '/' ("/registry/secrets/"), or a whole key, → its resource's transformer */
    public KeyTransformers(Map<String, Transformer> byPrefix) {
        this.byPrefix = Map.copyOf(byPrefix);
    }

    /** The transformer of {@code key}'s resource (the longest prefix that names one), or null. */
    public Transformer forKey(String key) {
        if (byPrefix.isEmpty()) {
            return null;
        }
        Transformer found = byPrefix.get(key); // single-key stores (the service range allocations)
        if (found != null) {
            return found;
        }
        for (int slash = key.indexOf('/', 1); slash >= 0; slash = key.indexOf('/', slash + 1)) {
            Transformer transformer = byPrefix.get(key.substring(0, slash + 1));
            if (transformer != null) {
                found = transformer;
            }
        }
        return found;
    }
}
