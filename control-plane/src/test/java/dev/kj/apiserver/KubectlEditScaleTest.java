package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kubectl edit} driven by a KUBE_EDITOR script (the edit arrives as a strategic merge patch;
 * an invalid edit is refused with the server's 422 and kubectl keeps a copy of the file) and
 * {@code kubectl scale} of a deployment, with and without the --current-replicas precondition,
 * on kubectl 1.27-1.33 with default (strict) validation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlEditScaleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS), List.of());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Path editor(String name, String script) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void editAndScale(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "edit-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("create", "deployment", "web", "-n", ns, "--image=nginx:1.25").ok();

        // the editor script swaps the image and adds a label under metadata.labels
        Path swap = editor(ns + "-swap.sh", "sed -i -e 's/image: nginx:1.25/image: nginx:1.27/' "
                + "-e '/^  labels:/a\\    tier: front' \"$1\"");
        Kubectl.Result edited = kubectl.withEnv(Map.of("KUBE_EDITOR", swap.toString()))
                .run("edit", "deployment/web", "-n", ns, "-v=8").ok();
        assertEquals("deployment.apps/web edited\n", edited.stdout());
        assertTrue(edited.stderr().contains("PATCH") && edited.stderr().contains("application/strategic-merge-patch+json")
                && edited.stderr().contains("/deployments/web?fieldManager=kubectl-edit&fieldValidation=Strict"),
                () -> "edit sends a strategic merge patch: " + edited.stderr());
        JsonNode web = deployment(kubectl, ns);
        assertEquals("nginx:1.27", web.at("/spec/template/spec/containers/0/image").asText());
        assertEquals("front", web.at("/metadata/labels/tier").asText());
        assertEquals("web", web.at("/metadata/labels/app").asText());

        // an editor that changes nothing: kubectl says so and sends nothing
        Path noop = editor(ns + "-noop.sh", "true");
        Kubectl.Result unchanged = kubectl.withEnv(Map.of("KUBE_EDITOR", noop.toString())).run("edit", "deployment/web", "-n", ns);
        assertEquals(0, unchanged.exitCode(), unchanged.stderr());
        assertEquals("Edit cancelled, no changes made.\n", unchanged.stderr());

        // an invalid edit: the server's 422 is shown in the reopened file; the second editor run
        // leaves it unchanged, so kubectl gives up, keeps a copy and reports the error
        Path invalid = editor(ns + "-invalid.sh", "sed -i -e 's/image: nginx:1.27/image: \"\"/' \"$1\"");
        Kubectl.Result refused = kubectl.withEnv(Map.of("KUBE_EDITOR", invalid.toString())).run("edit", "deployment/web", "-n", ns);
        assertEquals(1, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().matches("(?s)error: deployments.apps \"web\" is invalid\n"
                + "A copy of your changes has been stored to \"/tmp/kubectl[.0-9]*-edit-\\d+\\.yaml\"\n"
                + "error: Edit cancelled, no valid changes were saved.\n"), refused.stderr());
        String copy = refused.stderr().replaceAll("(?s).*stored to \"([^\"]+)\".*", "$1");
        String saved = Files.readString(Path.of(copy));
        Files.deleteIfExists(Path.of(copy));
        assertTrue(saved.contains("# deployments.apps \"web\" was not valid:\n"
                + "# * spec.template.spec.containers[0].image: Required value\n"), saved);
        assertEquals("nginx:1.27", deployment(kubectl, ns).at("/spec/template/spec/containers/0/image").asText());

        // kubectl scale through the scale subresource, then with a precondition that holds and one that does not
        assertEquals("deployment.apps/web scaled\n", kubectl.run("scale", "deployment/web", "-n", ns, "--replicas=3").ok().stdout());
        assertEquals(3, deployment(kubectl, ns).at("/spec/replicas").asInt());
        kubectl.run("scale", "deployment/web", "-n", ns, "--current-replicas=3", "--replicas=2").ok();
        assertEquals(2, deployment(kubectl, ns).at("/spec/replicas").asInt());
        Kubectl.Result precondition = kubectl.run("scale", "deployment/web", "-n", ns, "--current-replicas=5", "--replicas=4");
        assertEquals(1, precondition.exitCode());
        assertEquals("error: Expected replicas to be 5, was 2\n", precondition.stderr());
        assertEquals(2, deployment(kubectl, ns).at("/spec/replicas").asInt());
        Kubectl.Result negative = kubectl.run("scale", "deployment/web", "-n", ns, "--replicas=-1");
        assertEquals(1, negative.exitCode());
        assertEquals("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n",
                negative.stderr(), "kubectl refuses a negative count itself");
    }

    private static JsonNode deployment(Kubectl kubectl, String ns) throws Exception {
        return JSON.readTree(kubectl.run("get", "deployment", "web", "-n", ns, "-o", "json").ok().stdout());
    }
}
