package dev.kj.kubelet.pod;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.InformerFactory;
import dev.kj.api.informers.InformerOptions;
import dev.kj.api.informers.SharedInformer;
import dev.kj.kubelet.env.PodObjects;
import dev.kj.kubelet.images.ImageManager;
import dev.kj.kubelet.kuberuntime.BackOff;
import dev.kj.kubelet.kuberuntime.PodSnapshot;
import dev.kj.kubelet.kuberuntime.RuntimeManager;
import dev.kj.kubelet.status.PodStatuses;
import dev.kj.kubelet.status.StatusManager;
import dev.kj.kubelet.volume.VolumeException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's pod workers (upstream's podWorkers with syncPod / syncTerminatingPod): the Pods
 * bound to this node come from an informer ({@code spec.nodeName=<node>}); each pod has one
 * serialized worker, woken by the pod's events, by its own progress, and by a housekeeping tick
 * that also finds container exits, expired back-offs and sandboxes of pods the API no longer has.
 */
public final class PodWorkers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PodWorkers.class.getName());

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    private final PodWorkersConfig config;
    private final InformerFactory podInformers;
    private final InformerFactory serviceInformers;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Service> services;
    private final ResourceClient<Pod> podClient;
    private final ResourceClient<ConfigMap> configMaps;
    private final ResourceClient<Secret> secrets;
    private final EventRecorder recorder;
    private final RuntimeManager runtime;
    private final StatusManager statuses;
    private final BackOff crashBackOff;
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private final Set<Thread> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    /** One pod's serialized worker: at most one sync runs; a wake-up during a sync runs another after it. */
    private final class Worker {
        final String uid;
        volatile Pod pod;
        boolean running;
        boolean again;
        boolean removed;
        final Map<String, String> kill = new ConcurrentHashMap<>();

        Worker(Pod pod) {
            this.uid = pod.getMetadata().getUid();
            this.pod = pod;
        }

        void wake() {
            synchronized (this) {
                if (running) {
                    again = true;
                    return;
                }
                running = true;
            }
            Thread thread = Thread.ofVirtual().name("pod-worker-" + pod.getMetadata().getName()).unstarted(this::loop);
            active.add(thread);
            thread.start();
        }

        private void loop() {
            try {
                syncUntilIdle();
            } finally {
                done();
            }
        }

        private void syncUntilIdle() {
            while (!closed) {
                boolean progressed = false;
                try {
                    progressed = syncOnce(this);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Error syncing pod " + RuntimeManager.podName(pod) + ": " + e, e);
                }
                synchronized (this) {
                    if (!again && !progressed) {
                        running = false;
                        return;
                    }
                    again = false;
                }
            }
            synchronized (this) {
                running = false;
            }
        }

        private void done() {
            active.remove(Thread.currentThread());
        }
    }

    public PodWorkers(PodWorkersConfig config) {
        this.config = config;
        ListOptions onThisNode = ListOptions.NONE.withFieldSelector("spec.nodeName=" + config.nodeName());
        this.podInformers = new InformerFactory(config.api(), InformerOptions.DEFAULTS.withSelection(onThisNode));
        this.serviceInformers = new InformerFactory(config.api());
        this.pods = podInformers.typed(Resources.PODS, Pod.class);
        this.services = serviceInformers.typed(Resources.SERVICES, Service.class);
        this.podClient = config.api().typed(Resources.PODS, Pod.class);
        this.configMaps = config.api().typed(Resources.CONFIG_MAPS, ConfigMap.class);
        this.secrets = config.api().typed(Resources.SECRETS, Secret.class);
        this.recorder = new EventRecorder(config.api(), "kubelet", config.clock());
        this.crashBackOff = new BackOff(config.clock(), config.crashBackOffInitial(), config.crashBackOffMax());
        ImageManager images = new ImageManager(config.images(), new BackOff(config.clock(), config.imageBackOffInitial(),
                config.imageBackOffMax()), config.clock());
        this.runtime = new RuntimeManager(new RuntimeManager.Setup(config.runtime(), images, config.volumes(), objects(), config.probes(),
                config.hooks(), crashBackOff, config.logRoot(), config.rootDir().resolve("pods"), config.dns(), config.hostIps(),
                config.nodeCpus(), config.nodeMemory(), config.clock()),
                (pod, type, reason, message) -> recorder.event(new EventRecorder.InvolvedObject("v1", "Pod",
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getMetadata().getUid()), type, reason, message));
        this.statuses = new StatusManager(podClient);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("pod-workers-housekeeping").daemon().factory());
    }

    private PodObjects objects() {
        return new PodObjects() {
            @Override
            public Optional<ConfigMap> configMap(String namespace, String name) {
                return get(configMaps, namespace, name);
            }

            @Override
            public Optional<Secret> secret(String namespace, String name) {
                return get(secrets, namespace, name);
            }

            @Override
            public List<Service> services() {
                return services.indexer().list();
            }
        };
    }

    private static <T> Optional<T> get(ResourceClient<T> client, String namespace, String name) {
        try {
            return Optional.of(client.get(namespace, name));
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Starts watching this node's pods and the housekeeping tick; returns once the caches are synced. */
    public void start() throws InterruptedException {
        pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                update(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                update(current);
            }

            @Override
            public void onDelete(Pod lastKnown, boolean finalStateUnknown) {
                removed(lastKnown.getMetadata().getUid());
            }
        });
        serviceInformers.start();
        podInformers.start();
        serviceInformers.waitForSync(Duration.ofSeconds(30));
        podInformers.waitForSync(Duration.ofSeconds(30));
        long period = config.housekeeping().toMillis();
        timer.scheduleWithFixedDelay(this::housekeeping, period, period, TimeUnit.MILLISECONDS);
    }

    private void update(Pod pod) {
        if (closed) {
            return;
        }
        Worker worker = workers.computeIfAbsent(pod.getMetadata().getUid(), uid -> new Worker(pod));
        worker.pod = pod;
        worker.wake();
    }

    /** The API no longer has the pod (deleted by us after termination, or forcibly): nothing of it may stay. */
    private void removed(String uid) {
        Worker worker = workers.remove(uid);
        if (worker != null) {
            synchronized (worker) {
                worker.removed = true;
            }
            worker.wake();
        }
    }

    /** A liveness failure (the probe manager's callback): the container is killed and restarted per the restart policy. */
    public void restartContainer(String podUid, String containerName, String containerId, String message) {
        Worker worker = workers.get(podUid);
        if (worker != null) {
            worker.kill.put(containerId, "Container " + containerName + " " + message + ", will be restarted");
            worker.wake();
        }
    }

    /** The pods this node runs now (as last seen). */
    public List<Pod> pods() {
        return workers.values().stream().map(w -> w.pod).toList();
    }

    private void housekeeping() {
        try {
            workers.values().forEach(Worker::wake);
            Set<String> known = workers.keySet();
            for (String uid : runtime.runtimePodUids()) {
                if (!known.contains(uid)) {
                    cleanUp(uid);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "housekeeping: " + e);
        }
    }

    private void cleanUp(String uid) {
        runtime.removeAll(uid);
        try {
            config.volumes().tearDown(uid);
        } catch (VolumeException e) {
            LOG.log(System.Logger.Level.WARNING, "tearing down volumes of pod {0}: {1}", uid, e.getMessage());
        }
        statuses.forget(uid);
        config.probes().podRemoved(uid);
        crashBackOff.forget(uid);
    }

    /** One sync of one pod; true when it should run again at once. */
    private boolean syncOnce(Worker worker) {
        Pod pod = worker.pod;
        if (worker.removed) {
            cleanUp(worker.uid);
            return false;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            terminate(pod);
            return false;
        }
        if (StatusManager.terminal(pod.getStatus())) {
            runtime.stopPod(pod);
            return false;
        }
        Map<String, String> kill = new HashMap<>(worker.kill);
        RuntimeManager.SyncResult result = runtime.sync(pod, kill);
        kill.keySet().forEach(worker.kill::remove);
        PodSnapshot snapshot = PodSnapshot.observe(config.runtime(), worker.uid);
        var status = PodStatuses.generate(pod, snapshot, result.waiting(), config.probes(), config.hostIps(), config.clock().instant());
        statuses.update(pod, status);
        Map<String, String> running = new HashMap<>();
        snapshot.containers().stream().filter(PodSnapshot::running).forEach(c -> running.putIfAbsent(c.getMetadata().getName(), c.getId()));
        config.probes().podSynced(pod, running);
        if (StatusManager.terminal(status)) {
            runtime.stopPod(pod);
            return false;
        }
        return result.progressed();
    }

    /**
     * syncTerminatingPod: containers stopped within the grace period, the final status written, the
     * sandbox and containers removed, volumes torn down, then the Pod deleted for good (grace 0,
     * preconditioned on the uid, as upstream's status manager does).
     */
    private void terminate(Pod pod) {
        runtime.stopPod(pod);
        PodSnapshot snapshot = PodSnapshot.observe(config.runtime(), pod.getMetadata().getUid());
        var status = PodStatuses.generate(pod, snapshot, Map.of(), config.probes(), config.hostIps(), config.clock().instant());
        statuses.update(pod, status);
        try {
            runtime.killPod(pod, Duration.ZERO);
        } catch (VolumeException e) {
            recorder.event(new EventRecorder.InvolvedObject("v1", "Pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    pod.getMetadata().getUid()), EventRecorder.WARNING, "FailedUnmount", e.getMessage());
            return;
        }
        config.probes().podRemoved(pod.getMetadata().getUid());
        try {
            podClient.delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    DeleteOptions.NONE.withGracePeriodSeconds(0).withPreconditions(pod.getMetadata().getUid(), null));
        } catch (ApiException e) {
            if (!e.isNotFound() && !e.isConflict()) {
                throw e;
            }
        }
    }

    /** Stops watching and waits (a bounded time) for syncs under way, so nothing is created after close. */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        podInformers.close();
        serviceInformers.close();
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Thread thread : List.copyOf(active)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
