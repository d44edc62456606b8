package dev.kj.rhino.watch;

import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.backend.KeyRange;

/**
 * One watch on a stream. A watcher is either synced (the hub hands it each committed revision as
 * it happens) or unsynced (a catch-up task reads history from {@code nextRevision} until it
 * reaches the present, then hands it back to the hub). State changes happen under the hub's lock.
 */
final class Watcher {
    enum State { UNSYNCED, SYNCED, CANCELED }

    final long id;
    final WatchStream stream;
    final KeyRange range;
    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean progressNotify;
    final boolean fragment;

    /** The next revision this watcher must deliver (meaningful while unsynced). */
    long nextRevision;
    State state = State.UNSYNCED;

    Watcher(long id, WatchStream stream, KeyRange range, boolean noPut, boolean noDelete,
            boolean prevKv, boolean progressNotify, boolean fragment, long nextRevision) {
        this.id = id;
        this.stream = stream;
        this.range = range;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.fragment = fragment;
        this.nextRevision = nextRevision;
    }

    /** The event as this watcher sees it, or null when filtered out. */
    Event view(Event event) {
        if (!range.contains(event.getKv().getKey())) {
            return null;
        }
        boolean put = event.getType() == Event.EventType.PUT;
        if ((put && noPut) || (!put && noDelete)) {
            return null;
        }
        return prevKv || !event.hasPrevKv() ? event : event.toBuilder().clearPrevKv().build();
    }
}
