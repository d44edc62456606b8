package dev.kj.apiserver.registry.core.event;

import dev.kj.apiserver.registry.Strategy;
import java.time.Duration;

/** Events expire: every write re-arms a lease of --event-ttl, as upstream stores them. */
public final class EventStrategy implements Strategy {
    private final Duration ttl;

    public EventStrategy(Duration ttl) {
        this.ttl = ttl;
    }

    @Override
    public Duration timeToLive() {
        return ttl;
    }
}
