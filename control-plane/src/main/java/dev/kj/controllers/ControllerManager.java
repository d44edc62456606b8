package dev.kj.controllers;

import dev.kj.api.client.ApiClient;
import dev.kj.api.informers.InformerFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the selected controllers in this process (kube-controller-manager without leader election):
 * each on its own thread, all through one client of the API and one set of shared informers.
 * {@code kj server} starts one with the API server, talking to it through the in-process transport:
 * the shared informers as {@code system:kube-controller-manager}, each controller as its own
 * service account (upstream's --use-service-account-credentials), so RBAC limits each to its role.
 */
public final class ControllerManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerManager.class.getName());

    private final InformerFactory informers;
    private final List<ManagedController> controllers;
    private final List<Thread> threads = new ArrayList<>();

    private ControllerManager(InformerFactory informers, List<ManagedController> controllers) {
        this.informers = informers;
        this.controllers = controllers;
    }

    /**
     * Builds and starts every controller {@code selection} enables.
     *
     * @param client     the controller manager's own identity: shared informers
     * @param clientFor  a client per kube-system service account name, for each controller's own calls
     */
    public static ControllerManager start(ApiClient client, java.util.function.Function<String, ApiClient> clientFor,
                                          ControllerSelection selection, Clock clock) {
        InformerFactory informers = new InformerFactory(client);
        List<ManagedController> controllers = new ArrayList<>();
        try {
            for (KnownControllers.Descriptor descriptor : KnownControllers.ALL) {
                if (selection.enabled(descriptor.name())) {
                    ControllerContext context = new ControllerContext(clientFor.apply(descriptor.serviceAccount()),
                            informers, clock);
                    controllers.add(descriptor.factory().apply(context));
                }
            }
        } catch (RuntimeException e) {
            controllers.forEach(ManagedController::close);
            informers.close();
            throw e;
        }
        ControllerManager manager = new ControllerManager(informers, List.copyOf(controllers));
        for (ManagedController controller : controllers) {
            manager.threads.add(Thread.ofVirtual().name("controller-" + controller.name()).start(() -> {
                try {
                    controller.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "controller " + controller.name() + " stopped", e);
                }
            }));
            LOG.log(System.Logger.Level.INFO, "started {0}", controller.name());
        }
        informers.start();
        return manager;
    }

    /** The names of the controllers running. */
    public List<String> running() {
        return controllers.stream().map(ManagedController::name).toList();
    }

    @Override
    public void close() {
        controllers.forEach(ManagedController::close);
        informers.close();
        for (Thread thread : threads) {
            try {
                thread.join(java.time.Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
