package dev.kj.rhino.mvcc;

import dev.kj.rhino.api.mvccpb.Event;
import java.util.List;

/** The events one committed revision produced, in write order, each with its previous KV. */
public record RevisionEvents(long revision, List<Event> events) {
    public RevisionEvents {
        events = List.copyOf(events);
    }
}
