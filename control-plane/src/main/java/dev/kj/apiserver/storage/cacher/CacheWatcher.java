package dev.kj.apiserver.storage.cacher;

import dev.kj.apiserver.storage.Selection;
import dev.kj.apiserver.storage.StorageEvent;
import dev.kj.apiserver.storage.Watch;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * One client watch served by a {@link Cacher} (upstream's cacheWatcher): the cacher offers it
 * events without ever waiting; its own virtual thread hands them to the client. A watcher whose
 * queue is full is ended, so one slow reader never holds up the others; its client watches again
 * from the last version it saw, which the cache's window usually still holds.
 */
final class CacheWatcher implements Watch {
    private final String prefix;
    private final Selection selection;
    private final boolean bookmarks;
    private final BlockingQueue<StorageEvent> queue;
    private final Consumer<StorageEvent> events;
    private final Consumer<CacheWatcher> forget;
    private volatile boolean done;
    private Thread thread;

    CacheWatcher(String prefix, Selection selection, boolean bookmarks, int buffer, Consumer<StorageEvent> events,
                 Consumer<CacheWatcher> forget) {
        this.prefix = prefix;
        this.selection = selection;
        this.bookmarks = bookmarks;
        this.queue = new ArrayBlockingQueue<>(buffer + 1); // one place kept for the final Terminated
        this.events = events;
        this.forget = forget;
    }

    /** Whether the event concerns this watch: under its prefix, and selected before or after the change. */
    boolean wants(Cacher.CachedEvent event) {
        if (!event.key().startsWith(prefix)) {
            return false;
        }
        if (selection == Selection.EVERYTHING) {
            return true;
        }
        return selected(event.current()) || selected(event.previous());
    }

    private boolean selected(Cacher.Entry entry) {
        return entry != null && (entry.attributes() == null || selection.matches(entry.attributes()));
    }

    /** Starts delivering: {@code initial} first, then what is offered. */
    void start(List<StorageEvent> initial) {
        thread = Thread.ofVirtual().name("watch-cache-watcher").start(() -> run(initial));
    }

    /** Queues an event; false when the queue is full (the watcher must then be ended). */
    boolean offer(StorageEvent event) {
        return done || queue.remainingCapacity() > 1 && queue.offer(event);
    }

    void bookmark(long revision) {
        if (bookmarks && !done && queue.remainingCapacity() > 1) {
            queue.offer(new StorageEvent.Bookmark(revision, false)); // a bookmark that does not fit is skipped
        }
    }

    /** Ends the watch: the client is told (its stream ends) once what is queued is dropped. */
    void terminate(String reason) {
        if (!done) {
            done = true;
            queue.clear();
            queue.offer(new StorageEvent.Terminated(reason));
        }
    }

    private void run(List<StorageEvent> initial) {
        try {
            for (StorageEvent event : initial) {
                if (done) {
                    break;
                }
                events.accept(event);
            }
            while (true) {
                StorageEvent event = queue.take();
                if (event instanceof StorageEvent.Terminated) {
                    events.accept(event);
                    return;
                }
                if (!done) {
                    events.accept(event);
                }
            }
        } catch (InterruptedException e) {
            // closed by the client
        }
    }

    @Override
    public void close() {
        done = true;
        forget.accept(this);
        if (thread != null) {
            thread.interrupt();
        }
    }
}
