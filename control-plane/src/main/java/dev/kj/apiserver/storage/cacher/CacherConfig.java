package dev.kj.apiserver.storage.cacher;

import java.time.Duration;

/**
 * @param windowCapacity   how many recent events each resource keeps for watches that start in the past
 * @param watcherBuffer    how many events may wait for one slow watcher before it is ended
 * @param bookmarkInterval how often watchers that allow bookmarks get one (upstream: about a minute)
 * @param freshnessWait    how long a read waits for the cache to reach a revision (upstream: 3 s)
 */
public record CacherConfig(int windowCapacity, int watcherBuffer, Duration bookmarkInterval, Duration freshnessWait) {
    public static final CacherConfig DEFAULT = new CacherConfig(10_000, 1_000, Duration.ofMinutes(1), Duration.ofSeconds(3));

    public CacherConfig {
        if (windowCapacity < 1 || watcherBuffer < 1) {
            throw new IllegalArgumentException("window and buffer sizes must be positive");
        }
    }
}
