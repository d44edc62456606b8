package dev.kj.controllers.podgc;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.api.client.ApiClient;
import dev.kj.api.informers.InformerFactory;
import dev.kj.apiserver.authz.Authorization;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.KubeletStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod garbage collector against a real API server, as system:serviceaccount:kube-system:pod-garbage-collector
 * (so its RBAC role is what lets it act). Each test runs its own collector with a short period and
 * quarantine (and its own threshold); the server's own, at upstream's defaults, runs beside it.
 * No kubelet exists yet: {@link KubeletStandIn} writes pod status as the node.
 */
class PodGarbageCollectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer server;
    static Kubectl admin;
    static KubeletStandIn kubelet;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        admin = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        kubelet = KubeletStandIn.register(server, admin, dir, "node-1");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A collector of its own, running until closed. */
    private static AutoCloseable collector(PodGarbageCollector.Settings settings) {
        ApiClient client = new ApiClient(server.server().inProcessTransport(
                Authorization.kubeSystemServiceAccount(PodGarbageCollector.IDENTITY)));
        InformerFactory informers = new InformerFactory(client);
        PodGarbageCollector collector = new PodGarbageCollector(new ControllerContext(client, informers, Clock.systemUTC()), settings);
        informers.start();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                collector.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return () -> {
            collector.close();
            thread.join(Duration.ofSeconds(30));
            informers.close();
        };
    }

    private static JsonNode get(String... args) {
        List<String> all = new ArrayList<>(List.of("get"));
        all.addAll(List.of(args));
        all.addAll(List.of("-o", "json"));
        try {
            return JSON.readTree(admin.run(all.toArray(String[]::new)).ok().stdout());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> podNames(String namespace) {
        List<String> names = new ArrayList<>();
        get("pods", "-n", namespace).path("items").forEach(p -> names.add(p.path("metadata").path("name").asText()));
        return names;
    }

    private static void createPod(String namespace, String name, String nodeName, boolean held) throws Exception {
        Path file = dir.resolve(namespace + "-" + name + ".yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                %s
                spec:
                  %s
                  containers: [{name: main, image: busybox}]
                """.formatted(name, namespace, held ? "  finalizers: [example.com/hold]" : "",
                nodeName == null ? "" : "nodeName: " + nodeName));
        admin.run("create", "-f", file.toString()).ok();
    }

    private static JsonNode condition(JsonNode pod, String type) {
        for (JsonNode condition : pod.path("status").path("conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return condition;
            }
        }
        return null;
    }

    @Test
    void terminatedPodsAboveTheThresholdGoEvictedFirstThenOldest() throws Exception {
        admin.run("create", "namespace", "done").ok();
        for (String name : List.of("t1", "t2", "t3", "t4")) {
            createPod("done", name, "node-1", false);
        }
        createPod("done", "running", "node-1", false);
        kubelet.running("done", "running");
        for (String name : List.of("t1", "t2", "t3")) {
            kubelet.terminated("done", name, 0);
        }
        kubelet.evicted("done", "t4");
        try (AutoCloseable ignored = collector(new PodGarbageCollector.Settings(2, Duration.ofSeconds(1), Duration.ofSeconds(2)))) {
            until("two terminated pods left", () -> podNames("done").size() == 3);
            assertEquals(List.of("running", "t2", "t3"), podNames("done"));
        }
    }

    @Test
    void podsOfANodeThatIsGoneAreFailedWithDisruptionTargetAndDeleted() throws Exception {
        admin.run("create", "namespace", "orphans").ok();
        KubeletStandIn.register(server, admin, dir, "gone");
        createPod("orphans", "stranded", "gone", true);
        createPod("orphans", "fine", "node-1", false);
        try (AutoCloseable ignored = collector(new PodGarbageCollector.Settings(0, Duration.ofSeconds(1), Duration.ofSeconds(2)))) {
            admin.run("delete", "node", "gone").ok();
            until("the orphan deleted", () -> get("pod", "stranded", "-n", "orphans").path("metadata").has("deletionTimestamp"));
        }
        JsonNode pod = get("pod", "stranded", "-n", "orphans");
        assertEquals("Failed", pod.path("status").path("phase").asText());
        assertEquals(0, pod.path("metadata").path("deletionGracePeriodSeconds").asInt(-1));
        JsonNode disruption = condition(pod, "DisruptionTarget");
        assertEquals(List.of("True", "DeletionByPodGC", "PodGC: node no longer exists"), List.of(disruption.path("status").asText(),
                disruption.path("reason").asText(), disruption.path("message").asText()));
        String managers = get("pod", "stranded", "-n", "orphans", "--show-managed-fields").path("metadata").path("managedFields").toString();
        assertTrue(managers.contains("\"manager\":\"PodGC\",\"operation\":\"Apply\""), managers);
        assertEquals("", get("pod", "fine", "-n", "orphans").path("metadata").path("deletionTimestamp").asText());
        admin.run("patch", "pod", "stranded", "-n", "orphans", "--type=json",
                "-p", "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]").ok();
    }

    @Test
    void terminatingPodsThatWereNeverScheduledAreFailedAndDeleted() throws Exception {
        admin.run("create", "namespace", "unscheduled").ok();
        createPod("unscheduled", "floating", null, true);
        createPod("unscheduled", "waiting", null, false);
        admin.run("delete", "pod", "floating", "-n", "unscheduled", "--wait=false").ok();
        try (AutoCloseable ignored = collector(new PodGarbageCollector.Settings(0, Duration.ofSeconds(1), Duration.ofSeconds(2)))) {
            until("marked Failed", () -> "Failed".equals(get("pod", "floating", "-n", "unscheduled").path("status").path("phase").asText()));
        }
        JsonNode pod = get("pod", "floating", "-n", "unscheduled");
        assertEquals(null, condition(pod, "DisruptionTarget"), "only orphans get the DisruptionTarget condition");
        assertEquals("", get("pod", "waiting", "-n", "unscheduled").path("metadata").path("deletionTimestamp").asText());
        admin.run("patch", "pod", "floating", "-n", "unscheduled", "--type=json",
                "-p", "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]").ok();
        until("gone", () -> podNames("unscheduled").equals(List.of("waiting")));
    }
}
