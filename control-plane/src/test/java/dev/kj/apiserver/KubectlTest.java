package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.discovery.VersionInfo;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.ServerUnderTest;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stock kubectl, every minor version on the machine, against an in-process kj API server on embedded
 * Rhino ({@link KubectlEtcdTest}: the same on a real etcd).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private ServerUnderTest server;

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
        return Stream.of("1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "kubectl");
    }

    @org.junit.jupiter.api.Test
    void manifestsStatusSubresourceAndNamespaceDeletion() throws Exception {
        Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
        Path manifest = dir.resolve("web.yaml");
        java.nio.file.Files.writeString(manifest, """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: shop
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: shop
                  labels: {app: web}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers: [{name: web, image: nginx}]
                """);
        assertEquals("namespace/shop created\ndeployment.apps/web created",
                kubectl.run("create", "-f", manifest.toString()).ok().stdout().strip());
        assertEquals("1 2", kubectl.run("get", "deploy", "web", "-n", "shop", "-o",
                "jsonpath={.metadata.generation} {.spec.replicas}").ok().stdout());
        assertEquals("deployment.apps/web scaled",
                kubectl.run("scale", "deployment", "web", "-n", "shop", "--replicas=3").ok().stdout().strip());
        kubectl.run("patch", "deployment", "web", "-n", "shop", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"readyReplicas\":3}}").ok();
        assertEquals("2 3 3", kubectl.run("get", "deploy", "web", "-n", "shop", "-o",
                "jsonpath={.metadata.generation} {.spec.replicas} {.status.readyReplicas}").ok().stdout());
        assertEquals("deployment.apps/web", kubectl.run("get", "all", "-n", "shop", "-o", "name").ok().stdout().strip());
        kubectl.run("wait", "deployment/web", "-n", "shop", "--for=jsonpath={.status.readyReplicas}=3", "--timeout=20s").ok();

        kubectl.run("delete", "namespace", "shop").ok();
        assertEquals("", kubectl.run("get", "deployments", "-A", "-o", "name").ok().stdout().strip());
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void moreEverydayVerbs(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "ev-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();
        for (String name : List.of("one", "two", "three")) {
            kubectl.run("create", "secret", "generic", name, "-n", ns, "--from-literal=k=" + name).ok();
        }
        List<String> apiVersions = kubectl.run("api-versions").ok().stdout().lines().toList();
        assertTrue(apiVersions.containsAll(List.of("v1", "apps/v1", "coordination.k8s.io/v1")), apiVersions.toString());
        assertEquals(List.of("secret/one", "secret/three", "secret/two"),
                kubectl.run("get", "secrets", "-n", ns, "--chunk-size=1", "-o", "name").ok().stdout().lines().toList());
        assertEquals("dHdv", kubectl.run("get", "secret", "two", "-n", ns, "-o", "jsonpath={.data.k}").ok().stdout());
        assertEquals("Opaque", kubectl.run("get", "secret", "two", "-n", ns, "-o", "jsonpath={.type}").ok().stdout());
        kubectl.run("annotate", "secret", "one", "-n", ns, "note=hello").ok();
        kubectl.run("label", "secret", "one", "two", "-n", ns, "pick=yes").ok();
        assertEquals("hello", kubectl.run("get", "secret", "one", "-n", ns, "-o",
                "jsonpath={.metadata.annotations.note}").ok().stdout());
        String labels = kubectl.run("get", "secrets", "-n", ns, "--show-labels").ok().stdout();
        assertTrue(labels.lines().anyMatch(l -> l.startsWith("one ") && l.endsWith("pick=yes")), labels);
        assertEquals("NAME    TYPE\none     Opaque\nthree   Opaque\ntwo     Opaque", kubectl.run("get", "secrets", "-n", ns,
                "-o", "custom-columns=NAME:.metadata.name,TYPE:.type").ok().stdout().strip());
        assertEquals(List.of("secret/three"), kubectl.run("get", "secrets", "-n", ns, "--field-selector",
                "metadata.name!=one,metadata.name!=two", "-o", "name").ok().stdout().lines().toList());

        // replace: a full PUT of what get returned, with a changed field
        String json = kubectl.run("get", "secret", "three", "-n", ns, "-o", "json").ok().stdout();
        Path edited = dir.resolve("three-" + version + ".json");
        java.nio.file.Files.writeString(edited, json.replace("\"k\": \"dGhyZWU=\"", "\"k\": \"c2V2ZW4=\""));
        kubectl.run("replace", "-f", edited.toString()).ok();
        assertEquals("c2V2ZW4=", kubectl.run("get", "secret", "three", "-n", ns, "-o", "jsonpath={.data.k}").ok().stdout());
        Kubectl.Result stale = kubectl.run("replace", "-f", edited.toString());
        assertEquals(1, stale.exitCode());
        assertTrue(stale.stderr().contains("the object has been modified"), stale.stderr());

        try (Kubectl.Streaming waiting = kubectl.stream("wait", "--for=delete", "secret/two", "-n", ns, "--timeout=30s",
                "-v=6")) {
            waiting.awaitStderr("watch=true", 30); // delete only once kubectl watches, or it finds nothing to wait for
            kubectl.run("delete", "secrets", "-n", ns, "-l", "pick=yes").ok();
            assertEquals("secret/two condition met", waiting.nextLine(30));
        }
        kubectl.run("delete", "secrets", "--all", "-n", ns).ok();
        assertEquals("", kubectl.run("get", "secrets", "-n", ns, "-o", "name").ok().stdout());
        Kubectl.Result emptyList = kubectl.run("get", "secrets", "-n", ns);
        assertTrue(emptyList.stderr().contains("No resources found in " + ns + " namespace."), emptyList.stderr());
        kubectl.run("delete", "namespace", ns).ok();
    }

    /** Server-side Table columns as kubectl prints them (one kubectl version: the columns are the server's). */
    @org.junit.jupiter.api.Test
    void tableColumns() throws Exception {
        Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
        Path manifest = dir.resolve("tables.yaml");
        java.nio.file.Files.writeString(manifest, """
                apiVersion: v1
                kind: Namespace
                metadata: {name: tables}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: beta, namespace: tables, labels: {tier: api, table-test: "yes"}}
                data: {a: "1", b: "2"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: alpha, namespace: tables, labels: {tier: web, table-test: "yes"}}
                data: {a: "1"}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, namespace: tables}
                data: {user: YWRtaW4=}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: tables}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers: [{name: web, image: nginx}, {name: log, image: busybox}]
                """);
        kubectl.run("create", "-f", manifest.toString()).ok();

        assertEquals(List.of(List.of("NAME", "DATA", "AGE"), List.of("alpha", "1", "<age>"), List.of("beta", "2", "<age>")),
                table(kubectl.run("get", "cm", "-n", "tables", "-l", "table-test").ok().stdout()));
        assertEquals(List.of(List.of("NAMESPACE", "NAME", "DATA", "AGE"), List.of("tables", "alpha", "1", "<age>"),
                        List.of("tables", "beta", "2", "<age>")),
                table(kubectl.run("get", "cm", "-A", "-l", "table-test").ok().stdout()));
        assertEquals(List.of(List.of("NAME", "DATA", "AGE", "LABELS"), List.of("alpha", "1", "<age>", "table-test=yes,tier=web"),
                        List.of("beta", "2", "<age>", "table-test=yes,tier=api")),
                table(kubectl.run("get", "cm", "-n", "tables", "-l", "table-test", "--show-labels").ok().stdout()));
        assertEquals(List.of(List.of("NAME", "DATA", "AGE", "TIER"), List.of("alpha", "1", "<age>", "web"),
                        List.of("beta", "2", "<age>", "api")),
                table(kubectl.run("get", "cm", "-n", "tables", "-l", "table-test", "-L", "tier").ok().stdout()));
        // --sort-by asks for includeObject=Object and sorts on the full objects
        assertEquals(List.of(List.of("NAME", "DATA", "AGE"), List.of("beta", "2", "<age>"), List.of("alpha", "1", "<age>")),
                table(kubectl.run("get", "cm", "-n", "tables", "-l", "table-test", "--sort-by=.metadata.labels.tier")
                        .ok().stdout()));
        assertEquals(List.of(List.of("NAME", "TYPE", "DATA", "AGE"), List.of("creds", "Opaque", "1", "<age>")),
                table(kubectl.run("get", "secrets", "-n", "tables").ok().stdout()));
        assertEquals(List.of(List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"), List.of("web", "0/2", "0", "0", "<age>")),
                table(kubectl.run("get", "deploy", "-n", "tables").ok().stdout()));
        assertEquals(List.of(List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"),
                        List.of("web", "0/2", "0", "0", "<age>", "web,log", "nginx,busybox", "app=web")),
                table(kubectl.run("get", "deploy", "-n", "tables", "-o", "wide").ok().stdout()));
        kubectl.run("delete", "namespace", "tables").ok();
    }

    /** kubectl's column output split on runs of spaces, AGE cells (e.g. 3s, 2m5s) replaced by {@code <age>}. */
    private static List<List<String>> table(String output) {
        return output.lines().map(line -> java.util.Arrays.stream(line.trim().split("\\s{2,}"))
                .map(cell -> cell.matches("\\d+[smhdy](\\d+[smhd])?") ? "<age>" : cell).toList()).toList();
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void configMapLifecycle(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "kc-" + version.replace(".", "");

        JsonNode versions = JSON.readTree(kubectl.run("version", "-o", "json").ok().stdout());
        assertEquals(VersionInfo.GIT_VERSION, versions.path("serverVersion").path("gitVersion").asText());

        Kubectl.Result discovered = kubectl.run("api-resources", "-v=6").ok();
        String resources = discovered.stdout();
        // aggregated discovery: /api and /apis answer everything, no per-group-version fetches
        assertTrue(discovered.stderr().contains("/apis?timeout=") && !discovered.stderr().contains("/apis/apps/v1"),
                discovered.stderr());
        assertTrue(resources.lines().anyMatch(l -> l.matches("configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap")), resources);
        assertTrue(resources.lines().anyMatch(l -> l.matches("namespaces\\s+ns\\s+v1\\s+false\\s+Namespace")), resources);
        assertTrue(resources.lines().anyMatch(l -> l.matches("leases\\s+coordination.k8s.io/v1\\s+true\\s+Lease")), resources);

        assertEquals("namespace/" + ns + " created", kubectl.run("create", "namespace", ns).ok().stdout().strip());
        dev.kj.controllers.Await.until("the namespace's kube-root-ca.crt", () -> kubectl.run("get", "cm", "kube-root-ca.crt",
                "-n", ns).exitCode() == 0);
        assertEquals("configmap/cfg created", kubectl.run("create", "configmap", "cfg", "-n", ns,
                "--from-literal=k=v").ok().stdout().strip());

        JsonNode cm = JSON.readTree(kubectl.run("get", "cm", "cfg", "-n", ns, "-o", "json").ok().stdout());
        assertEquals("v", cm.path("data").path("k").asText());
        assertEquals(ns, cm.path("metadata").path("namespace").asText());
        assertEquals(36, cm.path("metadata").path("uid").asText().length());
        assertTrue(cm.path("metadata").path("resourceVersion").asText().matches("[1-9][0-9]*"));
        assertTrue(cm.path("metadata").path("creationTimestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        assertFalse(cm.path("metadata").has("generateName"));

        String yaml = kubectl.run("get", "configmap", "cfg", "-n", ns, "-o", "yaml").ok().stdout();
        assertTrue(yaml.contains("\n  k: v\n") && yaml.contains("kind: ConfigMap"), yaml);
        assertEquals(List.of("configmap/cfg", "configmap/kube-root-ca.crt"),
                kubectl.run("get", "cm", "-n", ns, "-o", "name").ok().stdout().lines().toList(), "its own and the cluster CA");

        assertEquals("configmap/cfg labeled", kubectl.run("label", "cm", "cfg", "-n", ns, "tier=web").ok().stdout().strip());
        assertEquals("configmap/cfg", kubectl.run("get", "cm", "-n", ns, "-l", "tier=web", "-o", "name").ok().stdout().strip());
        assertEquals("configmap/kube-root-ca.crt", kubectl.run("get", "cm", "-n", ns, "-l", "tier notin (web)", "-o", "name")
                .ok().stdout().strip(), "notin also matches objects without the label");
        assertEquals(List.of("configmap/cfg", "configmap/kube-root-ca.crt"), kubectl.run("get", "cm", "-A",
                "--field-selector", "metadata.namespace=" + ns, "-o", "name").ok().stdout().lines().toList());

        try (Kubectl.Streaming watch = kubectl.stream("get", "cm", "cfg", "-n", ns, "-w", "--no-headers",
                "-o", "custom-columns=NAME:.metadata.name,K:.data.k")) {
            assertEquals(List.of("cfg", "v"), List.of(watch.nextLine(20).split("\\s+")));
            kubectl.run("patch", "cm", "cfg", "-n", ns, "--type=merge", "-p", "{\"data\":{\"k\":\"w\"}}").ok();
            assertEquals(List.of("cfg", "w"), List.of(watch.nextLine(20).split("\\s+")));
        }

        assertEquals("configmap \"cfg\" deleted", kubectl.run("delete", "cm", "cfg", "-n", ns).ok().stdout().strip()
                .replace(" from " + ns + " namespace", ""));
        Kubectl.Result gone = kubectl.run("get", "cm", "cfg", "-n", ns);
        assertEquals(1, gone.exitCode());
        assertEquals("Error from server (NotFound): configmaps \"cfg\" not found", gone.stderr().strip());
    }
}
