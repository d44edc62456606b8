package dev.kj.controllers.nodelifecycle;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.controllers.ApiKubeletStandIn;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The node lifecycle and taint eviction controllers in a real API server with a 4 s
 * --node-monitor-grace-period. There is no kubelet yet: {@link ApiKubeletStandIn} registers the node
 * and writes its status, its Lease and its pods' status through the API server as
 * system:node:NAME, and then stops, as a dead kubelet would.
 */
class NodeLifecycleControllerTest extends ClusterTest {
    private Path dir;

    @Override
    protected TestCluster startCluster(Path dir) throws IOException {
        this.dir = dir;
        return TestCluster.on(ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0)
                .withControllers(TestCluster.CONTROLLERS), List.of(),
                new NodeLifecycleSettings(Duration.ofSeconds(4), Duration.ofSeconds(8))));
    }

    private static Toleration unreachable(Long seconds) {
        return new TolerationBuilder().withKey("node.kubernetes.io/unreachable").withOperator("Exists").withEffect("NoExecute")
                .withTolerationSeconds(seconds).build();
    }

    private Pod pod(ResourceClient<Pod> pods, String ns, String name, String node, List<Toleration> tolerations) {
        return pods.create(ns, new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(node)
                .withTolerations(tolerations).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
    }

    private static NodeCondition ready(Node node) {
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    }

    private static String taints(Node node) {
        List<Taint> taints = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        return taints.stream().map(t -> t.getKey() + ":" + t.getEffect()).sorted().collect(Collectors.joining(","));
    }

    private static String podReady(Pod pod) {
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).map(PodCondition::getStatus)
                .findFirst().orElse("");
    }

    @Test
    void aSilentNodeGoesUnknownIsTaintedAndItsPodsAreEvictedAfterTheirTolerationSeconds() throws Exception {
        ApiClient client = cluster.https;
        ResourceClient<Node> nodes = client.typed(Resources.NODES, Node.class);
        ResourceClient<Pod> pods = client.typed(Resources.PODS, Pod.class);
        String ns = TestCluster.namespace(client, "lifecycle");
        try (ApiKubeletStandIn kubelet = new ApiKubeletStandIn(server, dir.resolve("data"), dir, "node-silent")) {
            kubelet.register(Map.of());
            // the stand-in heartbeats (Lease renewals every second) until it stops below
            java.util.concurrent.atomic.AtomicBoolean alive = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread heartbeat = Thread.ofVirtual().start(() -> {
                while (alive.get()) {
                    kubelet.renewLease();
                    dev.kj.controllers.Await.sleepQuietly(Duration.ofSeconds(1));
                }
            });
            // DefaultTolerationSeconds gives a pod without them 300 s for not-ready and unreachable
            Pod defaulted = pod(pods, ns, "defaulted", "node-silent", List.of());
            assertEquals(List.of("node.kubernetes.io/not-ready:Exists:NoExecute:300", "node.kubernetes.io/unreachable:Exists:NoExecute:300"),
                    defaulted.getSpec().getTolerations().stream().map(t -> t.getKey() + ":" + t.getOperator() + ":" + t.getEffect()
                            + ":" + t.getTolerationSeconds()).toList());
            pod(pods, ns, "brief", "node-silent", List.of(unreachable(3L)));
            pod(pods, ns, "forever", "node-silent", List.of(unreachable(null)));
            pod(pods, ns, "at-once", "node-silent", List.of(unreachable(0L)));
            Instant since = Instant.now().minusSeconds(30);
            for (String name : List.of("defaulted", "brief", "forever", "at-once")) {
                kubelet.postPodStatus(ns, name, "10.3.0." + (name.length()), true, since);
            }
            // heartbeats keep it Ready past the grace period
            Thread.sleep(Duration.ofSeconds(6));
            assertEquals("True", ready(nodes.get(null, "node-silent")).getStatus());
            assertEquals("", taints(nodes.get(null, "node-silent")));
            // the kubelet stops: no status, no Lease renewals
            alive.set(false);
            heartbeat.join();
        }

        until("the node to go Unknown", () -> "Unknown".equals(ready(nodes.get(null, "node-silent")).getStatus()));
        Node silent = nodes.get(null, "node-silent");
        NodeCondition unknown = ready(silent);
        assertEquals("NodeStatusUnknown", unknown.getReason());
        assertEquals("Kubelet stopped posting node status.", unknown.getMessage());
        for (String type : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
            NodeCondition never = silent.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
            assertEquals("Unknown", never.getStatus());
            assertEquals("NodeStatusNeverUpdated", never.getReason());
            assertEquals("Kubelet never posted node status.", never.getMessage());
        }
        until("the unreachable taints", () -> taints(nodes.get(null, "node-silent"))
                .equals("node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule"));
        Taint noExecute = nodes.get(null, "node-silent").getSpec().getTaints().stream()
                .filter(t -> "NoExecute".equals(t.getEffect())).findFirst().orElseThrow();
        assertNotNull(noExecute.getTimeAdded());
        until("the forever-tolerating pod marked not ready", () -> podReady(pods.get(ns, "forever")).equals("False"));

        until("the pod tolerating 0 s to be deleted", () -> pods.get(ns, "at-once").getMetadata().getDeletionTimestamp() != null);
        until("the pod tolerating 3 s to be deleted", () -> pods.get(ns, "brief").getMetadata().getDeletionTimestamp() != null);
        Pod brief = pods.get(ns, "brief");
        PodCondition disruption = brief.getStatus().getConditions().stream().filter(c -> "DisruptionTarget".equals(c.getType()))
                .findFirst().orElseThrow();
        assertEquals("True", disruption.getStatus());
        assertEquals("DeletionByTaintManager", disruption.getReason());
        assertEquals("Taint manager: deleting due to NoExecute taint", disruption.getMessage());
        assertTrue(Duration.between(Instant.parse(noExecute.getTimeAdded()), Instant.parse(brief.getMetadata().getDeletionTimestamp()))
                .getSeconds() >= 2, "deleted only after its toleration ran out"); // second-resolution timestamps
        assertNull(pods.get(ns, "forever").getMetadata().getDeletionTimestamp());
        assertNull(pods.get(ns, "defaulted").getMetadata().getDeletionTimestamp());

        ResourceClient<Event> events = client.typed(Resources.EVENTS, Event.class);
        until("the eviction event", () -> events.list(ns, ListOptions.NONE).items().stream().anyMatch(e ->
                "TaintManagerEviction".equals(e.getReason()) && ("Marking for deletion Pod " + ns + "/brief").equals(e.getMessage())
                        && "taint-eviction-controller".equals(e.getSource().getComponent())));
        until("the pods' NodeNotReady event", () -> events.list(ns, ListOptions.NONE).items().stream().anyMatch(e ->
                "NodeNotReady".equals(e.getReason()) && "Node is not ready".equals(e.getMessage())
                        && "forever".equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())));
        until("the node's NodeNotReady event", () -> events.list("default", ListOptions.NONE).items().stream().anyMatch(e ->
                "NodeNotReady".equals(e.getReason()) && "Node node-silent status is now: NodeNotReady".equals(e.getMessage())
                        && "node-silent".equals(e.getInvolvedObject().getName())));

        // the kubelet comes back, reporting NotReady: the taints become not-ready ones
        try (ApiKubeletStandIn kubelet = new ApiKubeletStandIn(server, dir.resolve("data"), dir, "node-silent")) {
            kubelet.postReady("False");
            until("the not-ready taints", () -> taints(nodes.get(null, "node-silent"))
                    .equals("node.kubernetes.io/not-ready:NoExecute,node.kubernetes.io/not-ready:NoSchedule"));
            kubelet.postReady("True");
            kubelet.renewLease();
            until("the taints to go", () -> taints(nodes.get(null, "node-silent")).isEmpty());
        }
    }
}
