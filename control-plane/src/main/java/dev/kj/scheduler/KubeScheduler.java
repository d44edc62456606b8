package dev.kj.scheduler;

import dev.kj.api.client.ApiClient;
import dev.kj.api.leaderelection.LeaderElectionConfig;
import dev.kj.api.leaderelection.LeaderElector;
import java.time.Clock;

/**
 * The kube-scheduler component in this process: it schedules only while it holds the Lease
 * kube-system/kube-scheduler, so several servers on one datastore run one scheduler between them.
 * Losing the Lease stops the scheduler (with its informers and queue) and competes again; upstream's
 * process exits instead, which would take the API server down with it here.
 */
public final class KubeScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KubeScheduler.class.getName());
    public static final String LEASE_NAMESPACE = "kube-system";
    public static final String LEASE_NAME = "kube-scheduler";

    private final ApiClient client;
    private final Clock clock;
    private final LeaderElector elector;
    private final Object lock = new Object();
    private Scheduler scheduler;
    private Thread schedulerThread;
    private Thread electorThread;
    private boolean closed;

    private KubeScheduler(ApiClient client, LeaderElectionConfig election, Clock clock) {
        this.client = client;
        this.clock = clock;
        this.elector = election == null ? null : new LeaderElector(client, election, clock);
    }

    /** The Lease settings kube-scheduler uses (15 s, 10 s, 2 s), for this process. */
    public static LeaderElectionConfig defaultElection() {
        return LeaderElectionConfig.of(LEASE_NAMESPACE, LEASE_NAME, LeaderElectionConfig.processIdentity());
    }

    /**
     * Starts competing for the Lease (a first attempt before this returns, so a lone server schedules
     * at once), or, with no election, schedules right away.
     */
    public static KubeScheduler start(ApiClient client, LeaderElectionConfig election, Clock clock) {
        KubeScheduler component = new KubeScheduler(client, election, clock);
        if (component.elector == null) {
            component.startScheduling();
            return component;
        }
        if (component.elector.tryAcquireOrRenew()) {
            component.startScheduling();
        }
        component.electorThread = Thread.ofVirtual().name("kube-scheduler-leader-election").start(() -> {
            try {
                component.elector.run(new LeaderElector.Callbacks() {
                    @Override
                    public void onStartedLeading() {
                        component.startScheduling();
                    }

                    @Override
                    public void onStoppedLeading() {
                        component.stopScheduling();
                    }

                    @Override
                    public void onNewLeader(String identity) {
                        LOG.log(System.Logger.Level.INFO, "new leader of {0}/{1}: {2}", LEASE_NAMESPACE, LEASE_NAME, identity);
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return component;
    }

    private void startScheduling() {
        synchronized (lock) {
            if (closed || scheduler != null) {
                return;
            }
            Scheduler started = new Scheduler(client, clock);
            scheduler = started;
            schedulerThread = Thread.ofVirtual().name("kube-scheduler").start(() -> {
                try {
                    started.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "the scheduler stopped", e);
                }
            });
            LOG.log(System.Logger.Level.INFO, "started the scheduler");
        }
    }

    private void stopScheduling() {
        synchronized (lock) {
            if (scheduler == null) {
                return;
            }
            scheduler.close();
            try {
                schedulerThread.join(java.time.Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
            schedulerThread = null;
        }
    }

    /** Whether this process schedules now. */
    public boolean scheduling() {
        synchronized (lock) {
            return scheduler != null;
        }
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
        stopScheduling();
    }
}
