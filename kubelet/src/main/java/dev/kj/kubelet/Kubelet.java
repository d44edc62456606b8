package dev.kj.kubelet;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.HttpsTransport;
import dev.kj.api.events.EventRecorder;
import dev.kj.kubelet.cri.CriConnection;
import dev.kj.kubelet.cri.CriEndpoint;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.PodSandbox;
import dev.kj.kubelet.cri.v1.PodSandboxFilter;
import dev.kj.kubelet.cri.v1.VersionResponse;
import dev.kj.kubelet.nodestatus.HostFacts;
import dev.kj.kubelet.nodestatus.NodeLease;
import dev.kj.kubelet.nodestatus.NodeObject;
import dev.kj.kubelet.nodestatus.NodeRegistration;
import dev.kj.kubelet.nodestatus.NodeStatusLoop;
import dev.kj.kubelet.nodestatus.RuntimeState;
import dev.kj.kubelet.pause.PauseImage;
import dev.kj.kubelet.pod.PodWorkers;
import dev.kj.kubelet.pod.PodWorkersConfig;
import dev.kj.kubelet.prober.Handlers;
import dev.kj.kubelet.pause.PauseImageImport;
import dev.kj.kubelet.runtime.CniNetwork;
import dev.kj.kubelet.runtime.Containerd;
import dev.kj.kubelet.runtime.ContainerdConfig;
import dev.kj.kubelet.runtime.HostCapabilities;
import dev.kj.kubelet.runtime.Snapshotters;
import dev.kj.kubelet.server.KubeletAuth;
import dev.kj.kubelet.server.KubeletServer;
import dev.kj.kubelet.volume.VolumeManager;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kubelet, assembled: the container runtime (the one --container-runtime-endpoint names, or a
 * containerd kj runs and supervises itself under DIR/containerd with kj's CNI bridge and pause
 * image), and the node loops (registration, status, Lease, runtime status). Starting returns at
 * once: the runtime comes up in the background while the node registers NotReady, and the node
 * turns Ready when the runtime reports ready. Once the runtime answers, the pod workers run this
 * node's pods (with the volume manager, the prober and the lifecycle hooks) and the kubelet API
 * serves logs, exec, attach and port-forward.
 */
