package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kubectl apply --server-side against kj: create then update, a conflict between two field
 * managers and --force-conflicts, managedFields shown by --show-managed-fields.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlServerSideApplyTest {
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

    private Path manifest(String file, String name, int replicas, String image) throws Exception {
        Path path = dir.resolve(file);
        Files.writeString(path, """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %s
                  labels: {app: %s}
                spec:
                  replicas: %d
                  selector:
                    matchLabels: {app: %s}
                  template:
                    metadata:
                      labels: {app: %s}
                    spec:
                      containers:
                      - name: nginx
                        image: %s
                """.formatted(name, name, replicas, name, name, image));
        return path;
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void serverSideApplyConflictsAndForce(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "ssa" + version.replace(".", "");
        Path first = manifest(name + "-1.yaml", name, 1, "nginx:1");
        assertEquals("deployment.apps/" + name + " serverside-applied",
                kubectl.run("apply", "--server-side", "-f", first.toString()).ok().stdout().strip());
        JsonNode created = JSON.readTree(kubectl.run("get", "deployment", name, "-o", "json", "--show-managed-fields")
                .ok().stdout());
        JsonNode entry = created.path("metadata").path("managedFields").get(0);
        assertEquals("kubectl", entry.path("manager").asText());
        assertEquals("Apply", entry.path("operation").asText());
        assertEquals("apps/v1", entry.path("apiVersion").asText());
        assertTrue(entry.path("fieldsV1").path("f:spec").path("f:template").path("f:spec").path("f:containers")
                .has("k:{\"name\":\"nginx\"}"), entry.toString());

        // the same manager changes the image: no conflict
        kubectl.run("apply", "--server-side", "-f", manifest(name + "-2.yaml", name, 1, "nginx:2").toString()).ok();
        // another manager changing replicas conflicts with kubectl
        Path other = manifest(name + "-3.yaml", name, 3, "nginx:2");
        Kubectl.Result conflict = kubectl.run("apply", "--server-side", "--field-manager=other", "-f", other.toString());
        assertNotEquals(0, conflict.exitCode());
        assertTrue(conflict.stderr().contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
                conflict.stderr());
        kubectl.run("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other.toString()).ok();
        JsonNode forced = JSON.readTree(kubectl.run("get", "deployment", name, "-o", "json", "--show-managed-fields")
                .ok().stdout());
        assertEquals(3, forced.path("spec").path("replicas").asInt());
        assertEquals("nginx:2", forced.path("spec").path("template").path("spec").path("containers").get(0)
                .path("image").asText());
        for (JsonNode managed : forced.path("metadata").path("managedFields")) {
            boolean ownsReplicas = managed.path("fieldsV1").path("f:spec").has("f:replicas");
            assertEquals(managed.path("manager").asText().equals("other"), ownsReplicas, managed.toString());
        }
        // without --show-managed-fields kubectl hides them
        JsonNode plain = JSON.readTree(kubectl.run("get", "deployment", name, "-o", "json").ok().stdout());
        assertTrue(plain.path("metadata").path("managedFields").isMissingNode());
    }

    /**
     * An applier on autoscaling/v2 and an updater on autoscaling/v1 of the same HPA: each entry
     * keeps its manager's version, and the v2 apply conflicts with the v1 fields it would change.
     */
    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.33"})
    void managersOfTwoVersionsKeepTheirOwn(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "hpa" + version.replace(".", "");
        Path applied = dir.resolve(name + ".yaml");
        Files.writeString(applied, """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: %s
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  minReplicas: 1
                  maxReplicas: 5
                  metrics:
                  - type: Resource
                    resource:
                      name: cpu
                      target: {type: Utilization, averageUtilization: 50}
                """.formatted(name));
        kubectl.run("apply", "--server-side", "-f", applied.toString()).ok();
        kubectl.run("patch", "horizontalpodautoscalers.v1.autoscaling", name, "--type=merge", "--field-manager=scaler",
                "-p", "{\"spec\":{\"maxReplicas\":7,\"targetCPUUtilizationPercentage\":60}}").ok();
        JsonNode object = JSON.readTree(kubectl.run("get", "horizontalpodautoscalers.v2.autoscaling", name, "-o", "json",
                "--show-managed-fields").ok().stdout());
        JsonNode entries = object.path("metadata").path("managedFields");
        assertEquals(2, entries.size(), entries.toString());
        JsonNode apply = entries.get(0);
        assertEquals("kubectl", apply.path("manager").asText());
        assertEquals("autoscaling/v2", apply.path("apiVersion").asText());
        assertEquals(JSON.readTree("{\"f:spec\":{\"f:minReplicas\":{},\"f:scaleTargetRef\":{\"f:apiVersion\":{},"
                + "\"f:kind\":{},\"f:name\":{}}}}"), apply.path("fieldsV1"));
        JsonNode update = entries.get(1);
        assertEquals("scaler", update.path("manager").asText());
        assertEquals("autoscaling/v1", update.path("apiVersion").asText());
        assertEquals(JSON.readTree("{\"f:spec\":{\"f:maxReplicas\":{},\"f:targetCPUUtilizationPercentage\":{}}}"),
                update.path("fieldsV1"));

        Kubectl.Result conflict = kubectl.run("apply", "--server-side", "-f", applied.toString());
        assertNotEquals(0, conflict.exitCode());
        assertTrue(conflict.stderr().contains("Apply failed with 2 conflicts: conflicts with \"scaler\" using "
                + "autoscaling/v1:\n- .spec.maxReplicas\n- .spec.targetCPUUtilizationPercentage"), conflict.stderr());
        kubectl.run("apply", "--server-side", "--force-conflicts", "-f", applied.toString()).ok();
        JsonNode forced = JSON.readTree(kubectl.run("get", "horizontalpodautoscalers.v1.autoscaling", name, "-o", "json",
                "--show-managed-fields").ok().stdout());
        assertEquals(5, forced.path("spec").path("maxReplicas").asInt());
        assertEquals(50, forced.path("spec").path("targetCPUUtilizationPercentage").asInt());
        assertEquals(1, forced.path("metadata").path("managedFields").size(), forced.toString());
        assertEquals("autoscaling/v2", forced.path("metadata").path("managedFields").get(0).path("apiVersion").asText());
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.33"})
    void clientSideApplyRecordsAnUpdateManager(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "csa" + version.replace(".", "");
        kubectl.run("apply", "-f", manifest(name + ".yaml", name, 1, "nginx:1").toString()).ok();
        JsonNode object = JSON.readTree(kubectl.run("get", "deployment", name, "-o", "json", "--show-managed-fields")
                .ok().stdout());
        JsonNode entry = object.path("metadata").path("managedFields").get(0);
        assertEquals("kubectl-client-side-apply", entry.path("manager").asText());
        assertEquals("Update", entry.path("operation").asText());
        assertTrue(entry.path("fieldsV1").path("f:metadata").path("f:labels").has("."), entry.toString());
    }

    /**
     * The first apply --server-side after client-side applies changes fields kubectl-client-side-apply
     * owns without a conflict (they are the last-applied-configuration's, still as applied), and
     * kubectl then hands that manager's fields to its applier (csaupgrade's JSON patch of managedFields).
     */
    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.30", "1.33"})
    void clientSideToServerSideUpgrade(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "up" + version.replace(".", "");
        kubectl.run("apply", "-f", manifest(name + "-1.yaml", name, 1, "nginx:1").toString()).ok();
        kubectl.run("apply", "--server-side", "-f", manifest(name + "-2.yaml", name, 2, "nginx:2").toString()).ok();
        JsonNode object = JSON.readTree(kubectl.run("get", "deployment", name, "-o", "json", "--show-managed-fields")
                .ok().stdout());
        assertEquals(2, object.path("spec").path("replicas").asInt());
        for (JsonNode managed : object.path("metadata").path("managedFields")) {
            assertNotEquals("kubectl-client-side-apply", managed.path("manager").asText(), object.toString());
        }
        // a field last-applied never had, owned by someone else with another value, still conflicts
        kubectl.run("patch", "deployment", name, "--type=merge", "-p", "{\"spec\":{\"minReadySeconds\":5}}").ok();
        Path withMinReady = dir.resolve(name + "-3.yaml");
        Files.writeString(withMinReady, Files.readString(manifest(name + "-4.yaml", name, 2, "nginx:2"))
                .replace("  replicas: 2\n", "  replicas: 2\n  minReadySeconds: 7\n"));
        Kubectl.Result conflict = kubectl.run("apply", "--server-side", "-f", withMinReady.toString());
        assertTrue(conflict.stderr().contains("Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.minReadySeconds"),
                conflict.stderr());
    }
}
