package dev.kj.kubelet.nodestatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.HttpsTransport;
import dev.kj.api.client.Kubeconfig;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.kubelet.cri.v1.RuntimeCondition;
import dev.kj.kubelet.cri.v1.RuntimeStatus;
import dev.kj.kubelet.cri.v1.StatusResponse;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet registers its Node and holds its Lease on a real kj API server, as system:node:HOST over HTTPS. */
class NodeRegistrationTest {
    @TempDir
    static Path dir;
    private static ApiServer server;
    private static ApiClient kubelet;
    private static String nodeName;

    @BeforeAll
    static void start() throws Exception {
        Path data = dir.resolve("data");
        server = ApiServer.start(new ApiServerConfig(data, List.of(), "127.0.0.1", 0));
        ClusterPki pki = ClusterPki.ensure(data.resolve("pki"));
        ClusterPki.Component identity = pki.components().stream().filter(c -> c.stem().equals("kubelet")).findFirst().orElseThrow();
        nodeName = identity.user().substring("system:node:".length());
        kubelet = new ApiClient(HttpsTransport.create(new Kubeconfig.Connection("kubelet",
                new Kubeconfig.Cluster(URI.create("https://127.0.0.1:" + server.address().getPort()), Files.readAllBytes(pki.caCert()), false),
                new Kubeconfig.User(Files.readAllBytes(pki.componentCert(identity)), Files.readAllBytes(pki.componentKey(identity)), null, null),
                null)));
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static HostFacts host() throws Exception {
        return HostFacts.read(dir.resolve("kubelet"));
    }

    @Test
    void registersNotReadyThenReadyAndKeepsItsLease() throws Exception {
        var nodes = new NodeRegistration(kubelet.typed(Resources.NODES, Node.class));
        RuntimeState runtime = new RuntimeState(Clock.systemUTC(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        HostFacts host = host();
        NodeCondition notReady = ReadyCondition.compute(runtime, List.of(), Optional.empty(), Instant.now());
        Node registered = nodes.register(NodeObject.initial(nodeName, host, "v1.33.0-kj", "containerd://1.6.20", notReady));

        assertEquals(nodeName, registered.getMetadata().getLabels().get("kubernetes.io/hostname"));
        assertEquals("linux", registered.getMetadata().getLabels().get("kubernetes.io/os"));
        assertEquals("containerd://1.6.20", registered.getStatus().getNodeInfo().getContainerRuntimeVersion());
        assertEquals(Integer.toString(host.cpus()), registered.getStatus().getCapacity().get("cpu").toString());
        assertEquals("110", registered.getStatus().getAllocatable().get("pods").toString());
        assertEquals(10250, registered.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort());
        NodeCondition ready = NodeRegistration.condition(registered, "Ready").orElseThrow();
        assertEquals("False", ready.getStatus());
        assertEquals("[container runtime status check may not have completed yet, network state unknown]", ready.getMessage());

        runtime.observe(StatusResponse.newBuilder().setStatus(RuntimeStatus.newBuilder()
                .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
                .addConditions(RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(true))).build());
        NodeCondition nowReady = ReadyCondition.compute(runtime, List.of(), Optional.of(ready), Instant.now());
        Node updated = nodes.postStatus(nodeName, NodeObject.status(host, "v1.33.0-kj", "containerd://1.6.20", List.of(nowReady)));
        assertEquals("True", NodeRegistration.condition(updated, "Ready").orElseThrow().getStatus());
        assertEquals("KubeletReady", NodeRegistration.condition(updated, "Ready").orElseThrow().getReason());

        // A restart registers again: the existing Node is kept (same uid) and its status posted.
        Node again = nodes.register(NodeObject.initial(nodeName, host, "v1.33.0-kj", "containerd://1.6.20", nowReady));
        assertEquals(registered.getMetadata().getUid(), again.getMetadata().getUid());

        NodeLease heartbeat = new NodeLease(kubelet.typed(Resources.LEASES, Lease.class));
        Lease first = heartbeat.renew(again, Instant.parse("2026-01-01T00:00:00.123456Z"));
        assertEquals(nodeName, first.getSpec().getHolderIdentity());
        assertEquals(40, first.getSpec().getLeaseDurationSeconds());
        assertEquals(again.getMetadata().getUid(), first.getMetadata().getOwnerReferences().getFirst().getUid());
        assertEquals("Node", first.getMetadata().getOwnerReferences().getFirst().getKind());
        Lease renewed = heartbeat.renew(again, Instant.parse("2026-01-01T00:00:10.5Z"));
        assertEquals(Instant.parse("2026-01-01T00:00:10.5Z"), renewed.getSpec().getRenewTime().toInstant());
        assertFalse(renewed.getMetadata().getResourceVersion().equals(first.getMetadata().getResourceVersion()));
        assertTrue(renewed.getMetadata().getNamespace().equals("kube-node-lease"));
    }
}