public final class Kubelet implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Kubelet.class.getName());
    static final Duration RUNTIME_REQUEST_TIMEOUT = Duration.ofMinutes(2);
    static final Duration CONTAINERD_START_TIMEOUT = Duration.ofMinutes(2);
    static final String NO_RUNTIME = "container runtime is down: no --container-runtime-endpoint given and containerd not found on PATH"
            + " (Debian: apt-get install containerd runc containernetworking-plugins)";

    private final KubeletConfig config;
    private final ApiClient api;
    private final RuntimeState runtimeState;
    private final NodeStatusLoop nodeLoop;
    private final AtomicReference<Containerd> containerd = new AtomicReference<>();
    private final AtomicReference<CriConnection> connection = new AtomicReference<>();
    private final AtomicReference<String> runtimeVersion = new AtomicReference<>("");
    private final Thread runtimeStarter;
    private final HostFacts host;
    private final AtomicReference<PodHealth> health = new AtomicReference<>();
    private final AtomicReference<PodWorkers> podWorkers = new AtomicReference<>();
    private final AtomicReference<VolumeManager> volumes = new AtomicReference<>();
    private final AtomicReference<KubeletServer> server = new AtomicReference<>();
    private volatile boolean closed;

    private Kubelet(KubeletConfig config, ApiClient api, HostFacts host) {
        this.config = config;
        this.api = api;
        this.host = host;
        this.runtimeState = new RuntimeState(Clock.systemUTC(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        List<String> podCidrs = List.of(config.podCidr());
        this.nodeLoop = new NodeStatusLoop(config.nodeName(), new NodeRegistration(api.typed(Resources.NODES, Node.class)),
                new NodeLease(api.typed(Resources.LEASES, Lease.class)), runtimeState, this::runtime,
                conditions -> NodeObject.initial(config.nodeName(), host, config.kubeletVersion(), runtimeVersion.get(), conditions, podCidrs),
                conditions -> NodeObject.status(host, config.kubeletVersion(), runtimeVersion.get(), conditions),
                Clock.systemUTC(), NodeStatusLoop.Timing.UPSTREAM);
        this.runtimeStarter = Thread.ofVirtual().name("kubelet-runtime-start").unstarted(this::startRuntime);
    }

    /** Starts the kubelet; the API server need not answer yet (registration retries). */
    public static Kubelet start(KubeletConfig config) throws IOException {
        for (Path dir : List.of(config.rootDir(), config.podsDir(), config.podLogsDir())) {
            Files.createDirectories(dir);
        }
        HostFacts facts = HostFacts.read(config.rootDir());
        // A host with no address but loopback (a fresh network namespace) is reached on loopback.
        Optional<String> ip = config.hostIp().or(facts::internalIp).or(() -> Optional.of("127.0.0.1"));
        HostFacts host = new HostFacts(facts.hostname(), ip, facts.cpus(),
                facts.memoryBytes(), facts.ephemeralStorageBytes(), facts.machineId(), facts.systemUuid(), facts.bootId(),
                facts.kernelVersion(), facts.osImage(), facts.architecture());
        Kubelet kubelet = new Kubelet(config, new ApiClient(HttpsTransport.create(config.api())), host);
        kubelet.runtimeStarter.start();
        kubelet.nodeLoop.start();
        return kubelet;
    }

    public KubeletConfig config() {
        return config;
    }

    /** The Node as this kubelet last wrote it, once registered. */
    public Optional<Node> node() {
        return nodeLoop.node();
    }

    /** kj's own containerd, when it runs one. */
    public Optional<Containerd> containerd() {
        return Optional.ofNullable(containerd.get());
    }

    private Optional<RuntimeClient> runtime() {
        return Optional.ofNullable(connection.get()).map(c -> c.runtime(RUNTIME_REQUEST_TIMEOUT));
    }

    /** Connects to the given runtime, or starts kj's containerd; says what is missing otherwise. */
    private void startRuntime() {
        try {
            CriEndpoint endpoint;
            if (config.runtimeEndpoint().isPresent()) {
                endpoint = config.runtimeEndpoint().get();
            } else {
                Optional<Path> binary = Containerd.findBinary();
                if (binary.isEmpty()) {
                    LOG.log(Level.WARNING, NO_RUNTIME);
                    runtimeState.runtimeMissing(NO_RUNTIME);
                    return;
                }
                endpoint = startContainerd(binary.get()).endpoint();
            }
            CriConnection opened = CriConnection.open(endpoint);
            if (closed) {
                opened.close();
                return;
            }
            connection.set(opened);
            try {
                VersionResponse version = opened.runtime(Duration.ofSeconds(10)).version();
                runtimeVersion.set(version.getRuntimeName() + "://" + version.getRuntimeVersion());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "container runtime at {0} did not say its version: {1}; no pods run", endpoint, e.toString());
                return;
            }
            runPods(opened);
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(Level.ERROR, "container runtime did not start: {0}", e.getMessage());
                runtimeState.runtimeMissing("container runtime is down: " + e.getMessage());
            }
        }
    }

    /** The pod workers and the kubelet API, once the runtime answers. */
    private void runPods(CriConnection runtime) {
        RuntimeClient runtimeClient = runtime.runtime(RUNTIME_REQUEST_TIMEOUT);
        String hostIp = host.internalIp().orElseThrow();
        try {
            if (config.serving().isPresent()) {
                KubeletConfig.Serving serving = config.serving().get();
                server.set(KubeletServer.start(new InetSocketAddress(serving.port()), serving.cert(), serving.key(), serving.clientCa(),
                        runtimeClient, new KubeletAuth(HttpsTransport.create(config.api()), config.nodeName())));
            }
            PodHealth podHealth = new PodHealth(new Handlers(runtimeClient), new EventRecorder(api, "kubelet", Clock.systemUTC()),
                    Clock.systemUTC());
            health.set(podHealth);
            PodWorkers workers = new PodWorkers(PodWorkersConfig.of(api, runtimeClient, runtime.images(RUNTIME_REQUEST_TIMEOUT),
                            config.nodeName(), hostIp, config.podLogsDir(), config.rootDir(),
                            volumes.updateAndGet(v -> new VolumeManager(api, config.rootDir(), Clock.systemUTC())), Clock.systemUTC())
                    .withNodeResources(host.cpus(), host.memoryBytes())
                    .withProbes(podHealth).withHooks(podHealth));
            podHealth.attach(workers);
            if (closed) {
                workers.close();
                return;
            }
            podWorkers.set(workers);
            workers.start();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "the kubelet cannot run pods: {0}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Containerd startContainerd(Path binary) {
        Path dir = config.containerdDir();
        ContainerdConfig containerdConfig = new ContainerdConfig(dir, PauseImage.NAME, Snapshotters.probe(dir),
                ContainerdConfig.DEBIAN_CNI_BIN_DIR, config.insecureRegistries(), !HostCapabilities.canLowerOomScoreAdj());
        new CniNetwork(KubeletConfig.BRIDGE, config.podCidr(), containerdConfig.cniDataDir()).writeTo(containerdConfig.cniConfDir());
        Containerd started = Containerd.start(containerdConfig, binary, List.of(), CONTAINERD_START_TIMEOUT);
        containerd.set(started);
        if (closed) {
            started.closeWithShims();
            throw new IllegalStateException("kubelet closed while containerd started");
        }
        // The pause image before the first sandbox: nothing is pulled for it.
        PauseImageImport.importInto(binary.resolveSibling("ctr"), containerdConfig.socket(), containerdConfig.snapshotter(), dir);
        return started;
    }

    /**
     * Stops the loops; with kj's own containerd also its pods (so no shim outlives kj) and
     * containerd itself. A runtime given by endpoint is left as it is, pods and all.
     */
    @Override
    public void close() {
        closed = true;
        nodeLoop.close();
        try {
            runtimeStarter.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        PodWorkers workers = podWorkers.getAndSet(null);
        if (workers != null) {
            workers.close();
        }
        PodHealth podHealth = health.getAndSet(null);
        if (podHealth != null) {
            podHealth.close();
        }
        KubeletServer api10250 = server.getAndSet(null);
        if (api10250 != null) {
            api10250.close();
        }
        CriConnection open = connection.getAndSet(null);
        Containerd own = containerd.getAndSet(null);
        if (open != null) {
            if (own != null) {
                stopAllPods(open.runtime(Duration.ofMinutes(1)));
                tearDownVolumes();
            }
            open.close();
        }
        if (own != null) {
            own.closeWithShims();
        }
        api.close();
    }

    /**
     * With its pods stopped, kj unmounts their tmpfs volumes (secrets, tokens, memory emptyDirs) too,
     * so nothing of the node stays mounted on the host after kj exits; a restart sets them up again.
     */
    private void tearDownVolumes() {
        VolumeManager manager = volumes.get();
        if (manager == null || !Files.isDirectory(config.podsDir())) {
            return;
        }
        try (var pods = Files.list(config.podsDir())) {
            for (Path pod : pods.toList()) {
                try {
                    manager.tearDown(pod.getFileName().toString());
                } catch (dev.kj.kubelet.volume.VolumeException e) {
                    LOG.log(Level.WARNING, "tearing down the volumes of pod {0}: {1}", pod.getFileName(), e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "listing {0}: {1}", config.podsDir(), e.toString());
        }
    }

    private static void stopAllPods(RuntimeClient runtime) {
        try {
            for (PodSandbox pod : runtime.listPodSandbox(PodSandboxFilter.getDefaultInstance())) {
                runtime.stopPodSandbox(pod.getId());
                runtime.removePodSandbox(pod.getId());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "stopping pods before containerd failed: {0}", e.toString());
        }
    }
}
