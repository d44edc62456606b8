package dev.kj.kubelet.kuberuntime;

import dev.kj.api.events.EventRecorder;
import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.ContainerStatus;
import dev.kj.kubelet.cri.v1.Image;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxState;
import dev.kj.kubelet.cri.v1.PodSandboxStatus;
import dev.kj.kubelet.env.ConfigError;
import dev.kj.kubelet.env.Environment;
import dev.kj.kubelet.env.PodObjects;
import dev.kj.kubelet.images.ImageManager;
import dev.kj.kubelet.images.ImagePullError;
import dev.kj.kubelet.images.PullSecrets;
import dev.kj.kubelet.status.ContainerProbes;
import dev.kj.kubelet.volume.PodVolumes;
import dev.kj.kubelet.volume.VolumeException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Upstream's kubeGenericRuntimeManager.SyncPod for one pod at a time: a sandbox (a new attempt when
 * the last one died, its containers killed first), init containers in order (sidecars, i.e.
 * restartPolicy Always init containers, stay running), then the app containers, each (re)started as
 * the restart policy and the crash-loop back-off allow; and KillPod for termination.
 */
public final class RuntimeManager {
    private static final System.Logger LOG = System.getLogger(RuntimeManager.class.getName());

    /** The node facts and collaborators the manager needs. */
    public record Setup(RuntimeClient runtime, ImageManager images, PodVolumes volumes, PodObjects objects, ContainerProbes probes,
                        ContainerHooks hooks, BackOff crashBackOff, Path logRoot, Path podsDir, SandboxConfigs.Dns dns,
                        List<String> hostIps, int nodeCpus, long nodeMemory, Clock clock) {
    }

    /** What happens to a pod's containers is told as events about the pod. */
    public interface PodEvents {
        void event(Pod pod, String type, String reason, String message);
    }

    /** The outcome of one sync: waiting reasons by container name, and whether anything changed (sync again soon). */
    public record SyncResult(Map<String, Waiting> waiting, boolean progressed, Optional<Instant> retryAt) {
    }

    private final Setup setup;
    private final PodEvents events;

    public RuntimeManager(Setup setup, PodEvents events) {
        this.setup = setup;
        this.events = events;
    }

    public static String podName(Pod pod) {
        return pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
    }

    public static boolean sidecar(Container container) {
        return "Always".equals(container.getRestartPolicy());
    }

    private static String restartPolicy(Pod pod) {
        return pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
    }

    public Path podDir(Pod pod) {
        return setup.podsDir().resolve(pod.getMetadata().getUid());
    }

