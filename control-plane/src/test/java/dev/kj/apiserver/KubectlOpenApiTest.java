package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Stock kubectl with its default (strict, server-side) validation: it finds fieldValidation in
 * kj's OpenAPI, so create and apply work without --validate=false, unknown fields are refused
 * with upstream's error, and explain reads kj's schemas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlOpenApiTest {
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

    private Path manifest(String file, String name, String replicasLine, String imageLine) throws Exception {
        Path path = dir.resolve(file);
        Files.writeString(path, """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %s
                spec:
                  %s
                  selector:
                    matchLabels: {app: %s}
                  template:
                    metadata:
                      labels: {app: %s}
                    spec:
                      containers:
                      - name: c
                        %s
                """.formatted(name, replicasLine, name, name, imageLine));
        return path;
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "kubectl"})
    void strictValidationCreateApplyAndExplain(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String suffix = version.replace(".", "");
        assertEquals("deployment.apps/created" + suffix + " created", kubectl.run("create", "-f",
                manifest("c" + suffix + ".yaml", "created" + suffix, "replicas: 1", "image: nginx").toString()).ok().stdout().strip());
        assertEquals("deployment.apps/applied" + suffix + " created", kubectl.run("apply", "-f",
                manifest("a" + suffix + ".yaml", "applied" + suffix, "replicas: 2", "image: nginx").toString()).ok().stdout().strip());
        JsonNode applied = JSON.readTree(kubectl.run("get", "deployment", "applied" + suffix, "-o", "json").ok().stdout());
        assertEquals(2, applied.path("spec").path("replicas").asInt());
        assertTrue(applied.path("metadata").path("annotations").has("kubectl.kubernetes.io/last-applied-configuration"));

        Path bad = manifest("b" + suffix + ".yaml", "bad" + suffix, "replicaz: 1", "image: nginx");
        Kubectl.Result refused = kubectl.run("create", "-f", bad.toString());
        assertEquals(1, refused.exitCode(), refused.stdout());
        assertEquals("Error from server (BadRequest): error when creating \"" + bad + "\": Deployment in version \"v1\" cannot be"
                + " handled as a Deployment: strict decoding error: unknown field \"spec.replicaz\"", refused.stderr().strip());
        Path nested = manifest("n" + suffix + ".yaml", "nested" + suffix, "replicas: 1", "imagez: nginx");
        Kubectl.Result nestedRefused = kubectl.run("apply", "-f", nested.toString());
        assertEquals(1, nestedRefused.exitCode());
        assertTrue(nestedRefused.stderr().contains("strict decoding error: unknown field \"spec.template.spec.containers[0].imagez\""),
                nestedRefused.stderr());
        // --validate=warn: created without the field, kubectl printing the server's warning
        Kubectl.Result warned = kubectl.run("create", "-f", bad.toString(), "--validate=warn").ok();
        assertTrue(warned.stderr().contains("Warning: unknown field \"spec.replicaz\""), warned.stderr());
        assertFalse(JSON.readTree(kubectl.run("get", "deployment", "bad" + suffix, "-o", "json").ok().stdout())
                .path("spec").has("replicaz"));

        String explained = kubectl.run("explain", "deployment.spec.template.spec.containers").ok().stdout();
        assertTrue(explained.contains("containers <[]Container>"), explained);
        assertTrue(explained.matches("(?s).*name\\s+<string> -required-.*"), explained);
        assertTrue(explained.matches("(?s).*ports\\s+<\\[\\]ContainerPort>.*"), explained);
        assertTrue(explained.matches("(?s).*resources\\s+<ResourceRequirements>.*"), explained);
        String ports = kubectl.run("explain", "service.spec.ports.targetPort").ok().stdout();
        assertTrue(ports.contains("targetPort <IntOrString>"), ports);
    }
}
