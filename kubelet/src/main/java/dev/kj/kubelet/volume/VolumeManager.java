package dev.kj.kubelet.volume;

import dev.kj.api.client.ApiClient;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The node's volumes, laid out as upstream's kubelet lays them out under its root directory:
 * {@code <root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>} for emptyDir, configMap,
 * secret, downwardAPI and projected volumes; a hostPath volume is the host's path itself.
 * configMaps, secrets and tokens are read through the API as the node, so the Node authorizer
 * decides what this kubelet may read. Memory-backed volumes (emptyDir medium Memory, secret,
 * projected) are tmpfs mounts when the kubelet runs as root, as upstream; otherwise secret and
 * projected volumes fall back to plain directories (an emptyDir asking for Memory fails).
 *
 * <p>setUp is safe to call from several pod workers at once; calls for one pod are serialized.
 */
public final class VolumeManager implements PodVolumes {
    private static final System.Logger LOG = System.getLogger(VolumeManager.class.getName());
    private static final int EMPTY_DIR_MODE = 0777;

    private final ApiClient api;
    private final Path rootDir;
    private final Clock clock;
    private final TokenManager tokens;
    private final boolean canMount;
    private final Map<String, Object> podLocks = new ConcurrentHashMap<>();

    /**
     * @param api     a client authenticated as the node ({@code system:node:<name>})
     * @param rootDir the kubelet's root directory (upstream's {@code --root-dir}, /var/lib/kubelet)
     * @param clock   names the timestamped directories and times token refreshes
     */
    public VolumeManager(ApiClient api, Path rootDir, Clock clock) {
        this(api, rootDir, clock, Mounts.privileged());
    }

    VolumeManager(ApiClient api, Path rootDir, Clock clock, boolean canMount) {
        this.api = api;
        this.rootDir = rootDir;
        this.clock = clock;
        this.tokens = new TokenManager(api, clock);
        this.canMount = canMount;
    }

    /** {@code <root>/pods/<uid>/volumes}: every volume directory of the pod lives below it. */
    public Path podVolumesDir(String podUid) {
        return rootDir.resolve("pods").resolve(podUid).resolve("volumes");
    }

