package dev.kj.api.informers;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * One handler's queue and thread (client-go's processorListener): notifications are queued
 * without bound, in order, and delivered on the listener's virtual thread, so a slow handler never
 * holds up the informer or other handlers. A failing handler is logged and keeps getting events.
 */
final class Listener<T> implements Registration {
    private static final System.Logger LOG = System.getLogger(Listener.class.getName());

    sealed interface Notification<T> {
    }

    record Add<T>(T object, boolean initialList) implements Notification<T> {
    }

    record Update<T>(T old, T current) implements Notification<T> {
    }

    record Delete<T>(T lastKnown, boolean finalStateUnknown) implements Notification<T> {
    }

    /** Everything of the initial state has been queued before this. */
    record Synced<T>() implements Notification<T> {
    }

    record Stop<T>() implements Notification<T> {
    }

    private final EventHandler<T> handler;
    private final LinkedBlockingQueue<Notification<T>> queue = new LinkedBlockingQueue<>();
    private final Runnable onRemove;
    private final Thread thread;
    private volatile boolean synced;
    private volatile boolean removed;

    Listener(String name, EventHandler<T> handler, Runnable onRemove) {
        this.handler = handler;
        this.onRemove = onRemove;
        this.thread = Thread.ofVirtual().name(name).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    void add(Notification<T> notification) {
        if (!removed) {
            queue.add(notification);
        }
    }

    private void run() {
        while (true) {
            Notification<T> next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (removed || next instanceof Stop<T>) {
                return;
            }
            try {
                switch (next) {
                    case Add<T> add -> handler.onAdd(add.object(), add.initialList());
                    case Update<T> update -> handler.onUpdate(update.old(), update.current());
                    case Delete<T> delete -> handler.onDelete(delete.lastKnown(), delete.finalStateUnknown());
                    case Synced<T> marker -> synced = true;
                    case Stop<T> stop -> {
                        return;
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "event handler " + thread.getName() + " failed", e);
            }
        }
    }

    @Override
    public boolean hasSynced() {
        return synced;
    }

    @Override
    public void remove() {
        if (!removed) {
            removed = true;
            queue.clear();
            queue.add(new Stop<>());
            onRemove.run();
        }
    }

    void stop() {
        queue.add(new Stop<>());
    }
}
