package dev.kj.kubelet.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resource;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.kubelet.nodestatus.HostFacts;
import dev.kj.kubelet.nodestatus.NodeObject;
import dev.kj.kubelet.nodestatus.NodeRegistration;
import dev.kj.kubelet.nodestatus.ReadyCondition;
import dev.kj.kubelet.nodestatus.RuntimeState;
import dev.kj.kubelet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume manager against a real kj API server, reading config maps, secrets and tokens as
 * {@code system:node:<host>} for pods bound to that node: files, modes and the AtomicWriter's
 * symlink layout, updates, optional and missing sources, tmpfs mounts, hostPath checks.
 */
class VolumeManagerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final String STAMP = "\\.\\.\\d{4}_\\d\\d_\\d\\d_\\d\\d_\\d\\d_\\d\\d\\.\\d+";

    @TempDir
    static Path dir;
    private static TestApiServer api;
    private static boolean root;

    @BeforeAll
    static void start() throws Exception {
        api = TestApiServer.start(dir);
        root = Mounts.privileged();
        // the node exists (with allocatable resources) as a registered kubelet's does
        var runtime = new RuntimeState(Clock.systemUTC(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        new NodeRegistration(api.node().typed(Resources.NODES, Node.class)).register(NodeObject.initial(api.nodeName(),
                HostFacts.read(dir.resolve("facts")), "v1.33.0-kj", "containerd://1.7",
                ReadyCondition.compute(runtime, List.of(), Optional.empty(), Instant.now())));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    private VolumeManager manager(String name) {
        return new VolumeManager(api.node(), dir.resolve("kubelet-" + name), Clock.systemUTC());
    }

    /** A namespace of the test's own, once its default service account and root CA config map exist. */
    private static String namespace() {
        String name = "vol-" + NAMES.incrementAndGet();
        api.admin().typed(Resources.NAMESPACES, Namespace.class).create(null, new NamespaceBuilder().withNewMetadata()
                .withName(name).endMetadata().build());
        waitFor("default service account and kube-root-ca.crt in " + name, () -> {
            try {
                api.admin().typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class).get(name, "default");
                api.admin().typed(Resources.CONFIG_MAPS, ConfigMap.class).get(name, "kube-root-ca.crt");
                return Optional.of(true);
            } catch (ApiException e) {
                return Optional.empty();
            }
        });
        return name;
    }

    private static Pod createPod(String namespace, String name, boolean automountToken, Volume... volumes) {
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("app", "web").addToLabels("tier", "front")
                .addToAnnotations("note", "say \"héllo\"\n\t\u0001").endMetadata()
                .withNewSpec().withNodeName(api.nodeName()).withAutomountServiceAccountToken(automountToken)
                .addNewContainer().withName("main").withImage("busybox")
                .withNewResources().addToLimits("memory", new Quantity("64Mi")).addToRequests("cpu", new Quantity("250m"))
                .endResources().endContainer()
                .withVolumes(volumes).endSpec().build();
        return api.admin().typed(Resources.PODS, Pod.class).create(namespace, pod);
    }

    /** setUp, waiting out the Node authorizer's graph catching up with a pod just created. */
    private static Map<String, Path> setUp(VolumeManager manager, Pod pod) throws VolumeException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            try {
                return manager.setUp(pod);
            } catch (VolumeException e) {
                if (!e.getMessage().contains("forbidden") || Instant.now().isAfter(deadline)) {
                    throw e;
                }
            }
            sleep();
        }
    }

    private static VolumeException setUpFails(VolumeManager manager, Pod pod) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            VolumeException e = assertThrows(VolumeException.class, () -> manager.setUp(pod));
            if (!e.getMessage().contains("forbidden") || Instant.now().isAfter(deadline)) {
                return e;
            }
            sleep();
        }
    }

    @Test
    void emptyDirOnDiskIs0777AndMemoryIsATmpfsOfTheSizeLimit() throws Exception {
        String ns = namespace();
        Pod pod = createPod(ns, "scratch", false,
                new VolumeBuilder().withName("cache").withNewEmptyDir().endEmptyDir().build(),
                new VolumeBuilder().withName("shm").withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("16Mi"))
                        .endEmptyDir().build());
        VolumeManager manager = manager("emptydir");
        String uid = pod.getMetadata().getUid();
        Map<String, Path> paths = setUp(manager, pod);
        Path volumes = manager.podVolumesDir(uid);
        assertEquals(volumes.resolve("kubernetes.io~empty-dir/cache"), paths.get("cache"));
        assertEquals(volumes.resolve("kubernetes.io~empty-dir/shm"), paths.get("shm"));
        assertEquals(0777, Files2.mode(paths.get("cache")));
        Files.writeString(paths.get("cache").resolve("kept"), "x");
        if (root) {
            Mounts.Mount tmpfs = Mounts.at(paths.get("shm")).orElseThrow();
            assertEquals("tmpfs", tmpfs.fsType());
            assertTrue(tmpfs.options().contains("size=16384k"), tmpfs.options());
        }
        // a second setUp changes nothing and mounts nothing again
        assertEquals(paths, setUp(manager, pod));
        assertEquals("x", Files.readString(paths.get("cache").resolve("kept")));
        assertEquals(root ? 1 : 0, Mounts.under(paths.get("shm")).size());

        manager.tearDown(uid);
        assertTrue(Mounts.under(volumes).isEmpty());
        assertFalse(Files.exists(volumes.getParent()));
        manager.tearDown(uid); // twice is fine
    }

    @Test
    void configMapFilesModesLinksAndAnAtomicUpdate() throws Exception {
        String ns = namespace();
        var configMaps = api.admin().typed(Resources.CONFIG_MAPS, ConfigMap.class);
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("app").endMetadata()
                .addToData("a.conf", "one").addToData("b.conf", "two")
                .addToBinaryData("blob", Base64.getEncoder().encodeToString(new byte[] {0, 1, 2})).build());
        Pod pod = createPod(ns, "cm", false,
                new VolumeBuilder().withName("all").withNewConfigMap().withName("app").endConfigMap().build(),
                new VolumeBuilder().withName("some").withNewConfigMap().withName("app").withDefaultMode(0640)
                        .addNewItem().withKey("a.conf").withPath("nested/a").withMode(0600).endItem()
                        .addNewItem().withKey("b.conf").withPath("b").endItem().endConfigMap().build());
        VolumeManager manager = manager("configmap");
        Map<String, Path> paths = setUp(manager, pod);
        Path all = paths.get("all");
        assertEquals(manager.podVolumesDir(pod.getMetadata().getUid()).resolve("kubernetes.io~configmap/all"), all);
        assertEquals(0777, Files2.mode(all));
        String stamp = Files.readSymbolicLink(all.resolve("..data")).toString();
        assertTrue(stamp.matches(STAMP), stamp);
        assertEquals(0755, Files2.mode(all.resolve(stamp)));
        assertEquals(Set.of("..data", stamp, "a.conf", "b.conf", "blob"), names(all));
        assertEquals(Path.of("..data/a.conf"), Files.readSymbolicLink(all.resolve("a.conf")));
        assertEquals("one", Files.readString(all.resolve("a.conf")));
        assertEquals(0644, Files2.mode(all.resolve(stamp).resolve("a.conf")));
        assertEquals(List.of((byte) 0, (byte) 1, (byte) 2), boxed(Files.readAllBytes(all.resolve("blob"))));

        Path some = paths.get("some");
        assertEquals(Path.of("..data/nested"), Files.readSymbolicLink(some.resolve("nested")));
        assertEquals("one", Files.readString(some.resolve("nested/a")));
        assertEquals(0600, Files2.mode(some.resolve("..data/nested/a")));
        assertEquals(0640, Files2.mode(some.resolve("..data/b")));
        assertFalse(Files.exists(some.resolve("blob")));

        // nothing changed: nothing is rewritten
        setUp(manager, pod);
        assertEquals(stamp, Files.readSymbolicLink(all.resolve("..data")).toString());

        // an update (a.conf changed, b.conf gone) shows after the next setUp, through a new ..data
        ConfigMap current = configMaps.get(ns, "app");
        current.getData().put("a.conf", "uno");
        current.getData().remove("b.conf");
        configMaps.update(current);
        // the items naming the removed key now fail, as upstream; the other volume is still updated
        VolumeException missing = setUpFails(manager, pod);
        assertEquals("MountVolume.SetUp failed for volume \"some\" : configmap references non-existent config key: b.conf",
                missing.getMessage());
        String newStamp = Files.readSymbolicLink(all.resolve("..data")).toString();
        assertNotEquals(stamp, newStamp);
        assertFalse(Files.exists(all.resolve(stamp), LinkOption.NOFOLLOW_LINKS), "the old version is removed");
        assertEquals("uno", Files.readString(all.resolve("a.conf")));
        assertEquals(Set.of("..data", newStamp, "a.conf", "blob"), names(all));
        assertEquals("one", Files.readString(some.resolve("nested/a")), "the failed volume keeps its last contents");
        manager.tearDown(pod.getMetadata().getUid());
    }

    @Test
    void missingConfigMapOrSecretFailsUnlessOptional() throws Exception {
        String ns = namespace();
        VolumeManager manager = manager("missing");
        Pod required = createPod(ns, "required", false,
                new VolumeBuilder().withName("cfg").withNewConfigMap().withName("app").endConfigMap().build());
        VolumeException e = setUpFails(manager, required);
        assertEquals("MountVolume.SetUp failed for volume \"cfg\" : configmap \"app\" not found", e.getMessage());
        assertFalse(Files.exists(manager.podVolumesDir(required.getMetadata().getUid()).resolve("kubernetes.io~configmap/cfg")),
                "a failed first setUp leaves no directory");

        Pod secret = createPod(ns, "secret", false,
                new VolumeBuilder().withName("creds").withNewSecret().withSecretName("db").endSecret().build());
        assertEquals("MountVolume.SetUp failed for volume \"creds\" : secret \"db\" not found",
                setUpFails(manager, secret).getMessage());

        Pod optional = createPod(ns, "optional", false,
                new VolumeBuilder().withName("cfg").withNewConfigMap().withName("app").withOptional(true)
                        .addNewItem().withKey("x").withPath("x").endItem().endConfigMap().build(),
                new VolumeBuilder().withName("creds").withNewSecret().withSecretName("db").withOptional(true).endSecret().build());
        Map<String, Path> paths = setUp(manager, optional);
        assertEquals(Set.of("..data", Files.readSymbolicLink(paths.get("cfg").resolve("..data")).toString()), names(paths.get("cfg")));
        assertEquals(2, names(paths.get("creds")).size());
        manager.tearDown(optional.getMetadata().getUid());
        manager.tearDown(required.getMetadata().getUid());
        manager.tearDown(secret.getMetadata().getUid());
    }

    @Test
    void secretIsDecodedOntoATmpfs() throws Exception {
        String ns = namespace();
        api.admin().typed(Resources.SECRETS, Secret.class).create(ns, new SecretBuilder().withNewMetadata().withName("db").endMetadata()
                .addToStringData("password", "s3cr3t").build());
        Pod pod = createPod(ns, "secret", false,
                new VolumeBuilder().withName("creds").withNewSecret().withSecretName("db").endSecret().build());
        VolumeManager manager = manager("secret");
        Path creds = setUp(manager, pod).get("creds");
        assertEquals(manager.podVolumesDir(pod.getMetadata().getUid()).resolve("kubernetes.io~secret/creds"), creds);
        assertEquals("s3cr3t", Files.readString(creds.resolve("password")));
        assertEquals(0644, Files2.mode(creds.resolve("..data/password")));
        if (root) {
            assertEquals("tmpfs", Mounts.at(creds).orElseThrow().fsType());
        }
        manager.tearDown(pod.getMetadata().getUid());
        assertTrue(Mounts.under(manager.podVolumesDir(pod.getMetadata().getUid())).isEmpty());
        assertFalse(Files.exists(creds));
    }

    @Test
    void downwardApiFieldsAndResources() throws Exception {
        String ns = namespace();
        Pod pod = createPod(ns, "downward", false, new VolumeBuilder().withName("info").withNewDownwardAPI()
                .addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
                .addNewItem().withPath("annotations").withNewFieldRef().withFieldPath("metadata.annotations").endFieldRef().endItem()
                .addNewItem().withPath("app").withNewFieldRef().withFieldPath("metadata.labels['app']").endFieldRef().endItem()
                .addNewItem().withPath("meta/name").withMode(0600).withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endItem()
                .addNewItem().withPath("meta/namespace").withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endItem()
                .addNewItem().withPath("meta/uid").withNewFieldRef().withFieldPath("metadata.uid").endFieldRef().endItem()
                .addNewItem().withPath("mem_limit_mi").withNewResourceFieldRef().withContainerName("main")
                        .withResource("limits.memory").withDivisor(new Quantity("1Mi")).endResourceFieldRef().endItem()
                .addNewItem().withPath("cpu_request_m").withNewResourceFieldRef().withContainerName("main")
                        .withResource("requests.cpu").withDivisor(new Quantity("1m")).endResourceFieldRef().endItem()
                .addNewItem().withPath("cpu_limit").withNewResourceFieldRef().withContainerName("main")
                        .withResource("limits.cpu").endResourceFieldRef().endItem()
                .endDownwardAPI().build());
        VolumeManager manager = manager("downward");
        Path info = setUp(manager, pod).get("info");
        assertEquals(manager.podVolumesDir(pod.getMetadata().getUid()).resolve("kubernetes.io~downward-api/info"), info);
        assertEquals("app=\"web\"\ntier=\"front\"", Files.readString(info.resolve("labels")));
        assertEquals("note=\"say \\\"héllo\\\"\\n\\t\\x01\"", Files.readString(info.resolve("annotations"), StandardCharsets.UTF_8));
        assertEquals("web", Files.readString(info.resolve("app")));
        assertEquals("downward", Files.readString(info.resolve("meta/name")));
        assertEquals(0600, Files2.mode(info.resolve("..data/meta/name")));
        assertEquals(ns, Files.readString(info.resolve("meta/namespace")));
        assertEquals(pod.getMetadata().getUid(), Files.readString(info.resolve("meta/uid")));
        assertEquals("64", Files.readString(info.resolve("mem_limit_mi")));
        assertEquals("250", Files.readString(info.resolve("cpu_request_m")));
        // no CPU limit: the node's allocatable CPUs, as upstream
        assertEquals(Integer.toString(HostFacts.read(dir.resolve("facts")).cpus()), Files.readString(info.resolve("cpu_limit")));

        // a label change reaches the file at the next setUp
        Pod relabelled = api.admin().typed(Resources.PODS, Pod.class).patch(ns, "downward",
                dev.kj.api.client.PatchType.MERGE, "{\"metadata\":{\"labels\":{\"app\":\"api\"}}}");
        setUp(manager, relabelled);
        assertEquals("api", Files.readString(info.resolve("app")));
        manager.tearDown(pod.getMetadata().getUid());
    }

    @Test
    void projectedServiceAccountTokenIsBoundToThePodAndAcceptedByTokenReview() throws Exception {
        String ns = namespace();
        // admission adds kube-api-access-xxxxx: token (3607 s), ca.crt from kube-root-ca.crt, namespace
        Pod pod = createPod(ns, "token", true);
        Volume access = pod.getSpec().getVolumes().stream().filter(v -> v.getName().startsWith("kube-api-access-"))
                .findFirst().orElseThrow();
        VolumeManager manager = manager("projected");
        Path dirPath = setUp(manager, pod).get(access.getName());
        assertEquals(manager.podVolumesDir(pod.getMetadata().getUid()).resolve("kubernetes.io~projected").resolve(access.getName()),
                dirPath);
        assertEquals(Set.of("token", "ca.crt", "namespace"), names(dirPath).stream().filter(n -> !n.startsWith(".."))
                .collect(Collectors.toSet()));
        assertEquals(ns, Files.readString(dirPath.resolve("namespace")));
        assertTrue(Files.readString(dirPath.resolve("ca.crt")).startsWith("-----BEGIN CERTIFICATE-----"));
        if (root) {
            assertEquals("tmpfs", Mounts.at(dirPath).orElseThrow().fsType());
        }
        String token = Files.readString(dirPath.resolve("token"));
        assertEquals(3, token.split("\\.").length, "a JWT");

        ObjectNode review = JsonNodeFactory.instance.objectNode();
        review.put("apiVersion", "authentication.k8s.io/v1");
        review.put("kind", "TokenReview");
        review.putObject("spec").put("token", token);
        ObjectNode answer = api.admin().generic(new Resource("authentication.k8s.io", "v1", "tokenreviews", false, "TokenReview"))
                .create(null, review);
        var status = answer.path("status");
        assertTrue(status.path("authenticated").asBoolean(), answer.toString());
        assertEquals("system:serviceaccount:" + ns + ":default", status.path("user").path("username").asText());
        assertEquals("token", status.path("user").path("extra").path("authentication.kubernetes.io/pod-name").get(0).asText());
        assertEquals(pod.getMetadata().getUid(),
                status.path("user").path("extra").path("authentication.kubernetes.io/pod-uid").get(0).asText());

        // the cached token is served again: no new write
        String stamp = Files.readSymbolicLink(dirPath.resolve("..data")).toString();
        setUp(manager, pod);
        assertEquals(stamp, Files.readSymbolicLink(dirPath.resolve("..data")).toString());
        assertEquals(token, Files.readString(dirPath.resolve("token")));
        manager.tearDown(pod.getMetadata().getUid());
        assertFalse(Files.exists(dirPath));
    }

    @Test
    void hostPathTypesAreCheckedAndCreated() throws Exception {
        String ns = namespace();
        Path host = Files.createDirectories(dir.resolve("host"));
        Path file = Files.writeString(host.resolve("file"), "x");
        VolumeManager manager = manager("hostpath");
        Map<String, String> failures = Map.of(
                "Directory", "hostPath type check failed: " + file + " is not a directory",
                "Socket", "hostPath type check failed: " + file + " is not a socket file",
                "CharDevice", "hostPath type check failed: " + file + " is not a character device",
                "BlockDevice", "hostPath type check failed: " + file + " is not a block device");
        int n = 0;
        for (Map.Entry<String, String> failure : failures.entrySet()) {
            Pod pod = createPod(ns, "bad-" + n++, false, new VolumeBuilder().withName("h").withNewHostPath()
                    .withPath(file.toString()).withType(failure.getKey()).endHostPath().build());
            assertEquals("MountVolume.SetUp failed for volume \"h\" : " + failure.getValue(), setUpFails(manager, pod).getMessage());
        }
        Pod notAFile = createPod(ns, "bad-file", false, new VolumeBuilder().withName("h").withNewHostPath()
                .withPath(host.toString()).withType("File").endHostPath().build());
        assertEquals("MountVolume.SetUp failed for volume \"h\" : hostPath type check failed: " + host + " is not a file",
                setUpFails(manager, notAFile).getMessage());

        Path newDir = host.resolve("made/deep");
        Path newFile = host.resolve("made.txt");
        Pod creating = createPod(ns, "creating", false,
                new VolumeBuilder().withName("d").withNewHostPath().withPath(newDir.toString()).withType("DirectoryOrCreate").endHostPath().build(),
                new VolumeBuilder().withName("f").withNewHostPath().withPath(newFile.toString()).withType("FileOrCreate").endHostPath().build(),
                new VolumeBuilder().withName("any").withNewHostPath().withPath(host.resolve("absent").toString()).endHostPath().build());
        Map<String, Path> paths = setUp(manager, creating);
        assertEquals(newDir, paths.get("d"));
        assertEquals(0755, Files2.mode(newDir));
        assertEquals(0755, Files2.mode(newDir.getParent()));
        assertTrue(Files.isRegularFile(newFile));
        assertEquals(0644, Files2.mode(newFile));
        assertEquals(host.resolve("absent"), paths.get("any"));
        manager.tearDown(creating.getMetadata().getUid());
        assertTrue(Files.isDirectory(newDir), "tearDown leaves the host's paths alone");
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static List<Byte> boxed(byte[] bytes) {
        List<Byte> out = new java.util.ArrayList<>();
        for (byte b : bytes) {
            out.add(b);
        }
        return out;
    }

    private static <T> T waitFor(String what, java.util.function.Supplier<Optional<T>> probe) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
