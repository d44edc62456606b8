package dev.kj.api.informers;

import dev.kj.api.client.ResourceClient;
import dev.kj.api.client.WatchEvent;
import dev.kj.api.objects.ObjectCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A cache of one resource kept current by list + watch (client-go's sharedIndexInformer), shared
 * by every handler that wants the resource. The {@link Reflector} applies each list and event to
 * the {@link Indexer} and hands the resulting notifications to every handler's {@link Listener}
 * under one lock, so a handler added at any time sees the cache's contents exactly once and then
 * every change after them. Deltas go straight from the reflector to the cache: with a queue per
 * handler, client-go's DeltaFIFO between the two has nothing left to decouple.
 */
public final class SharedInformer<T> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SharedInformer.class.getName());

    private final String name;
    private final ObjectCodec<T> codec;
    private final Indexer<T> indexer;
    private final InformerOptions options;
    private final Reflector<T> reflector;
    /** Guards applying changes to the cache together with queueing their notifications, and the listener list. */
    private final ReentrantLock distribution = new ReentrantLock();
    private final List<Listener<T>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private volatile boolean started;
    private volatile boolean closed;
    private Thread resyncThread;

    SharedInformer(ResourceClient<T> client, InformerOptions options) {
        this.name = client.resource().toString();
        this.codec = client.codec();
        this.indexer = new Indexer<>(codec);
        this.options = options;
        this.reflector = new Reflector<>(name, client, options, this);
    }

    /** The cache. Read-only for callers; empty until {@link #hasSynced()}. */
    public Indexer<T> indexer() {
        return indexer;
    }

    /**
     * Adds a handler. It is first told of every cached object as an add (with
     * {@code initialList}), then of every change, in order.
     */
    public Registration addEventHandler(EventHandler<T> handler) {
        distribution.lock();
        try {
            if (closed) {
                throw new IllegalStateException("informer for " + name + " is closed");
            }
            Listener<T>[] self = newListenerHolder();
            Listener<T> listener = new Listener<>("informer-" + name + "-handler-" + listeners.size(), handler,
                    () -> listeners.remove(self[0]));
            self[0] = listener;
            for (T object : indexer.list()) {
                listener.add(new Listener.Add<>(object, true));
            }
            if (hasSynced()) {
                listener.add(new Listener.Synced<>());
            }
            listeners.add(listener);
            listener.start();
            return listener;
        } finally {
            distribution.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Listener<T>[] newListenerHolder() {
        return (Listener<T>[]) new Listener<?>[1];
    }

    /** Starts listing and watching (once; later calls do nothing). */
    public void start() {
        distribution.lock();
        try {
            if (started || closed) {
                return;
            }
            started = true;
            reflector.start();
            if (!options.resync().isZero()) {
                resyncThread = Thread.ofVirtual().name("informer-" + name + "-resync").start(this::resyncLoop);
            }
        } finally {
            distribution.unlock();
        }
    }

    /** True once the first complete list is in the cache. */
    public boolean hasSynced() {
        return synced.getCount() == 0;
    }

    /** Waits until {@link #hasSynced()}; false on timeout. */
    public boolean waitForSync(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The resourceVersion of the newest list, event or bookmark applied ("" before the first list). */
    public String lastSyncResourceVersion() {
        return reflector.lastSyncResourceVersion();
    }

    // ---- called by the reflector, one call at a time ----

    /** A complete list: the cache becomes exactly these objects. */
    void replace(List<T> objects) {
        distribution.lock();
        try {
            boolean initial = !hasSynced();
            Set<String> listed = new HashSet<>();
            for (T object : objects) {
                listed.add(codec.key(object));
                T old = indexer.put(object);
                notifyAll(old == null ? new Listener.Add<>(object, initial) : new Listener.Update<>(old, object));
            }
            for (String key : indexer.keys()) {
                if (!listed.contains(key)) {
                    T gone = indexer.remove(key);
                    if (gone != null) {
                        notifyAll(new Listener.Delete<>(gone, true));
                    }
                }
            }
            if (initial) {
                synced.countDown();
                notifyAll(new Listener.Synced<>());
            }
        } finally {
            distribution.unlock();
        }
    }

    /** One watch event (never a bookmark or an error). */
    void apply(WatchEvent<T> event) {
        distribution.lock();
        try {
            switch (event) {
                case WatchEvent.Added<T> added -> upsert(added.object());
                case WatchEvent.Modified<T> modified -> upsert(modified.object());
                case WatchEvent.Deleted<T> deleted -> {
                    indexer.remove(codec.key(deleted.object()));
                    notifyAll(new Listener.Delete<>(deleted.object(), false));
                }
                case WatchEvent.Bookmark<T> bookmark -> { }
                case WatchEvent.Error<T> error -> { }
            }
        } finally {
            distribution.unlock();
        }
    }

    private void upsert(T object) {
        T old = indexer.put(object);
        notifyAll(old == null ? new Listener.Add<>(object, false) : new Listener.Update<>(old, object));
    }

    private void notifyAll(Listener.Notification<T> notification) {
        for (Listener<T> listener : listeners) {
            listener.add(notification);
        }
    }

    private void resyncLoop() {
        try {
            while (!closed) {
                Thread.sleep(options.resync());
                distribution.lock();
                try {
                    if (hasSynced()) {
                        for (T object : indexer.list()) {
                            notifyAll(new Listener.Update<>(object, object));
                        }
                    }
                } finally {
                    distribution.unlock();
                }
            }
        } catch (InterruptedException stopped) {
            // closing
        }
    }

    /** Stops the reflector and every handler's thread. */
    @Override
    public void close() {
        List<Listener<T>> stopping;
        distribution.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stopping = new ArrayList<>(listeners);
            listeners.clear();
        } finally {
            distribution.unlock();
        }
        reflector.stop();
        if (resyncThread != null) {
            resyncThread.interrupt();
        }
        stopping.forEach(Listener::stop);
        LOG.log(System.Logger.Level.DEBUG, "informer for {0} stopped", name);
    }
}