    /** One pass of SyncPod; {@code kill} holds container ids to restart (failed liveness, by their id). */
    public SyncResult sync(Pod pod, Map<String, String> kill) {
        Map<String, Waiting> waiting = new LinkedHashMap<>();
        String uid = pod.getMetadata().getUid();
        PodSnapshot snapshot = PodSnapshot.observe(setup.runtime(), uid);
        Map<String, java.nio.file.Path> volumes;
        try {
            volumes = setup.volumes().setUp(pod);
        } catch (VolumeException e) {
            events.event(pod, EventRecorder.WARNING, "FailedMount", e.getMessage());
            return new SyncResult(waiting, false, Optional.empty());
        }
        boolean progressed = false;
        Optional<PodSandboxStatus> sandbox = snapshot.latestSandbox();
        int attempt = sandbox.map(s -> s.getMetadata().getAttempt() + 1).orElse(0);
        if (!snapshot.sandboxReady()) {
            if (sandbox.isPresent() && restartPolicy(pod).equals("Never") && !snapshot.containers().isEmpty()) {
                // Upstream does not re-create the sandbox of a Never pod whose containers ran: it is done.
                killContainers(pod, snapshot, Duration.ZERO);
                stopSandboxes(snapshot);
                return new SyncResult(waiting, false, Optional.empty());
            }
            if (sandbox.isPresent()) {
                events.event(pod, EventRecorder.NORMAL, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
                killContainers(pod, snapshot, Duration.ZERO);
                stopSandboxes(snapshot);
            }
            PodSandboxConfig config = SandboxConfigs.build(pod, attempt, setup.logRoot(), setup.dns());
            try {
                Files.createDirectories(Path.of(config.getLogDirectory()));
                setup.runtime().runPodSandbox(config, "");
            } catch (CriException | IOException e) {
                events.event(pod, EventRecorder.WARNING, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + e.getMessage());
                return new SyncResult(waiting, false, Optional.empty());
            }
            snapshot = PodSnapshot.observe(setup.runtime(), uid);
            sandbox = snapshot.latestSandbox();
            progressed = true;
        }
        if (sandbox.isEmpty() || !snapshot.sandboxReady()) {
            return new SyncResult(waiting, progressed, Optional.empty());
        }
        String sandboxId = sandbox.get().getId();
        PodSandboxConfig sandboxConfig = SandboxConfigs.build(pod, sandbox.get().getMetadata().getAttempt(), setup.logRoot(), setup.dns());
        Context ctx = new Context(pod, snapshot, sandboxId, sandboxConfig, volumes, waiting);
        List<Instant> retries = new ArrayList<>();

        boolean initialized = true;
        for (Container init : SandboxConfigs.nonNull(pod.getSpec().getInitContainers())) {
            Optional<ContainerStatus> latest = snapshot.latest(init.getName());
            if (sidecar(init)) {
                if (latest.isPresent() && PodSnapshot.running(latest.get()) && !kill.containsKey(latest.get().getId())) {
                    if (setup.probes().started(pod, init, latest.get().getId())) {
                        continue;
                    }
                    initialized = false;
                    break;
                }
                killIfRunning(pod, init, latest, kill);
                progressed |= start(ctx, init, latest, retries);
                initialized = false;
                break;
            }
            if (latest.isEmpty()) {
                progressed |= start(ctx, init, latest, retries);
                initialized = false;
                break;
            }
            if (PodSnapshot.running(latest.get())) {
                initialized = false;
                break;
            }
            if (latest.get().getExitCode() == 0 && PodSnapshot.exited(latest.get())) {
                continue;
            }
            initialized = false;
            if (!restartPolicy(pod).equals("Never")) {
                progressed |= start(ctx, init, latest, retries);
            }
            break;
        }
        if (initialized) {
            for (Container container : SandboxConfigs.nonNull(pod.getSpec().getContainers())) {
                Optional<ContainerStatus> latest = snapshot.latest(container.getName());
                if (latest.isPresent() && PodSnapshot.running(latest.get())) {
                    String reason = kill.get(latest.get().getId());
                    String hash = latest.get().getAnnotationsMap().get(Labels.HASH);
                    if (reason == null && hash != null && !hash.equals(Labels.hash(container))) {
                        reason = "Container " + container.getName() + " definition changed, will be restarted";
                    }
                    if (reason == null) {
                        continue;
                    }
                    stopContainer(pod, container, latest.get().getId(), gracePeriod(pod), reason);
                    progressed = true;
                    if (restartPolicy(pod).equals("Never")) {
                        continue;
                    }
                    latest = Optional.of(setup.runtime().containerStatus(latest.get().getId(), false).getStatus());
                    progressed |= start(ctx, container, latest, retries);
                    continue;
                }
                if (latest.isEmpty() || shouldRestart(pod, latest.get())) {
                    progressed |= start(ctx, container, latest, retries);
                }
            }
        }
        pruneExited(snapshot);
        return new SyncResult(waiting, progressed, retries.stream().min(Instant::compareTo));
    }

    private void killIfRunning(Pod pod, Container container, Optional<ContainerStatus> latest, Map<String, String> kill) {
        if (latest.isPresent() && PodSnapshot.running(latest.get())) {
            stopContainer(pod, container, latest.get().getId(), gracePeriod(pod), kill.getOrDefault(latest.get().getId(), ""));
        }
    }

    private static boolean shouldRestart(Pod pod, ContainerStatus latest) {
        if (PodSnapshot.running(latest)) {
            return false;
        }
        return switch (restartPolicy(pod)) {
            case "Never" -> false;
            case "OnFailure" -> latest.getExitCode() != 0;
            default -> true;
        };
    }

    private record Context(Pod pod, PodSnapshot snapshot, String sandboxId, PodSandboxConfig sandboxConfig, Map<String, Path> volumes,
                           Map<String, Waiting> waiting) {
    }

    /** Starts the container (a new instance after {@code previous}), unless it is backing off; true when one was started. */
    private boolean start(Context ctx, Container container, Optional<ContainerStatus> previous, List<Instant> retries) {
        Pod pod = ctx.pod();
        String name = container.getName();
        int restartCount = previous.map(p -> PodSnapshot.restartCount(p) + 1).orElse(0);
        if (previous.isPresent() && PodSnapshot.exited(previous.get())) {
            String key = pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getUid() + "_"
                    + name + "_" + Labels.hash(container);
            Instant finished = Instant.ofEpochSecond(0, previous.get().getFinishedAt());
            if (setup.crashBackOff().inBackOffSince(key, finished)) {
                String delay = BackOff.goString(setup.crashBackOff().get(key));
                events.event(pod, EventRecorder.WARNING, "BackOff", "Back-off restarting failed container " + name + " in pod " + podName(pod));
                ctx.waiting().put(name, new Waiting("CrashLoopBackOff", "back-off " + delay + " restarting failed container=" + name
                        + " pod=" + podName(pod)));
                retries.add(setup.crashBackOff().retryAt(key, finished));
                return false;
            }
            setup.crashBackOff().next(key, finished);
        }
        Image image;
        try {
            List<Secret> secrets = new ArrayList<>();
            for (LocalObjectReference ref : SandboxConfigs.nonNull(pod.getSpec().getImagePullSecrets())) {
                setup.objects().secret(pod.getMetadata().getNamespace(), ref.getName()).ifPresent(secrets::add);
            }
            String ref = setup.images().ensure(pod, container, ctx.sandboxConfig(), PullSecrets.forImage(container.getImage(), secrets),
                    (type, reason, message) -> events.event(pod, type, reason, message));
            image = setup.images().images().status(ImageClient.spec(ref)).orElse(Image.newBuilder().setId(ref).build());
        } catch (ImagePullError e) {
            events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.reason());
            ctx.waiting().put(name, new Waiting(e.reason(), e.getMessage()));
            if (e.reason().equals("ErrImagePull") || e.reason().equals("ImagePullBackOff")) {
                retries.add(setup.clock().instant().plusSeconds(1));
            }
            return false;
        } catch (CriException e) {
            ctx.waiting().put(name, new Waiting("ErrImagePull", e.getMessage()));
            return false;
        }
        String id;
        try {
            List<String> podIps = ctx.snapshot().podIps();
            Map<String, String> env = Environment.make(pod, container,
                    new Environment.Facts(podIps, setup.hostIps(), BigDecimal.valueOf(setup.nodeCpus()), BigDecimal.valueOf(setup.nodeMemory())),
                    setup.objects(), (reason, message) -> events.event(pod, EventRecorder.WARNING, reason, message));
            var config = ContainerConfigs.build(pod, container, new ContainerConfigs.Inputs(restartCount, image, env, ctx.volumes(),
                    podDir(pod), podIps, setup.nodeMemory()));
            Files.createDirectories(Path.of(ctx.sandboxConfig().getLogDirectory()).resolve(name));
            id = setup.runtime().createContainer(ctx.sandboxId(), config, ctx.sandboxConfig());
        } catch (ConfigError e) {
            events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.getMessage());
            ctx.waiting().put(name, new Waiting("CreateContainerConfigError", e.getMessage()));
            return false;
        } catch (CriException | IOException e) {
            events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.getMessage());
            ctx.waiting().put(name, new Waiting("CreateContainerError", e.getMessage()));
            return false;
        }
        events.event(pod, EventRecorder.NORMAL, "Created", "Created container: " + name);
        try {
            setup.runtime().startContainer(id);
        } catch (CriException e) {
            events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.getMessage());
            ctx.waiting().put(name, new Waiting("RunContainerError", e.getMessage()));
            return false; // retried on the housekeeping tick, not in a tight loop
        }
        events.event(pod, EventRecorder.NORMAL, "Started", "Started container " + name);
        String hookError = setup.hooks().postStart(pod, container, id);
        if (hookError != null) {
            events.event(pod, EventRecorder.WARNING, "FailedPostStartHook", hookError);
            stopContainer(pod, container, id, gracePeriod(pod), "FailedPostStartHook");
        }
        // The previous exited instance is the one kept for logs --previous; older ones go.
        return true;
    }

    /** Removes each container name's exited instances but the newest one (kept for {@code logs --previous}). */
    private void pruneExited(PodSnapshot snapshot) {
        Map<String, Integer> exitedSeen = new HashMap<>();
        for (ContainerStatus status : snapshot.containers()) {
            if (!PodSnapshot.exited(status)) {
                continue;
            }
            int seen = exitedSeen.merge(status.getMetadata().getName(), 1, Integer::sum);
            if (seen > 1) {
                try {
                    setup.runtime().removeContainer(status.getId());
                } catch (CriException e) {
                    LOG.log(System.Logger.Level.WARNING, "removing exited container {0}: {1}", status.getId(), e.getMessage());
                }
            }
        }
    }

    public static Duration gracePeriod(Pod pod) {
        Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (seconds == null) {
            seconds = pod.getSpec().getTerminationGracePeriodSeconds();
        }
        return Duration.ofSeconds(seconds == null ? 30 : Math.max(seconds, 0));
    }

    private void stopContainer(Pod pod, Container container, String id, Duration grace, String reason) {
        String message = reason == null || reason.isEmpty() ? "Stopping container " + container.getName() : reason;
        events.event(pod, EventRecorder.NORMAL, "Killing", message);
        Instant start = setup.clock().instant();
        setup.hooks().preStop(pod, container, id, grace);
        Duration left = grace.minus(Duration.between(start, setup.clock().instant()));
        // Upstream gives a container at least 2 s after its preStop hook.
        if (left.compareTo(Duration.ofSeconds(2)) < 0 && grace.compareTo(Duration.ofSeconds(2)) >= 0) {
            left = Duration.ofSeconds(2);
        }
        try {
            setup.runtime().stopContainer(id, left.isNegative() ? Duration.ZERO : left);
        } catch (CriException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    /** Stops every running container of the pod within the grace period (concurrently, as upstream). */
    public void killContainers(Pod pod, PodSnapshot snapshot, Duration grace) {
        Map<String, Container> specs = new HashMap<>();
        SandboxConfigs.allContainers(pod).forEach(c -> specs.put(c.getName(), c));
        List<Thread> stoppers = new ArrayList<>();
        for (ContainerStatus status : snapshot.containers()) {
            if (!PodSnapshot.running(status)) {
                continue;
            }
            Container spec = specs.getOrDefault(status.getMetadata().getName(), new Container());
            if (spec.getName() == null) {
                spec.setName(status.getMetadata().getName());
            }
            stoppers.add(Thread.ofVirtual().start(() -> stopContainer(pod, spec, status.getId(), grace, null)));
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void stopSandboxes(PodSnapshot snapshot) {
        for (PodSandboxStatus sandbox : snapshot.sandboxes()) {
            if (sandbox.getState() == PodSandboxState.SANDBOX_READY) {
                try {
                    setup.runtime().stopPodSandbox(sandbox.getId());
                } catch (CriException e) {
                    if (!e.isNotFound()) {
                        throw e;
                    }
                }
            }
        }
    }

    /** Stops the containers (keeping them, so their statuses and logs stay) and the sandbox of a pod that is done. */
    public void stopPod(Pod pod) {
        PodSnapshot snapshot = PodSnapshot.observe(setup.runtime(), pod.getMetadata().getUid());
        killContainers(pod, snapshot, gracePeriod(pod));
        stopSandboxes(snapshot);
    }

    /**
     * Upstream's KillPod plus the cleanup after it: containers stopped within the grace period, the
     * sandboxes stopped, then containers and sandboxes removed and the volumes torn down.
     */
    public void killPod(Pod pod, Duration grace) throws VolumeException {
        String uid = pod.getMetadata().getUid();
        PodSnapshot snapshot = PodSnapshot.observe(setup.runtime(), uid);
        killContainers(pod, snapshot, grace);
        stopSandboxes(snapshot);
        removeAll(uid);
        setup.volumes().tearDown(uid);
        deleteQuietly(setup.podsDir().resolve(uid));
    }

    /** Removes what the runtime holds for a pod uid (a pod gone from the API). */
    public void removeAll(String uid) {
        PodSnapshot snapshot = PodSnapshot.observe(setup.runtime(), uid);
        for (ContainerStatus c : snapshot.containers()) {
            try {
                setup.runtime().removeContainer(c.getId());
            } catch (CriException e) {
                LOG.log(System.Logger.Level.WARNING, "removing container {0}: {1}", c.getId(), e.getMessage());
            }
        }
        for (PodSandboxStatus s : snapshot.sandboxes()) {
            try {
                setup.runtime().stopPodSandbox(s.getId());
                setup.runtime().removePodSandbox(s.getId());
            } catch (CriException e) {
                LOG.log(System.Logger.Level.WARNING, "removing sandbox {0}: {1}", s.getId(), e.getMessage());
            }
        }
    }

    /** The pod uids the runtime has sandboxes for. */
    public Set<String> runtimePodUids() {
        Set<String> uids = new java.util.HashSet<>();
        for (var sandbox : setup.runtime().listPodSandbox(dev.kj.kubelet.cri.v1.PodSandboxFilter.getDefaultInstance())) {
            String uid = sandbox.getLabelsMap().get(Labels.POD_UID);
            if (uid != null) {
                uids.add(uid);
            }
        }
        return uids;
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a volume still mounted under the dir: the volume manager's to clean
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
