package dev.kj.api.controller;

import dev.kj.api.workqueue.WorkQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Runs a controller's workers (the loop of upstream's controllers): once every cache it reads has
 * synced, {@code workers} virtual threads loop get → sync → forget (success) or addRateLimited
 * (failure) → done. The queue guarantees a key is never synced by two workers at once.
 */
public final class Controller<K> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Controller.class.getName());

    private final String name;
    private final WorkQueue<K> queue;
    private final Reconciler<K> reconciler;
    private final int workers;
    private final List<BooleanSupplier> cachesSynced;
    private volatile boolean closed;

    /**
     * @param cachesSynced the {@code hasSynced} of every informer (or handler registration) whose
     *                     cache {@code reconciler} reads; workers start once all are true
     */
    public Controller(String name, WorkQueue<K> queue, Reconciler<K> reconciler, int workers,
                      List<BooleanSupplier> cachesSynced) {
        if (workers < 1) {
            throw new IllegalArgumentException("a controller needs at least one worker");
        }
        this.name = name;
        this.queue = queue;
        this.reconciler = reconciler;
        this.workers = workers;
        this.cachesSynced = List.copyOf(cachesSynced);
    }

    public WorkQueue<K> queue() {
        return queue;
    }

    /** Waits for the caches, then runs the workers until {@link #close()}; returns when they have stopped. */
    public void run() throws InterruptedException {
        LOG.log(System.Logger.Level.INFO, "starting controller {0}", name);
        while (!closed && !cachesSynced.stream().allMatch(BooleanSupplier::getAsBoolean)) {
            Thread.sleep(100); // client-go's WaitForCacheSync polls every 100 ms too
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < workers && !closed; i++) {
            threads.add(Thread.ofVirtual().name(name + "-worker-" + i).start(this::work));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        LOG.log(System.Logger.Level.INFO, "controller {0} stopped", name);
    }

    private void work() {
        while (true) {
            Optional<K> next;
            try {
                next = queue.get();
            } catch (InterruptedException e) {
                return;
            }
            if (next.isEmpty()) {
                return;
            }
            K key = next.get();
            try {
                reconciler.sync(key);
                queue.forget(key);
            } catch (Requeue requeue) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1} again later: {2}", name, key, requeue.getMessage());
                if (requeue.delay() == null) {
                    queue.addRateLimited(key);
                } else {
                    queue.addAfter(key, requeue.delay());
                }
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.log(System.Logger.Level.WARNING, "{0}: syncing {1} failed (retry {2}): {3}", name, key,
                        queue.numRequeues(key) + 1, e.toString());
                queue.addRateLimited(key);
            } finally {
                queue.done(key);
            }
        }
    }

    /** Stops taking work; syncs in progress finish (waiting up to 30 s for them). */
    @Override
    public void close() {
        closed = true;
        try {
            queue.shutDownWithDrain(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
