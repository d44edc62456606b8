package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kubectl 1.27-1.33 against the garbage collector and the namespace controller running in kj's
 * server: {@code delete --cascade=background|foreground|orphan} of a Deployment → ReplicaSet →
 * Pod and ConfigMap chain built by hand (there are no workload controllers yet), and
 * {@code delete namespace}: Terminating, creates refused, conditions while content is held, gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlCascadeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "kubectl"})
    void cascadesAndNamespaceDeletion(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "cascade-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();

        chain(kubectl, ns);
        assertEquals("deployment.apps \"d\" deleted", deleted(kubectl.run("delete", "deployment", "d", "-n", ns,
                "--cascade=background").ok()));
        kubectl.run("wait", "--for=delete", "replicaset/rs", "pod/p", "configmap/c", "-n", ns, "--timeout=60s").ok();

        chain(kubectl, ns);
        // kubectl waits until the owner is gone, which the collector allows only once its dependents are
        assertEquals("deployment.apps \"d\" deleted", deleted(kubectl.run("delete", "deployment", "d", "-n", ns,
                "--cascade=foreground").ok()));
        assertTrue(gone(kubectl, ns, "replicaset", "rs") && gone(kubectl, ns, "pod", "p") && gone(kubectl, ns, "configmap", "c"),
                "when kubectl's wait for the owner ends, its dependents are gone already");

        chain(kubectl, ns);
        assertEquals("deployment.apps \"d\" deleted", deleted(kubectl.run("delete", "deployment", "d", "-n", ns,
                "--cascade=orphan").ok()));
        JsonNode rs = JSON.readTree(kubectl.run("get", "replicaset", "rs", "-n", ns, "-o", "json").ok().stdout());
        assertTrue(rs.path("metadata").path("ownerReferences").isMissingNode()
                || rs.path("metadata").path("ownerReferences").isEmpty(), rs.path("metadata").toString());
        JsonNode pod = JSON.readTree(kubectl.run("get", "pod", "p", "-n", ns, "-o", "json").ok().stdout());
        assertEquals("ReplicaSet", pod.path("metadata").path("ownerReferences").path(0).path("kind").asText(),
                "the grandchildren keep their own owner");

        Path held = dir.resolve(ns + "-held.yaml");
        Files.writeString(held, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/hold]}\n");
        kubectl.run("create", "-f", held.toString(), "-n", ns).ok();
        assertEquals("namespace \"" + ns + "\" deleted", kubectl.run("delete", "namespace", ns, "--wait=false").ok().stdout().strip());
        List<String> table = kubectl.run("get", "namespace", ns).ok().stdout().lines().toList();
        assertEquals(List.of("NAME", "STATUS", "AGE"), List.of(table.get(0).split("\\s+")));
        assertEquals(List.of(ns, "Terminating"), List.of(table.get(1).split("\\s+")).subList(0, 2));
        Kubectl.Result refused = kubectl.run("create", "configmap", "late", "-n", ns);
        assertEquals(1, refused.exitCode());
        assertEquals("error: failed to create configmap: configmaps \"late\" is forbidden: unable to create new content in"
                + " namespace " + ns + " because it is being terminated", refused.stderr().strip());

        JsonNode conditions = null;
        for (int attempt = 0; attempt < 600; attempt++) {
            conditions = JSON.readTree(kubectl.run("get", "namespace", ns, "-o", "json").ok().stdout())
                    .path("status").path("conditions");
            if (conditions.size() == 5) {
                break;
            }
            Thread.sleep(100);
        }
        List<String> seen = new ArrayList<>();
        conditions.forEach(c -> seen.add(c.path("type").asText() + "=" + c.path("status").asText()));
        assertEquals(List.of("NamespaceDeletionDiscoveryFailure=False", "NamespaceDeletionGroupVersionParsingFailure=False",
                "NamespaceDeletionContentFailure=False", "NamespaceContentRemaining=True",
                "NamespaceFinalizersRemaining=True"), seen);
        String yaml = kubectl.run("get", "namespace", ns, "-o", "yaml").ok().stdout();
        assertTrue(yaml.contains("message: 'Some content in the namespace has finalizers remaining: example.com/hold\n"
                + "      in 1 resource instances'"), yaml);

        kubectl.run("patch", "configmap", "held", "-n", ns, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}").ok();
        kubectl.run("wait", "--for=delete", "namespace/" + ns, "--timeout=60s").ok();
        Kubectl.Result gone = kubectl.run("get", "namespace", ns);
        assertEquals(1, gone.exitCode());
        assertEquals("Error from server (NotFound): namespaces \"" + ns + "\" not found", gone.stderr().strip());
    }

    /** Deployment d → ReplicaSet rs (blocking) → Pod p and ConfigMap c (blocking), made with kubectl. */
    private void chain(Kubectl kubectl, String ns) throws Exception {
        kubectl.run("create", "deployment", "d", "--image=busybox", "-n", ns).ok();
        String deployment = kubectl.run("get", "deployment", "d", "-n", ns, "-o", "jsonpath={.metadata.uid}").ok().stdout();
        Path rs = dir.resolve(ns + "-rs.yaml");
        Files.writeString(rs, """
                apiVersion: apps/v1
                kind: ReplicaSet
                metadata:
                  name: rs
                  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: d, uid: %s, controller: true, blockOwnerDeletion: true}]
                spec:
                  selector: {matchLabels: {app: d}}
                  template:
                    metadata: {labels: {app: d}}
                    spec: {containers: [{name: c, image: busybox}]}
                """.formatted(deployment));
        kubectl.run("create", "-f", rs.toString(), "-n", ns).ok();
        String replicaSet = kubectl.run("get", "replicaset", "rs", "-n", ns, "-o", "jsonpath={.metadata.uid}").ok().stdout();
        String owner = "ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: " + replicaSet
                + ", controller: true, blockOwnerDeletion: true}]";
        Path dependents = dir.resolve(ns + "-dependents.yaml");
        Files.writeString(dependents, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                  labels: {app: d}
                  %s
                spec: {containers: [{name: c, image: busybox}]}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: c
                  %s
                """.formatted(owner, owner));
        kubectl.run("create", "-f", dependents.toString(), "-n", ns).ok();
    }

    private static String deleted(Kubectl.Result result) {
        return result.stdout().strip().replaceAll(" from \\S+ namespace", "");
    }

    private static boolean gone(Kubectl kubectl, String ns, String kind, String name) {
        return kubectl.run("get", kind, name, "-n", ns, "--ignore-not-found").ok().stdout().isBlank();
    }
}
