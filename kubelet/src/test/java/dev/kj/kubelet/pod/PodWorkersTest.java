package dev.kj.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ListOptions;
import dev.kj.kubelet.cri.v1.ContainerFilter;
import dev.kj.kubelet.cri.v1.PodSandboxFilter;
import dev.kj.kubelet.kuberuntime.Labels;
import dev.kj.kubelet.testing.CriTestbed;
import dev.kj.kubelet.testing.TestApiServer;
import dev.kj.kubelet.volume.VolumeManager;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod workers against a real kj API server (as system:node:HOST) and a real containerd: pods
 * are bound to the node by setting spec.nodeName, no scheduler involved.
 */
@ExtendWith(CriTestbed.class)
class PodWorkersTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    @TempDir
    static Path dir;
    private static TestApiServer server;
    private static ApiClient admin;
    private static ApiClient kubelet;
    private static PodWorkers workers;
    private static String nodeName;
    private static Path logRoot;

    @BeforeAll
    static void start(CriTestbed.Bed bed) throws Exception {
        server = TestApiServer.start(dir);
        admin = server.admin();
        kubelet = server.node();
        nodeName = server.nodeName();
        try {
            admin.typed(Resources.SERVICE_ACCOUNTS, io.fabric8.kubernetes.api.model.ServiceAccount.class).create("default",
                    new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build());
        } catch (ApiException e) {
            if (!e.isAlreadyExists()) {
                throw e;
            }
        }
        // The Node exists, or the pod garbage collector deletes its pods as orphans.
        var runtimeState = new dev.kj.kubelet.nodestatus.RuntimeState(Clock.systemUTC(), dev.kj.kubelet.nodestatus.RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        new dev.kj.kubelet.nodestatus.NodeRegistration(kubelet.typed(Resources.NODES, io.fabric8.kubernetes.api.model.Node.class))
                .register(dev.kj.kubelet.nodestatus.NodeObject.initial(nodeName, dev.kj.kubelet.nodestatus.HostFacts.read(dir.resolve("kubelet")),
                        "v1.33.0-kj", "containerd://test", dev.kj.kubelet.nodestatus.ReadyCondition.compute(runtimeState, List.of(),
                                Optional.empty(), Instant.now())));
        logRoot = dir.resolve("logs");
        workers = new PodWorkers(PodWorkersConfig.of(kubelet, bed.runtime(), bed.images(), nodeName, "10.244.7.1", logRoot,
                dir.resolve("kubelet"), new VolumeManager(kubelet, dir.resolve("kubelet"), Clock.systemUTC()), Clock.systemUTC()).withNodeResources(2, 4L << 30)
                .withImageBackOff(Duration.ofSeconds(5), Duration.ofSeconds(20)));
        workers.start();
    }

    @AfterAll
    static void stop() {
        if (workers != null) {
            workers.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Pod create(Pod pod) {
        pod.getSpec().setNodeName(nodeName);
        pod.getSpec().setAutomountServiceAccountToken(false);
        pod.getSpec().setEnableServiceLinks(pod.getSpec().getEnableServiceLinks());
        return admin.typed(Resources.PODS, Pod.class).create("default", pod);
    }

    private static Pod get(String name) {
        return admin.typed(Resources.PODS, Pod.class).get("default", name);
    }

    private static Pod waitForPod(String name, String what, Predicate<Pod> condition) {
        return waitFor(what + " of pod " + name, () -> {
            Pod pod = get(name);
            return condition.test(pod) ? Optional.of(pod) : Optional.empty();
        });
    }

    private static ContainerStatus status(Pod pod, String container) {
        return Stream.concat(Stream.ofNullable(pod.getStatus().getContainerStatuses()).flatMap(List::stream),
                        Stream.ofNullable(pod.getStatus().getInitContainerStatuses()).flatMap(List::stream))
                .filter(s -> s.getName().equals(container)).findFirst().orElse(null);
    }

    private static String condition(Pod pod, String type) {
        return pod.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(c -> c.getStatus()).findFirst().orElse("");
    }

    private static PodBuilder pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels("app", name).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(2L).endSpec();
    }

    @Test
    void initContainerThenHttpdRunningAndReachableByItsPodIp() throws Exception {
        create(pod("web").editSpec()
                .addNewInitContainer().withName("prepare").withImage(CriTestbed.BUSYBOX).withImagePullPolicy("IfNotPresent")
                .withCommand("sh", "-c", "echo init done").endInitContainer()
                .addNewContainer().withName("httpd").withImage(CriTestbed.BUSYBOX).withImagePullPolicy("IfNotPresent")
                .withCommand("sh", "-c", "mkdir -p /www && echo hello from $(POD_NAME) > /www/index.html && exec httpd -f -p 8080 -h /www")
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().endEnv()
                .addNewPort().withContainerPort(8080).endPort()
                .endContainer().endSpec().build());
        Pod running = waitForPod("web", "Running and Ready", p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                && "True".equals(condition(p, "Ready")));
        String podIp = running.getStatus().getPodIP();
        assertTrue(podIp.startsWith("10.244.7."), podIp);
        assertEquals(podIp, running.getStatus().getPodIPs().getFirst().getIp());
        assertEquals("10.244.7.1", running.getStatus().getHostIP());
        assertEquals("BestEffort", running.getStatus().getQosClass());
        assertNotNull(running.getStatus().getStartTime());
        assertEquals("True", condition(running, "Initialized"));
        assertEquals("True", condition(running, "ContainersReady"));
        assertEquals("True", condition(running, "PodReadyToStartContainers"));
        ContainerStatus init = status(running, "prepare");
        assertEquals(0, init.getState().getTerminated().getExitCode());
        assertEquals("Completed", init.getState().getTerminated().getReason());
        ContainerStatus httpd = status(running, "httpd");
        assertNotNull(httpd.getState().getRunning());
        assertTrue(httpd.getReady() && httpd.getStarted());
        assertTrue(httpd.getContainerID().startsWith("containerd://"), httpd.getContainerID());
        assertTrue(httpd.getImageID().contains("sha256:"), httpd.getImageID());

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String body = waitFor("httpd answering on " + podIp, () -> {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + podIp + ":8080/index.html"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
            } catch (java.io.IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals("hello from web\n", body);
        var events = admin.generic(Resources.EVENTS).list("default", ListOptions.NONE).items().stream()
                .filter(e -> e.path("involvedObject").path("name").asText().equals("web")).map(e -> e.path("reason").asText()).toList();
        assertTrue(events.containsAll(List.of("Pulled", "Created", "Started")), events.toString());
    }

    @Test
    void environmentFromFieldsConfigMapsAndSecretsAndAJobLikePodSucceeds(CriTestbed.Bed bed) throws Exception {
        admin.typed(Resources.CONFIG_MAPS, io.fabric8.kubernetes.api.model.ConfigMap.class).create("default", new ConfigMapBuilder()
                .withNewMetadata().withName("settings").endMetadata().addToData("color", "blue").addToData("size", "L")
                .addToData("1st", "x").build());
        admin.typed(Resources.SECRETS, io.fabric8.kubernetes.api.model.Secret.class).create("default", new SecretBuilder()
                .withNewMetadata().withName("creds").endMetadata().addToStringData("password", "s3cret").build());
        Pod created = create(pod("job").editSpec().withRestartPolicy("Never")
                .addNewContainer().withName("main").withImage(CriTestbed.BUSYBOX).withImagePullPolicy("IfNotPresent")
                .withCommand("sh", "-c", "env | sort; echo FROM_VOLUME=$(cat /cfg/color)")
                .addNewVolumeMount().withName("cfg").withMountPath("/cfg").withReadOnly(true).endVolumeMount()
                .addNewEnvFrom().withNewConfigMapRef().withName("settings").endConfigMapRef().endEnvFrom()
                .addNewEnvFrom().withPrefix("CM_").withNewConfigMapRef().withName("settings").endConfigMapRef().endEnvFrom()
                .addNewEnv().withName("MY_NS").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MY_APP").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.labels['app']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MY_NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MY_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("COLOR").withNewValueFrom().withNewConfigMapKeyRef().withName("settings").withKey("color").endConfigMapKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef().withName("creds").withKey("password").endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("ABSENT").withNewValueFrom().withNewConfigMapKeyRef().withName("nope").withKey("x").withOptional(true).endConfigMapKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("COMBINED").withValue("$(COLOR)-$(MY_NS)-$$(COLOR)-$(UNKNOWN)").endEnv()
                .endContainer()
                .addNewVolume().withName("cfg").withNewConfigMap().withName("settings").endConfigMap().endVolume()
                .endSpec().build());
        Pod done = waitForPod("job", "Succeeded", p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase()));
        var terminated = status(done, "main").getState().getTerminated();
        assertEquals(0, terminated.getExitCode());
        assertEquals("Completed", terminated.getReason());
        assertEquals("False", condition(done, "Ready"));
        String podIp = done.getStatus().getPodIP();

        Path log = logRoot.resolve("default_job_" + created.getMetadata().getUid()).resolve("main/0.log");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> l.split(" ", 4)[3]).toList();
        assertTrue(lines.contains("MY_NS=default"), lines.toString());
        assertTrue(lines.contains("MY_APP=job"), lines.toString());
        assertTrue(lines.contains("MY_NODE=" + nodeName), lines.toString());
        assertTrue(lines.contains("MY_IP=" + podIp), lines.toString());
        assertTrue(lines.contains("COLOR=blue"), lines.toString());
        assertTrue(lines.contains("CM_color=blue") && lines.contains("CM_size=L"), lines.toString());
        assertTrue(lines.contains("PASSWORD=s3cret"), lines.toString());
        assertTrue(lines.contains("FROM_VOLUME=blue"), "the configMap volume from the VolumeManager: " + lines);
        assertTrue(lines.contains("COMBINED=blue-default-$(COLOR)-$(UNKNOWN)"), lines.toString());
        assertTrue(lines.contains("color=blue") && lines.contains("CM_1st=x"), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("ABSENT=") || l.startsWith("1st=")), lines.toString());
        // The kubernetes Service's variables (service links).
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("KUBERNETES_SERVICE_HOST=")), lines.toString());

        String skipped = waitFor("the InvalidEnvironmentVariableNames event", () -> admin.generic(Resources.EVENTS).list("default", ListOptions.NONE)
                .items().stream().filter(e -> e.path("reason").asText().equals("InvalidEnvironmentVariableNames")
                        && e.path("involvedObject").path("name").asText().equals("job"))
                .map(e -> e.path("message").asText()).findFirst());
        assertEquals("Keys [1st] from the EnvFrom configMap default/settings were skipped since they are considered invalid environment "
                + "variable names.", skipped);

        // A missing config map is a CreateContainerConfigError with upstream's message.
        create(pod("misconfigured").editSpec().addNewContainer().withName("app").withImage(CriTestbed.BUSYBOX)
                .withImagePullPolicy("IfNotPresent").withCommand("sleep", "3600")
                .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef().withName("missing").withKey("x").endConfigMapKeyRef()
                .endValueFrom().endEnv().endContainer().endSpec().build());
        Pod stuck = waitForPod("misconfigured", "CreateContainerConfigError", p -> p.getStatus() != null
                && status(p, "app") != null && status(p, "app").getState().getWaiting() != null
                && "CreateContainerConfigError".equals(status(p, "app").getState().getWaiting().getReason()));
        assertEquals("configmap \"missing\" not found", status(stuck, "app").getState().getWaiting().getMessage());
        assertEquals("Pending", stuck.getStatus().getPhase());
    }

    @Test
    void aCrashingContainerBacksOffLongerEachTime(CriTestbed.Bed bed) {
        Pod created = create(pod("crash").editSpec().addNewContainer().withName("app").withImage(CriTestbed.BUSYBOX)
                .withImagePullPolicy("IfNotPresent").withCommand("sh", "-c", "echo failing; exit 1").endContainer().endSpec().build());
        String uid = created.getMetadata().getUid();
        Pod first = waitForPod("crash", "CrashLoopBackOff", p -> waitingMessage(p).contains("back-off 10s"));
        assertEquals("back-off 10s restarting failed container=app pod=crash_default(" + uid + ")", waitingMessage(first));
        ContainerStatus s = status(first, "app");
        assertEquals("CrashLoopBackOff", s.getState().getWaiting().getReason());
        assertTrue(s.getRestartCount() >= 1, "restartCount " + s.getRestartCount());
        assertEquals(1, s.getLastState().getTerminated().getExitCode());
        assertEquals("Error", s.getLastState().getTerminated().getReason());
        assertEquals("Running", first.getStatus().getPhase());

        Pod second = waitForPod("crash", "a longer back-off", p -> waitingMessage(p).contains("back-off 20s"));
        assertTrue(status(second, "app").getRestartCount() > s.getRestartCount(), "restartCount grows");
        // Only the newest exited instance is kept (for logs --previous).
        long instances = bed.runtime().listContainers(ContainerFilter.newBuilder().putLabelSelector(Labels.POD_UID, uid).build()).size();
        assertTrue(instances <= 2, instances + " containers kept");
    }

    private static String waitingMessage(Pod pod) {
        ContainerStatus app = pod.getStatus() == null ? null : status(pod, "app");
        var waiting = app == null ? null : app.getState().getWaiting();
        return waiting == null || waiting.getMessage() == null ? "" : waiting.getMessage();
    }

    @Test
    void deletingAPodStopsItsContainersAndTheObjectGoes(CriTestbed.Bed bed) {
        Pod created = create(pod("doomed").editSpec().addNewContainer().withName("app").withImage(CriTestbed.BUSYBOX)
                .withImagePullPolicy("IfNotPresent").withCommand("sleep", "3600").endContainer().endSpec().build());
        String uid = created.getMetadata().getUid();
        waitForPod("doomed", "Running", p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
        Instant deleted = Instant.now();
        admin.typed(Resources.PODS, Pod.class).delete("default", "doomed", dev.kj.api.client.DeleteOptions.NONE);
        waitFor("pod doomed gone", () -> {
            try {
                get("doomed");
                return Optional.empty();
            } catch (ApiException e) {
                return e.isNotFound() ? Optional.of(true) : Optional.empty();
            }
        });
        // sleep as pid 1 ignores SIGTERM: it is killed when the 2 s grace period ends.
        Duration took = Duration.between(deleted, Instant.now());
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
        assertTrue(bed.runtime().listPodSandbox(PodSandboxFilter.newBuilder().putLabelSelector(Labels.POD_UID, uid).build()).isEmpty());
        assertTrue(bed.runtime().listContainers(ContainerFilter.newBuilder().putLabelSelector(Labels.POD_UID, uid).build()).isEmpty());
    }

    @Test
    void aMissingImageIsErrImagePullThenImagePullBackOff() {
        create(pod("noimage").editSpec().addNewContainer().withName("app").withImage("127.0.0.1:5000/kj/missing:1.0")
                .withImagePullPolicy("IfNotPresent").endContainer().endSpec().build());
        Pod pulled = waitForPod("noimage", "ErrImagePull", p -> reason(p).equals("ErrImagePull"));
        assertTrue(waitingMessageOf(pulled).contains("127.0.0.1:5000/kj/missing:1.0"), waitingMessageOf(pulled));
        Pod backingOff = waitForPod("noimage", "ImagePullBackOff", p -> reason(p).equals("ImagePullBackOff"));
        assertEquals("Back-off pulling image \"127.0.0.1:5000/kj/missing:1.0\"", waitingMessageOf(backingOff));
        assertEquals("Pending", backingOff.getStatus().getPhase());

        create(pod("never").editSpec().addNewContainer().withName("app").withImage("127.0.0.1:5000/kj/missing:1.0")
                .withImagePullPolicy("Never").endContainer().endSpec().build());
        Pod never = waitForPod("never", "ErrImageNeverPull", p -> reason(p).equals("ErrImageNeverPull"));
        assertEquals("Container image \"127.0.0.1:5000/kj/missing:1.0\" is not present with pull policy of Never", waitingMessageOf(never));
    }

    private static String reason(Pod pod) {
        ContainerStatus app = pod.getStatus() == null ? null : status(pod, "app");
        var waiting = app == null ? null : app.getState().getWaiting();
        return waiting == null || waiting.getReason() == null ? "" : waiting.getReason();
    }

    private static String waitingMessageOf(Pod pod) {
        return status(pod, "app").getState().getWaiting().getMessage();
    }

    private static <T> T waitFor(String what, Supplier<Optional<T>> probe) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
