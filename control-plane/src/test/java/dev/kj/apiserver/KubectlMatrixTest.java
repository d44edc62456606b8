package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.ServerUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kubectl e2e flows {@link KubectlTest} does not run with every kubectl 1.27 … 1.33: create -f,
 * get -o wide and -A tables, describe, patch --type=json, wait --for=jsonpath on a change and
 * delete --wait held by a finalizer. One server for the class; each version works in its own
 * namespaces. {@link KubectlMatrixEtcdTest} runs the same on a real etcd and reads the keys back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlMatrixTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    Path dir;
    ServerUnderTest server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = startServer(tempDir);
    }

    ServerUnderTest startServer(Path tempDir) throws Exception {
        return ServerUnderTest.embedded(tempDir);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    Stream<String> versions() {
        return Stream.of("1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void createFromManifestWideAllNamespacesAndDescribe(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "mx-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();
        Path manifest = dir.resolve(ns + ".yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: app-config, labels: {app: shop, matrix: NS}}
                data: {mode: fast}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web-0, labels: {app: shop, matrix: NS}}
                spec:
                  containers: [{name: web, image: nginx}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, labels: {matrix: NS}}
                spec: {selector: {app: shop}, ports: [{port: 80}]}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, labels: {matrix: NS}}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: shop}}
                  template:
                    metadata: {labels: {app: shop}}
                    spec:
                      containers: [{name: web, image: nginx}]
                """.replace("NS", ns));
        assertEquals("configmap/app-config created\npod/web-0 created\nservice/web created\ndeployment.apps/web created",
                kubectl.run("create", "-f", manifest.toString(), "-n", ns, "--validate=false").ok().stdout().strip());

        assertEquals(List.of(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"),
                        List.of("web-0", "0/1", "Pending", "0", "<age>", "<none>", "<none>", "<none>", "<none>")),
                table(kubectl.run("get", "pods", "-n", ns, "-o", "wide").ok().stdout()));
        assertEquals(List.of(List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"),
                        List.of("web", "0/2", "0", "0", "<age>", "web", "nginx", "app=shop")),
                table(kubectl.run("get", "deployments", "-n", ns, "-o", "wide").ok().stdout()));
        // a defaulted Service: type ClusterIP, no external IP, TCP
        List<List<String>> services = table(kubectl.run("get", "services", "-n", ns, "-o", "wide").ok().stdout());
        assertEquals(List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"), services.get(0));
        assertEquals(List.of("web", "ClusterIP", "<ip>", "<none>", "80/TCP", "<age>", "app=shop"), services.get(1).stream()
                .map(cell -> cell.matches("10\\.43\\.\\d+\\.\\d+") ? "<ip>" : cell).toList());
        assertEquals(List.of(List.of("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"),
                        List.of(ns, "web-0", "0/1", "Pending", "0", "<age>")),
                table(kubectl.run("get", "pods", "-A", "-l", "matrix=" + ns).ok().stdout()));
        assertEquals(List.of("configmap/app-config", "deployment.apps/web", "pod/web-0", "service/web"),
                kubectl.run("get", "cm,deploy,pods,svc", "-A", "-l", "matrix=" + ns, "-o", "name").ok().stdout().lines().sorted().toList());

        // 1.31 put a blank line after each value of a ConfigMap's data
        String valueEnd = olderThan(version, "1.31") ? "\n" : "\n\n";
        assertEquals("""
                Name:         app-config
                Namespace:    NS
                Labels:       app=shop
                              matrix=NS
                Annotations:  <none>

                Data
                ====
                mode:
                ----
                fastEND
                BinaryData
                ====

                Events:  <none>
                """.replace("NS", ns).replace("END", valueEnd), kubectl.run("describe", "cm", "app-config", "-n", ns).ok().stdout());
        String described = kubectl.run("describe", "pod", "web-0", "-n", ns).ok().stdout();
        List<String> pod = described.lines().map(line -> line.strip().replaceAll("\\s+", " ")).toList();
        assertTrue(pod.containsAll(List.of("Name: web-0", "Namespace: " + ns, "Service Account: default", "Status: Pending",
                "Containers:", "web:", "Image: nginx", "Mounts:", "Volumes:", "TokenExpirationSeconds: 3607",
                "ConfigMapName: kube-root-ca.crt", "DownwardAPI: true", "QoS Class: BestEffort")), described);
        // no node exists: the scheduler may already have recorded upstream's FailedScheduling event
        assertTrue(pod.contains("Events: <none>") || pod.stream().anyMatch(line ->
                line.matches("Warning FailedScheduling \\S+ default-scheduler no nodes available to schedule pods")), described);
        assertTrue(described.matches("(?s).*\n {6}/var/run/secrets/kubernetes\\.io/serviceaccount from"
                + " kube-api-access-[a-z0-9]{5} \\(ro\\)\n.*"), described);

        server.stored("/registry/configmaps/" + ns + "/app-config").ifPresentOrElse(stored -> {
            assertEquals("ConfigMap", stored.path("kind").asText());
            assertEquals("fast", stored.path("data").path("mode").asText());
            assertEquals(ns, stored.path("metadata").path("labels").path("matrix").asText());
        }, () -> assertFalse(server.onEtcd(), "configmap key missing in etcd"));
        server.stored("/registry/deployments/" + ns + "/web").ifPresentOrElse(stored -> {
            assertEquals("apps/v1", stored.path("apiVersion").asText());
            assertEquals(2, stored.path("spec").path("replicas").asInt());
        }, () -> assertFalse(server.onEtcd(), "deployment key missing in etcd"));
        server.stored("/registry/pods/" + ns + "/web-0").ifPresentOrElse(
                stored -> assertEquals("nginx", stored.path("spec").path("containers").get(0).path("image").asText()),
                () -> assertFalse(server.onEtcd(), "pod key missing in etcd"));
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void jsonPatchWaitForJsonpathAndDeleteWait(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "mp-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("create", "configmap", "cfg", "-n", ns, "--from-literal=mode=fast").ok();

        assertEquals("configmap/cfg patched", kubectl.run("patch", "cm", "cfg", "-n", ns, "--type=json", "-p",
                "[{\"op\":\"replace\",\"path\":\"/data/mode\",\"value\":\"slow\"},{\"op\":\"add\",\"path\":\"/data/extra\",\"value\":\"1\"}]")
                .ok().stdout().strip());
        assertEquals("slow 1", kubectl.run("get", "cm", "cfg", "-n", ns, "-o", "jsonpath={.data.mode} {.data.extra}").ok().stdout());
        server.stored("/registry/configmaps/" + ns + "/cfg").ifPresentOrElse(
                stored -> assertEquals("{\"extra\":\"1\",\"mode\":\"slow\"}", sorted(stored.path("data"))),
                () -> assertFalse(server.onEtcd(), "configmap key missing in etcd"));
        Kubectl.Result failedTest = kubectl.run("patch", "cm", "cfg", "-n", ns, "--type=json", "-p",
                "[{\"op\":\"test\",\"path\":\"/data/mode\",\"value\":\"fast\"}]");
        assertEquals(1, failedTest.exitCode(), failedTest.stdout());

        // wait --for=jsonpath sees a later change through its watch
        try (Kubectl.Streaming waiting = kubectl.stream("wait", "cm/cfg", "-n", ns, "--for=jsonpath={.data.mode}=done",
                "--timeout=30s", "-v=6")) {
            waiting.awaitStderr("watch=true", 30);
            kubectl.run("patch", "cm", "cfg", "-n", ns, "--type=merge", "-p", "{\"data\":{\"mode\":\"done\"}}").ok();
            assertEquals("configmap/cfg condition met", waiting.nextLine(30));
        }

        // delete --wait returns only once a finalizer lets the object go
        kubectl.run("patch", "cm", "cfg", "-n", ns, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":[\"kj.dev/hold\"]}}").ok();
        try (Kubectl.Streaming deleting = kubectl.stream("delete", "cm", "cfg", "-n", ns, "--wait=true", "--timeout=60s", "-v=6")) {
            assertEquals("configmap \"cfg\" deleted", deleting.nextLine(30));
            deleting.awaitStderr("watch=true", 30);
            assertTrue(deleting.process().isAlive(), "kubectl delete --wait returned while a finalizer held the object");
            server.stored("/registry/configmaps/" + ns + "/cfg").ifPresentOrElse(stored -> {
                assertTrue(stored.path("metadata").has("deletionTimestamp"), stored.toString());
                assertEquals("[\"kj.dev/hold\"]", stored.path("metadata").path("finalizers").toString());
            }, () -> assertFalse(server.onEtcd(), "held configmap missing in etcd"));
            kubectl.run("patch", "cm", "cfg", "-n", ns, "--type=json", "-p", "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]").ok();
            assertTrue(deleting.process().waitFor(30, TimeUnit.SECONDS), "kubectl delete --wait did not return");
            assertEquals(0, deleting.process().exitValue(), deleting.stderr().toString());
        }
        assertTrue(server.stored("/registry/configmaps/" + ns + "/cfg").isEmpty());
        Kubectl.Result gone = kubectl.run("get", "cm", "cfg", "-n", ns);
        assertEquals("Error from server (NotFound): configmaps \"cfg\" not found", gone.stderr().strip());
    }

    /** Whether kubectl {@code version} (e.g. "1.29") is older than {@code minor}. */
    static boolean olderThan(String version, String minor) {
        return Integer.parseInt(version.substring(2)) < Integer.parseInt(minor.substring(2));
    }

    private static String sorted(JsonNode object) {
        return JSON.valueToTree(JSON.convertValue(object, java.util.TreeMap.class)).toString();
    }

    /** kubectl's column output split on runs of spaces, AGE cells (e.g. 3s, 2m5s) replaced by {@code <age>}. */
    static List<List<String>> table(String output) {
        return output.lines().map(line -> Arrays.stream(line.trim().split("\\s{2,}"))
                .map(cell -> cell.matches("\\d+[smhdy](\\d+[smhd])?") ? "<age>" : cell).toList()).toList();
    }
}
