package dev.kj.controllers.deployment;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ListOptions;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.controllers.PlayedKubelet;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout and its undo with every kubectl 1.27 … 1.33 (each computes the rollback client-side
 * and watches the rollout with its own status logic). Pods are made ready by {@link PlayedKubelet}
 * through the API server as a node.
 */
class KubectlRolloutMatrixTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static ApiClient admin;
    static PlayedKubelet kubelet;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, List.of("*"));
        admin = ApiClient.fromKubeconfig(server.server().kubeconfig());
        kubelet = new PlayedKubelet(server.server(), admin, "node-1");
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static Stream<String> versions() {
        return Stream.of("1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void setImageRolloutStatusUndoAndHistory(String version) {
        Kubectl kubectl = Kubectl.require(version, server.server().kubeconfig(), dir);
        String ns = "rollout-" + version.replace('.', '-');
        kubectl.run("create", "namespace", ns).ok();
        until("the default ServiceAccount", () -> admin.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class)
                .list(ns, ListOptions.NONE).items().stream().anyMatch(sa -> sa.getMetadata().getName().equals("default")));
        kubelet.manage(ns);
        kubectl.run("create", "deployment", "web", "--image=busybox", "--replicas=2", "-n", ns).ok();
        rolledOut(kubectl, ns);
        kubectl.run("set", "image", "deployment/web", "busybox=busybox:1.36", "-n", ns).ok();
        rolledOut(kubectl, ns);
        Kubectl.Result undo = kubectl.run("rollout", "undo", "deployment/web", "-n", ns).ok();
        assertTrue(undo.stdout().contains("deployment.apps/web rolled back"), undo.stdout());
        rolledOut(kubectl, ns);
        Deployment web = admin.typed(Resources.DEPLOYMENTS, Deployment.class).get(ns, "web");
        assertEquals("busybox", web.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage());
        assertEquals("3", web.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
        Kubectl.Result history = kubectl.run("rollout", "history", "deployment/web", "-n", ns).ok();
        assertTrue(history.stdout().matches("(?s).*REVISION +CHANGE-CAUSE\\n2 .*\\n3 .*"), history.stdout());
        Kubectl.Result revision = kubectl.run("rollout", "history", "deployment/web", "-n", ns, "--revision=2").ok();
        assertTrue(revision.stdout().contains("Image:") && revision.stdout().contains("busybox:1.36"), revision.stdout());
        kubectl.run("delete", "namespace", ns, "--wait=false").ok();
    }

    private static void rolledOut(Kubectl kubectl, String ns) {
        Kubectl.Result status = kubectl.run("rollout", "status", "deployment/web", "-n", ns, "--timeout=120s").ok();
        assertTrue(status.stdout().contains("deployment \"web\" successfully rolled out"), status.stdout());
    }
}
