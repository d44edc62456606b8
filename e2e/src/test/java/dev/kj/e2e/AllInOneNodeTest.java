package dev.kj.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-in-one node as a new user meets it: {@code kj server --all-in-one --data-dir DIR}, then
 * {@code kubectl get nodes} shows this host Ready, its Node carries what upstream's kubelet posts,
 * and its Lease is renewed. One server for the class; stopping it (SIGTERM) is checked last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AllInOneNodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static KjAllInOne kj;

    @BeforeAll
    static void start() throws Exception {
        kj = KjAllInOne.start(dir);
    }

    @AfterAll
    static void stop() {
        if (kj == null) {
            return;
        }
        String socket = kj.dataDir().resolve("containerd/containerd.sock").toString();
        int exit = kj.stop();
        kj.close();
        assertEquals(0, exit, () -> "kj server's exit status on SIGTERM; its output:\n" + kj.log());
        // containerd and its shims are kj's children in spirit: none may outlive it
        List<String> left = ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(socket)).orElse(false)
                        || p.info().commandLine().map(c -> c.contains(socket)).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
        assertEquals(List.of(), left);
    }

    private static String nodeName() {
        String names = kj.kubectlOk("get", "nodes", "-o", "name").strip();
        assertEquals(1, names.lines().count(), names);
        return names.substring("node/".length());
    }

    @Test
    @Order(1)
    void theNodeIsReadyWithin15SecondsOfStart() {
        Instant deadline = kj.startedAt.plus(Duration.ofSeconds(60));
        String out = "";
        while (Instant.now().isBefore(deadline)) {
            KjAllInOne.Result result = kj.kubectl("get", "nodes", "--no-headers");
            out = result.out();
            if (result.exit() == 0 && out.lines().anyMatch(l -> l.split("\\s+").length > 1 && l.split("\\s+")[1].equals("Ready"))) {
                break;
            }
            KjAllInOne.sleep(Duration.ofMillis(100));
        }
        Duration took = Duration.between(kj.startedAt, Instant.now());
        String seen = out;
        assertTrue(seen.contains(" Ready "), () -> "no Ready node within 60 s: " + seen + "\nkj output:\n" + kj.log());
        assertTrue(took.compareTo(Duration.ofSeconds(15)) <= 0, "node Ready after " + took.toMillis() + " ms (limit 15 s)");
        System.err.println("AllInOneNodeTest: node Ready " + took.toMillis() + " ms after kj server started");
    }

    @Test
    @Order(2)
    void theNodeCarriesCapacityNodeInfoConditionsAndItsPodCidr() throws Exception {
        String name = nodeName();
        JsonNode node = JSON.readTree(kj.kubectlOk("get", "--raw", "/api/v1/nodes/" + name));
        JsonNode status = node.path("status");
        for (String resource : List.of("cpu", "memory", "pods", "ephemeral-storage")) {
            assertFalse(status.path("capacity").path(resource).asText().isEmpty(), resource + " capacity: " + status);
            assertFalse(status.path("allocatable").path(resource).asText().isEmpty(), resource + " allocatable: " + status);
        }
        assertEquals("110", status.path("capacity").path("pods").asText());
        JsonNode info = status.path("nodeInfo");
        assertTrue(info.path("containerRuntimeVersion").asText().startsWith("containerd://"), info.toString());
        assertTrue(info.path("kubeletVersion").asText().startsWith("v1."), info.toString());
        assertEquals("linux", info.path("operatingSystem").asText());
        assertFalse(info.path("bootID").asText().isEmpty(), info.toString());
        List<String> types = new ArrayList<>();
        status.path("conditions").forEach(c -> types.add(c.path("type").asText() + "=" + c.path("status").asText()
                + "/" + c.path("reason").asText()));
        assertEquals(List.of("MemoryPressure=False/KubeletHasSufficientMemory", "DiskPressure=False/KubeletHasNoDiskPressure",
                "PIDPressure=False/KubeletHasSufficientPID", "Ready=True/KubeletReady"), types);
        assertEquals("10.42.0.0/24", node.path("spec").path("podCIDR").asText());
        assertEquals(name, node.path("metadata").path("labels").path("kubernetes.io/hostname").asText());
        assertEquals(10250, status.path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt());
    }

    @Test
    @Order(3)
    void theNodeLeaseIsRenewed() {
        String name = nodeName();
        String[] args = {"get", "lease", "-n", "kube-node-lease", name, "-o",
            "jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds} {.spec.renewTime}"};
        String first = kj.kubectlOk(args);
        assertTrue(first.startsWith(name + " 40 "), first);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        String now = first;
        while (now.equals(first) && Instant.now().isBefore(deadline)) {
            KjAllInOne.sleep(Duration.ofSeconds(1));
            now = kj.kubectlOk(args);
        }
        assertNotEquals(first, now, "the Lease's renewTime did not move within 30 s");
    }
}
