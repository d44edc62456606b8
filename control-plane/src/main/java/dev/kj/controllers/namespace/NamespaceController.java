package dev.kj.controllers.namespace;

import dev.kj.api.Resources;
import dev.kj.api.controller.Controller;
import dev.kj.api.controller.Requeue;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.InformerFactory;
import dev.kj.api.informers.InformerOptions;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.BucketRateLimiter;
import dev.kj.api.workqueue.ItemExponentialFailureRateLimiter;
import dev.kj.api.workqueue.MaxOfRateLimiter;
import dev.kj.api.workqueue.Ticker;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.ManagedController;
import io.fabric8.kubernetes.api.model.Namespace;
import java.time.Duration;
import java.util.List;

/**
 * Empties namespaces being deleted and then releases them (upstream's NamespaceController):
 * namespaces with a deletionTimestamp are queued, each a few seconds after its change was seen, so
 * every API server has observed the deletion and late creates have landed; the
 * {@link NamespacedResourcesDeleter} does the work, and a namespace whose content is still going
 * comes back after about half the time the content needs.
 */
public final class NamespaceController implements ManagedController {
    public static final String NAME = "namespace-controller";
    /** upstream's namespaceDeletionGracePeriod. */
    static final Duration DELETION_GRACE = Duration.ofSeconds(5);
    /** upstream's --concurrent-namespace-syncs and --namespace-sync-period defaults. */
    static final int WORKERS = 10;
    static final Duration RESYNC = Duration.ofMinutes(5);

    private final InformerFactory informers;
    private final SharedInformer<Namespace> namespaces;
    private final Registration registration;
    private final Controller<String> controller;
    private final NamespacedResourcesDeleter deleter;

    public NamespaceController(ControllerContext context) {
        // its own factory: namespaces are resynced every 5 minutes as a safety net
        this.informers = new InformerFactory(context.client(), InformerOptions.DEFAULTS.withResync(RESYNC));
        this.namespaces = informers.typed(Resources.NAMESPACES, Namespace.class);
        this.deleter = new NamespacedResourcesDeleter(context.client(), context.clock());
        WorkQueue<String> queue = new WorkQueue<>(rateLimiter(), Ticker.SYSTEM);
        this.registration = namespaces.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Namespace namespace, boolean initialList) {
                enqueue(queue, namespace);
            }

            @Override
            public void onUpdate(Namespace old, Namespace current) {
                enqueue(queue, current);
            }
        });
        this.controller = new Controller<>(NAME, queue, this::sync, WORKERS, List.of(registration::hasSynced));
    }

    /**
     * Retried sooner than other controllers (at least once a minute): namespaces being deleted are
     * few, and users wait for them (upstream's nsControllerRateLimiter).
     */
    private static MaxOfRateLimiter<String> rateLimiter() {
        return new MaxOfRateLimiter<>(List.of(
                new ItemExponentialFailureRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(60)),
                new BucketRateLimiter<>(10, 100, Ticker.SYSTEM)));
    }

    private static void enqueue(WorkQueue<String> queue, Namespace namespace) {
        if (namespace.getMetadata().getDeletionTimestamp() == null) {
            return;
        }
        queue.addAfter(namespace.getMetadata().getName(), DELETION_GRACE);
    }

    private void sync(String name) throws Requeue {
        if (namespaces.indexer().get(name).isEmpty()) {
            return; // deleted already
        }
        try {
            deleter.delete(name);
        } catch (NamespacedResourcesDeleter.ContentRemaining remaining) {
            throw Requeue.after(Duration.ofSeconds(remaining.estimateSeconds / 2 + 1), remaining.getMessage());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run() throws InterruptedException {
        informers.start();
        controller.run();
    }

    @Override
    public void close() {
        controller.close();
        registration.remove();
        informers.close();
    }
}
