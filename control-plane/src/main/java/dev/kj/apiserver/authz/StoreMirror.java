package dev.kj.apiserver.authz;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ListOptions;
import dev.kj.apiserver.registry.WatchEvent;
import dev.kj.apiserver.selection.FieldSelector;
import dev.kj.apiserver.selection.LabelSelector;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every object of one resource kept in memory from the watch cache (list, then watch from the
 * list's revision; listed again when the watch ends), as an authorizer's informer: decisions
 * read this copy, never storage. {@code onChange} runs after each change is applied.
 */
public final class StoreMirror implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StoreMirror.class.getName());

    private final GenericStore store;
    private final Runnable onChange;
    private final Map<String, ObjectNode> objects = new ConcurrentHashMap<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile dev.kj.apiserver.storage.Watch watch;
    private final Thread thread;

    public StoreMirror(GenericStore store, Runnable onChange) {
        this.store = store;
        this.onChange = onChange;
        this.thread = Thread.ofVirtual().name("authz-mirror-" + store.resource().plural()).start(this::run);
    }

    private void run() {
        while (!closed.get()) {
            CountDownLatch ended = new CountDownLatch(1);
            try {
                ObjectNode list = store.list(null, ListOptions.EVERYTHING);
                Map<String, ObjectNode> fresh = new java.util.HashMap<>();
                list.path("items").forEach(item -> fresh.put(key((ObjectNode) item), (ObjectNode) item));
                objects.keySet().retainAll(fresh.keySet());
                objects.putAll(fresh);
                onChange.run();
                synced.countDown();
                String revision = list.path("metadata").path("resourceVersion").asText();
                watch = store.watch(null, new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING, revision,
                        "", 0, ""), event -> {
                    switch (event) {
                        case WatchEvent.Added added -> put(added.object());
                        case WatchEvent.Modified modified -> put(modified.object());
                        case WatchEvent.Deleted deleted -> {
                            objects.remove(key(deleted.object()));
                            onChange.run();
                        }
                        case WatchEvent.End end -> ended.countDown();
                        case WatchEvent.Error error -> ended.countDown();
                        default -> { }
                    }
                });
                if (closed.get()) {
                    watch.close();
                    return;
                }
                ended.await();
                watch.close();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "listing " + store.resource().plural() + " again: " + e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void put(ObjectNode object) {
        objects.put(key(object), object);
        onChange.run();
    }

    private static String key(ObjectNode object) {
        return object.path("metadata").path("namespace").asText() + "/" + object.path("metadata").path("name").asText();
    }

    public Collection<ObjectNode> objects() {
        return objects.values();
    }

    public ObjectNode get(String namespace, String name) {
        return objects.get((namespace == null ? "" : namespace) + "/" + name);
    }

    /** Waits for the first list (a server answers requests only once its authorizer has its data). */
    public boolean awaitSynced(long seconds) throws InterruptedException {
        return synced.await(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        closed.set(true);
        dev.kj.apiserver.storage.Watch current = watch;
        if (current != null) {
            current.close();
        }
        thread.interrupt();
    }
}
