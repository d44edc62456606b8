package dev.kj.scheduler;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.apiserver.testing.TestServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real API server (with its in-process scheduler) and helpers that make Node objects through the
 * API — capacity, labels, taints, images as a kubelet would report them; no kubelet runs — and pods.
 */
final class ClusterFixture implements AutoCloseable {
    final TestServer server;
    final ApiClient client;
    final ResourceClient<Node> nodes;
    final ResourceClient<Pod> pods;
    final ResourceClient<Event> events;

    ClusterFixture(Path dir) throws Exception {
        server = TestServer.start(dir);
        client = ApiClient.fromKubeconfig(server.server().kubeconfig());
        nodes = client.typed(Resources.NODES, Node.class);
        pods = client.typed(Resources.PODS, Pod.class);
        events = client.typed(Resources.EVENTS, Event.class);
    }

    /** A node with the given allocatable CPU and memory, room for 110 pods, and a hostname label. */
    Node node(String name, String cpu, String memory, Map<String, String> labels, List<Taint> taints) {
        return node(name, cpu, memory, labels, taints, List.of());
    }

    Node node(String name, String cpu, String memory, Map<String, String> labels, List<Taint> taints,
              List<io.fabric8.kubernetes.api.model.ContainerImage> images) {
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory),
                "pods", new Quantity("110"));
        Map<String, String> allLabels = new java.util.HashMap<>(labels);
        allLabels.put("kubernetes.io/hostname", name);
        Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(allLabels).endMetadata()
                .withNewSpec().withTaints(taints).endSpec()
                .withNewStatus().withCapacity(resources).withAllocatable(resources).withImages(images).endStatus().build();
        Node created = nodes.create(null, node);
        if (created.getStatus() == null || created.getStatus().getAllocatable() == null
                || created.getStatus().getAllocatable().isEmpty()) {
            created.setStatus(node.getStatus());
            created = nodes.updateStatus(created);
        }
        return created;
    }

    Node node(String name, String cpu, String memory) {
        return node(name, cpu, memory, Map.of(), List.of());
    }

    /**
     * Waits until the scheduler has seen these nodes as they are now: a pod without requests pinned
     * to each by hostname gets bound there (the node informer delivers changes in order, so the
     * scheduler then knows every earlier change too). Every node gets one such pod, so scores that
     * count pods stay even between them.
     */
    void awaitSchedulerSees(String... nodeNames) {
        for (String node : nodeNames) {
            Pod probe = pod("probe-" + node, null).editSpec().withNodeSelector(Map.of("kubernetes.io/hostname", node))
                    .withTolerations(new io.fabric8.kubernetes.api.model.TolerationBuilder().withOperator("Exists").build())
                    .endSpec().build();
            pods.create("kube-system", probe);
        }
        for (String node : nodeNames) {
            dev.kj.controllers.Await.until("the probe on " + node + " bound",
                    () -> node.equals(pods.get("kube-system", "probe-" + node).getSpec().getNodeName()));
        }
    }

    /** A pod of one busybox container requesting the given CPU (null: none). */
    static PodBuilder pod(String name, String cpu) {
        PodBuilder builder = new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").withNewResources()
                .withRequests(cpu == null ? Map.of() : Map.of("cpu", new Quantity(cpu))).endResources().endContainer()
                .endSpec();
        return builder;
    }

    Pod create(String namespace, Pod pod) {
        return pods.create(namespace, pod);
    }

    Pod get(String namespace, String name) {
        return pods.get(namespace, name);
    }

    String nodeOf(String namespace, String name) {
        String node = get(namespace, name).getSpec().getNodeName();
        return node == null ? "" : node;
    }

    Optional<PodCondition> scheduledCondition(String namespace, String name) {
        Pod pod = get(namespace, name);
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst();
    }

    /** The events about a pod, with this reason. */
    List<Event> events(String namespace, String pod, String reason) {
        return events.list(namespace, ListOptions.NONE).items().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
