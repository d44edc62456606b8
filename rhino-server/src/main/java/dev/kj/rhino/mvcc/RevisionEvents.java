package dev.kj.rhino.mvcc;

import dev.kj.rhino.api.mvccpb.Event;
import java.util.List;

/**
 * The events one committed revision produced, in write order, each with its previous KV, unless
 * {@code previousOmitted}: then its DELETE events carry none (a large DeleteRange did not load
 * every previous value), and a watcher that wants them reads the revision back from history.
 */
public record RevisionEvents(long revision, List<Event> events, boolean previousOmitted) {
    public RevisionEvents {
        events = List.copyOf(events);
    }

    public RevisionEvents(long revision, List<Event> events) {
        this(revision, events, false);
    }
}
