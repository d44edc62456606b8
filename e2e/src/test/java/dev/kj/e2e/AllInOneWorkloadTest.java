package dev.kj.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.kubelet.testing.CriTestbed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workload on the all-in-one node, as a new user runs it: {@code kubectl create deployment} with
 * the registry's busybox running httpd, scaled to 3 and all Running on containerd, one pod fetching
 * another's page by pod IP through {@code kubectl exec}, {@code kubectl logs}, then the Deployment
 * deleted and its pods gone. One server for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AllInOneWorkloadTest {
    @TempDir
    static Path dir;
    private static KjAllInOne kj;

    @BeforeAll
    static void start() throws Exception {
        kj = KjAllInOne.start(dir);
        kj.awaitNodeReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (kj != null) {
            kj.stop();
            kj.close();
        }
    }

    private static void awaitOk(Duration limit, String what, java.util.function.BooleanSupplier check) {
        kj.await(limit, what, check);
    }

    private static List<String> webPods(String jsonpath) {
        return List.of(kj.kubectlOk("get", "pods", "-l", "app=web", "-o", "jsonpath=" + jsonpath).strip().split("\\s+"));
    }

    @Test
    @Order(1)
    void aDeploymentScaledToThreeRunsOnContainerd() {
        kj.kubectlOk("create", "deployment", "web", "--image=" + CriTestbed.BUSYBOX, "--",
                "sh", "-c", "echo hello from $(hostname) > /tmp/index.html; exec httpd -f -p 8080 -h /tmp");
        kj.kubectlOk("scale", "deployment", "web", "--replicas=3");
        String status = kj.kubectlOk("rollout", "status", "deployment/web", "--timeout=180s");
        assertTrue(status.contains("successfully rolled out"), status);
        awaitOk(Duration.ofSeconds(60), "3 Running pods", () -> kj.kubectl("get", "pods", "-l", "app=web", "--no-headers").out()
                .lines().filter(l -> l.contains(" Running ") && l.contains(" 1/1 ")).count() == 3);
        List<String> ips = webPods("{.items[*].status.podIP}");
        assertEquals(3, ips.size(), ips::toString);
        ips.forEach(ip -> assertTrue(ip.startsWith("10.42.0."), () -> "pod IP " + ip + " outside the node's pod CIDR"));
    }

    @Test
    @Order(2)
    void onePodReachesAnotherByPodIpThroughKubectlExec() {
        List<String> names = webPods("{.items[*].metadata.name}");
        List<String> ips = webPods("{.items[*].status.podIP}");
        String page = kj.kubectlOk("exec", names.get(0), "--", "wget", "-q", "-O", "-", "http://" + ips.get(1) + ":8080/index.html");
        assertEquals("hello from " + names.get(1), page.strip());
    }

    @Test
    @Order(3)
    void kubectlLogsShowsTheContainersOutput() {
        List<String> names = webPods("{.items[*].metadata.name}");
        kj.kubectlOk("exec", names.get(2), "--", "sh", "-c", "echo logged-line > /proc/1/fd/1");
        awaitOk(Duration.ofSeconds(20), "the log line", () -> kj.kubectl("logs", names.get(2)).out().contains("logged-line"));
    }

    @Test
    @Order(4)
    void deletingTheDeploymentRemovesItsPods() {
        kj.kubectlOk("delete", "deployment", "web");
        kj.kubectlOk("wait", "--for=delete", "pod", "-l", "app=web", "--timeout=120s");
        awaitOk(Duration.ofSeconds(60), "no pods left", () -> kj.kubectl("get", "pods", "--no-headers").out().isBlank()
                || kj.kubectl("get", "pods", "--no-headers").out().contains("No resources found"));
    }
}
