package dev.kj.controllers;

import dev.kj.api.controller.Controller;
import dev.kj.api.controller.Reconciler;
import dev.kj.api.informers.Registration;
import dev.kj.api.workqueue.WorkQueue;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A controller in upstream's shape: informer handlers feed a work queue that a pool of workers
 * drains. The subclass builds both in its constructor and hands them over with {@link #runs};
 * running and closing them is the same for every such controller.
 */
public abstract class QueueController implements ManagedController {
    private final String name;
    private Controller<?> controller;
    private List<Registration> registrations = List.of();

    protected QueueController(String name) {
        this.name = name;
    }

    /**
     * Called once, at the end of the subclass's constructor: {@code workers} threads run
     * {@code reconciler} on {@code queue}'s keys once every handler in {@code feeds} has synced.
     */
    protected final <K> void runs(WorkQueue<K> queue, Reconciler<K> reconciler, int workers, Registration... feeds) {
        if (this.controller != null) {
            throw new IllegalStateException(name + " is already wired");
        }
        this.registrations = List.of(feeds);
        List<BooleanSupplier> synced = registrations.stream().<BooleanSupplier>map(feed -> feed::hasSynced).toList();
        this.controller = new Controller<>(name, queue, reconciler, workers, synced);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public void run() throws InterruptedException {
        controller.run();
    }

    /** Stops the workers, then detaches the handlers from the shared informers. */
    @Override
    public void close() {
        controller.close();
        registrations.forEach(Registration::remove);
    }
}