    @Override
    public Map<String, Path> setUp(Pod pod) throws VolumeException {
        String uid = pod.getMetadata().getUid();
        synchronized (podLocks.computeIfAbsent(uid, u -> new Object())) {
            PodContext context = new PodContext(pod, api, tokens);
            Map<String, Path> paths = new LinkedHashMap<>();
            VolumeException first = null;
            List<Volume> volumes = pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
            // every volume is tried, as upstream's volume manager mounts each on its own; the first failure is thrown
            for (Volume volume : volumes) {
                try {
                    paths.put(volume.getName(), setUp(context, PodVolume.of(volume)));
                } catch (VolumeError | IOException e) {
                    String detail = e instanceof IOException io ? describe(io) : e.getMessage();
                    VolumeException failure = new VolumeException(
                            "MountVolume.SetUp failed for volume \"" + volume.getName() + "\" : " + detail, e);
                    if (first == null) {
                        first = failure;
                    } else {
                        first.addSuppressed(failure);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
            return Collections.unmodifiableMap(paths);
        }
    }

    private Path setUp(PodContext context, PodVolume volume) throws VolumeError, IOException {
        String uid = context.pod().getMetadata().getUid();
        Optional<Long> fsGroup = Payloads.fsGroup(context);
        return switch (volume) {
            case PodVolume.EmptyDir emptyDir -> {
                Path dir = volumeDir(uid, PodVolume.EMPTY_DIR, emptyDir.name());
                boolean fresh = !Files.isDirectory(dir);
                switch (emptyDir.medium()) {
                    case "" -> diskDir(dir);
                    case "Memory" -> {
                        if (!canMount) {
                            throw new VolumeError("emptyDir with medium Memory needs a tmpfs mount, and kj's kubelet is not running as root");
                        }
                        memoryDir(context, dir, emptyDir.sizeLimit());
                    }
                    default -> throw new VolumeError("emptyDir medium " + emptyDir.medium() + " is not supported by kj's kubelet");
                }
                if (fresh && fsGroup.isPresent()) {
                    Ownership.apply(dir, fsGroup.get(), false);
                }
                yield dir;
            }
            case PodVolume.HostPath hostPath -> {
                HostPaths.check(hostPath.path(), hostPath.type());
                yield Path.of(hostPath.path());
            }
            case PodVolume.Projected projected -> {
                // the contents first: a missing configMap leaves no directory behind, as upstream
                Map<String, FileProjection> files = projected.files().collect(context);
                Path dir = volumeDir(uid, projected.plugin(), projected.name());
                boolean fresh = !Files.isDirectory(dir);
                try {
                    if (projected.memoryBacked() && canMount) {
                        memoryDir(context, dir, null);
                    } else {
                        diskDir(dir);
                    }
                    boolean written = new AtomicWriter(dir, clock).write(files, () -> {
                        if (fsGroup.isPresent()) {
                            Ownership.apply(dir, fsGroup.get(), true);
                        }
                    });
                    if (written) {
                        LOG.log(System.Logger.Level.DEBUG, "volume {0} of pod {1}: new contents", projected.name(), uid);
                    }
                } catch (VolumeError | IOException | RuntimeException e) {
                    if (fresh) {
                        removeVolumeDir(dir);
                    }
                    throw e;
                }
                yield dir;
            }
        };
    }

    private Path volumeDir(String uid, String plugin, String name) {
        return podVolumesDir(uid).resolve(plugin).resolve(name);
    }

    /** emptyDir on disk: 0777 whatever the umask, set when the directory is made (a container may change it later). */
    private static void diskDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files2.directory(dir, EMPTY_DIR_MODE);
        }
    }

    /** A tmpfs on the volume's directory unless one is there already (a restarted kubelet finds its mounts). */
    private void memoryDir(PodContext context, Path dir, Quantity sizeLimit) throws IOException {
        diskDir(dir);
        Optional<Mounts.Mount> mount = Mounts.at(dir);
        if (mount.isPresent() && mount.get().fsType().equals("tmpfs")) {
            return;
        }
        Mounts.mountTmpfs(dir, tmpfsSize(context, sizeLimit));
    }

    /**
     * Upstream's calculateEmptyDirMemorySize: the node's allocatable memory, or less the pod's
     * memory limit, or less the volume's sizeLimit; none known: the kernel's default (half the RAM).
     */
    private static OptionalLong tmpfsSize(PodContext context, Quantity sizeLimit) {
        BigDecimal size = null;
        try {
            Quantity allocatable = context.get().get("memory");
            size = allocatable == null ? null : allocatable.getNumericalAmount();
        } catch (VolumeError e) {
            LOG.log(System.Logger.Level.DEBUG, "node allocatable memory unknown: {0}", e.getMessage());
        }
        for (BigDecimal candidate : new BigDecimal[] {podMemoryLimit(context.pod()),
                sizeLimit == null || sizeLimit.getAmount() == null ? null : sizeLimit.getNumericalAmount()}) {
            if (candidate != null && candidate.signum() > 0 && (size == null || candidate.compareTo(size) <= 0)) {
                size = candidate;
            }
        }
        return size == null ? OptionalLong.empty() : OptionalLong.of(size.setScale(0, java.math.RoundingMode.CEILING).longValueExact());
    }

    /** The pod's memory limit as its cgroup gets it: only when every container has one (init containers run one at a time). */
    private static BigDecimal podMemoryLimit(Pod pod) {
        List<Container> init = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
        BigDecimal running = BigDecimal.ZERO;
        BigDecimal initMax = BigDecimal.ZERO;
        for (Container container : Stream.concat(pod.getSpec().getContainers().stream(), init.stream()).toList()) {
            Map<String, Quantity> limits = container.getResources() == null ? null : container.getResources().getLimits();
            Quantity memory = limits == null ? null : limits.get("memory");
            if (memory == null) {
                return null;
            }
            boolean sidecar = init.contains(container) && "Always".equals(container.getRestartPolicy());
            if (init.contains(container) && !sidecar) {
                initMax = initMax.max(memory.getNumericalAmount());
            } else {
                running = running.add(memory.getNumericalAmount());
            }
        }
        return running.max(initMax);
    }

    @Override
    public void tearDown(String podUid) throws VolumeException {
        synchronized (podLocks.computeIfAbsent(podUid, u -> new Object())) {
            try {
                Path volumes = podVolumesDir(podUid);
                for (Path mountPoint : Mounts.under(volumes)) {
                    try {
                        Mounts.unmount(mountPoint);
                    } catch (IOException e) {
                        throw new VolumeException("UnmountVolume.TearDown failed for volume \"" + mountPoint.getFileName()
                                + "\" pod \"" + podUid + "\" : " + e.getMessage(), e);
                    }
                }
                if (!Mounts.under(volumes).isEmpty()) {
                    // never delete through a mount that is still there
                    throw new VolumeException("UnmountVolume.TearDown failed for pod \"" + podUid + "\" : still mounted: "
                            + Mounts.under(volumes));
                }
                Files2.deleteTree(volumes);
                Path podDir = volumes.getParent();
                if (Files.isDirectory(podDir)) {
                    try (Stream<Path> rest = Files.list(podDir)) {
                        if (rest.findAny().isEmpty()) {
                            Files.deleteIfExists(podDir);
                        }
                    }
                }
            } catch (IOException e) {
                throw new VolumeException("UnmountVolume.TearDown failed for pod \"" + podUid + "\" : " + describe(e), e);
            } finally {
                tokens.forget(podUid);
            }
        }
        podLocks.remove(podUid);
    }

    /** Removes a volume directory this setUp made before failing, unmounting it first. */
    private static void removeVolumeDir(Path dir) {
        try {
            for (Path mountPoint : Mounts.under(dir)) {
                Mounts.unmount(mountPoint);
            }
            if (Mounts.under(dir).isEmpty()) {
                Files2.deleteTree(dir);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not clean up {0}: {1}", dir, describe(e));
        }
    }

    /** An I/O failure as Go's os errors read: {@code open /x: permission denied}. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            String reason = fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
            return fs.getFile() + ": " + reason;
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
