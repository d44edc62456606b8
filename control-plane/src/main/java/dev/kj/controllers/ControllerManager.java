package dev.kj.controllers;

import dev.kj.api.client.ApiClient;
import dev.kj.api.informers.InformerFactory;
import dev.kj.api.leaderelection.LeaderElectionConfig;
import dev.kj.api.leaderelection.LeaderElector;
import dev.kj.controllers.nodelifecycle.NodeLifecycleSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs the selected controllers in this process (kube-controller-manager): each on its own thread
 * under its own identity, all sharing one set of informers read as the controller manager. With
 * leader election (the Lease kube-system/kube-controller-manager), controllers run only while this
 * process holds the Lease, so several servers on one datastore run one set between them; a process
 * that loses the Lease stops its controllers and competes again (upstream's process exits instead).
 */
public final class ControllerManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerManager.class.getName());
    /** The Lease upstream's kube-controller-manager competes for. */
    public static final String LEASE_NAME = "kube-controller-manager";
    public static final String LEASE_NAMESPACE = "kube-system";

    /**
     * @param client      the controller manager's own client (shared informers, leader election)
     * @param clients     a client per controller identity (a kube-system service account name)
     * @param selection   which controllers run
     * @param rootCa      the cluster CA (PEM), published into every namespace
     * @param legacyTokens signs the tokens of service-account-token Secrets
     * @param election    null to run without leader election
     * @param nodeLifecycle the node lifecycle controller's grace periods (null: upstream's defaults)
     */
    public record Settings(ApiClient client, Function<String, ApiClient> clients, ControllerSelection selection,
                           Clock clock, String rootCa, LegacyTokenSigner legacyTokens, LeaderElectionConfig election,
                           NodeLifecycleSettings nodeLifecycle) {
        public Settings {
            nodeLifecycle = nodeLifecycle == null ? NodeLifecycleSettings.DEFAULT : nodeLifecycle;
        }

        /** With upstream's default node grace periods. */
        public Settings(ApiClient client, Function<String, ApiClient> clients, ControllerSelection selection,
                        Clock clock, String rootCa, LegacyTokenSigner legacyTokens, LeaderElectionConfig election) {
            this(client, clients, selection, clock, rootCa, legacyTokens, election, null);
        }
    }

    private final Settings settings;
    private final List<KnownControllers.Descriptor> selected;
    private final LeaderElector elector;
    private final Object lock = new Object();
    private Thread electorThread;
    private InformerFactory informers;
    private volatile List<ManagedController> running = List.of();
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    private ControllerManager(Settings settings) {
        this.settings = settings;
        this.selected = KnownControllers.ALL.stream().filter(d -> settings.selection().enabled(d.name())).toList();
        this.elector = settings.election() == null || selected.isEmpty() ? null
                : new LeaderElector(settings.client(), settings.election(), settings.clock());
    }

    /** Without leader election (one server per datastore). */
    public static ControllerManager start(ApiClient client, ControllerSelection selection, Clock clock) {
        return start(new Settings(client, identity -> client, selection, clock, "", LegacyTokenSigner.NONE, null));
    }

    /**
     * Starts the controllers, or with leader election the election: a first attempt is made before
     * this returns, so a lone server runs its controllers at once.
     */
    public static ControllerManager start(Settings settings) {
        ControllerManager manager = new ControllerManager(settings);
        if (manager.selected.isEmpty()) {
            return manager;
        }
        if (manager.elector == null) {
            manager.startControllers();
            return manager;
        }
        if (manager.elector.tryAcquireOrRenew()) {
            manager.startControllers();
        }
        manager.electorThread = Thread.ofVirtual().name("controller-manager-leader-election").start(() -> {
            try {
                manager.elector.run(new LeaderElector.Callbacks() {
                    @Override
                    public void onStartedLeading() {
                        manager.startControllers();
                    }

                    @Override
                    public void onStoppedLeading() {
                        manager.stopControllers();
                    }

                    @Override
                    public void onNewLeader(String identity) {
                        LOG.log(System.Logger.Level.INFO, "new leader of {0}/{1}: {2}", LEASE_NAMESPACE, LEASE_NAME,
                                identity);
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return manager;
    }

    /** The Lease settings kube-controller-manager uses, for this process. */
    public static LeaderElectionConfig defaultElection() {
        return LeaderElectionConfig.of(LEASE_NAMESPACE, LEASE_NAME, LeaderElectionConfig.processIdentity());
    }

    private void startControllers() {
        synchronized (lock) {
            if (closed || !running.isEmpty()) {
                return;
            }
            InformerFactory shared = new InformerFactory(settings.client());
            List<ManagedController> controllers = new ArrayList<>();
            try {
                for (KnownControllers.Descriptor descriptor : selected) {
                    // no identity: the controller manager's own credentials, as upstream's tokens controller
                    ApiClient client = descriptor.identity() == null ? settings.client()
                            : settings.clients().apply(descriptor.identity());
                    ControllerContext context = new ControllerContext(client, shared, settings.clock(), settings.rootCa(),
                            settings.legacyTokens(), settings.nodeLifecycle());
                    controllers.add(descriptor.factory().apply(context));
                }
            } catch (RuntimeException e) {
                controllers.forEach(ManagedController::close);
                shared.close();
                throw e;
            }
            for (ManagedController controller : controllers) {
                threads.add(Thread.ofVirtual().name("controller-" + controller.name()).start(() -> {
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
            shared.start();
            informers = shared;
            running = List.copyOf(controllers);
        }
    }

    private void stopControllers() {
        synchronized (lock) {
            running.forEach(ManagedController::close);
            if (informers != null) {
                informers.close();
                informers = null;
            }
            for (Thread thread : threads) {
                try {
                    thread.join(java.time.Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            threads.clear();
            running = List.of();
        }
    }

    /** The names of the controllers running now (none while another process leads). */
    public List<String> running() {
        return running.stream().map(ManagedController::name).toList();
    }

    /** Whether this process holds the controller manager's Lease (always, without leader election, once started). */
    public boolean leading() {
        return elector == null ? !running.isEmpty() : elector.isLeader();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        if (elector != null) {
            elector.close();
            if (electorThread != null) {
                try {
                    electorThread.join(java.time.Duration.ofSeconds(40));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        stopControllers();
    }
}
