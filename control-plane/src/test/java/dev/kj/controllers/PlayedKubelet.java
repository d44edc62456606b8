package dev.kj.controllers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.objects.Json;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.authn.User;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Stands in, in tests, for what does not exist yet — the scheduler and a kubelet — and only
 * through the API server: pods without a node are bound to this node through the bindings
 * resource (as the admin, the scheduler's part); pods bound here are reported Running and Ready
 * through pods/status with the node's own identity ({@code system:node:NAME}, so the Node
 * authorizer and NodeRestriction apply), except pods whose first image contains "unready", which
 * stay Pending; pods being deleted gracefully are removed with grace 0, as a kubelet confirms a
 * stopped pod — for the namespaces it is told to {@link #manage}; {@link #bind} and
 * {@link #reportRunning} do one step by hand. It polls (tests may; controllers may not).
 */
public final class PlayedKubelet implements AutoCloseable {
    public static final String NEVER_READY = "unready";

    private final String nodeName;
    private final ResourceClient<Pod> adminPods;
    private final ResourceClient<ObjectNode> bindings;
    private final ResourceClient<Pod> nodePods;
    private final ApiClient nodeClient;
    private final Thread loop;
    private final java.util.Set<String> namespaces = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> deletionsOnly = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> deletionsHeld = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public PlayedKubelet(ApiServer server, ApiClient admin, String nodeName) {
        this.nodeName = nodeName;
        this.adminPods = admin.typed(Resources.PODS, Pod.class);
        this.bindings = admin.generic(Resources.BINDINGS);
        this.nodeClient = new ApiClient(server.inProcessTransport(new User("system:node:" + nodeName,
                List.of("system:nodes", "system:authenticated"))));
        this.nodePods = nodeClient.typed(Resources.PODS, Pod.class);
        nodeClient.typed(Resources.NODES, Node.class).create(null, new NodeBuilder().withNewMetadata().withName(nodeName)
                .endMetadata().build());
        this.loop = Thread.ofVirtual().name("played-kubelet-" + nodeName).start(this::run);
    }

    private void run() {
        while (!closed) {
            try {
                for (String namespace : deletionsOnly) {
                    for (Pod pod : adminPods.list(namespace, ListOptions.NONE).items()) {
                        if (nodeName.equals(pod.getSpec().getNodeName()) && pod.getMetadata().getDeletionTimestamp() != null) {
                            handle(pod);
                        }
                    }
                }
                for (String namespace : namespaces) {
                    for (Pod pod : adminPods.list(namespace, ListOptions.NONE).items()) {
                        handle(pod);
                    }
                }
            } catch (RuntimeException e) {
                // the server may be closing, or a pod changed meanwhile: the next round sees it again
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Pods of this namespace are run from now on: bound, reported ready, their deletions confirmed. */
    public PlayedKubelet manage(String namespace) {
        namespaces.add(namespace);
        return this;
    }

    /** In this namespace only deletions of pods on this node are confirmed. */
    public PlayedKubelet manageDeletionsOnly(String namespace) {
        deletionsOnly.add(namespace);
        return this;
    }

    /** Pods of the namespace being deleted stay (their containers "still stopping") until {@link #releaseDeletions}. */
    public void holdDeletions(String namespace) {
        deletionsHeld.add(namespace);
    }

    public void releaseDeletions(String namespace) {
        deletionsHeld.remove(namespace);
    }

    /** The scheduler's part: binds the pod to this node. */
    public void bind(Pod pod) {
        ObjectNode binding = Json.TREES.createObjectNode();
        binding.put("apiVersion", "v1").put("kind", "Binding");
        binding.putObject("metadata").put("name", pod.getMetadata().getName()).put("uid", pod.getMetadata().getUid());
        binding.putObject("target").put("apiVersion", "v1").put("kind", "Node").put("name", nodeName);
        ignoringConflicts(() -> bindings.create(pod.getMetadata().getNamespace(), binding));
    }

    private void handle(Pod pod) {
        String node = pod.getSpec().getNodeName();
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        if ((node == null || node.isEmpty()) && pod.getMetadata().getDeletionTimestamp() == null) {
            bind(pod);
            return;
        }
        if (!nodeName.equals(node)) {
            return;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (deletionsHeld.contains(namespace)) {
                return;
            }
            ignoringConflicts(() -> nodePods.delete(namespace, name, DeleteOptions.NONE.withGracePeriodSeconds(0)
                    .withPreconditions(pod.getMetadata().getUid(), null)));
            return;
        }
        boolean ready = pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        String image = pod.getSpec().getContainers().getFirst().getImage();
        if (ready || image.contains(NEVER_READY)) {
            return;
        }
        reportRunning(pod, true);
    }

    /** The kubelet's part, as the node: the pod (bound here) is Running, and Ready or not. */
    public void reportRunning(Pod stale, boolean ready) {
        Pod pod = nodePods.get(stale.getMetadata().getNamespace(), stale.getMetadata().getName());
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        pod.setStatus(new PodStatusBuilder().withPhase("Running").withHostIP("10.0.0.1").withPodIP("10.244.0.10")
                .withStartTime(now)
                .withConditions(condition("Initialized", "True", now), condition("Ready", ready ? "True" : "False", now),
                        condition("ContainersReady", ready ? "True" : "False", now), condition("PodScheduled", "True", now))
                .withContainerStatuses(pod.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withImageID("").withReady(ready).withStarted(true)
                        .withRestartCount(0).withNewState().withNewRunning().withStartedAt(now).endRunning().endState()
                        .build()).toList())
                .build());
        ignoringConflicts(() -> nodePods.updateStatus(pod));
    }

    private static io.fabric8.kubernetes.api.model.PodCondition condition(String type, String status, String now) {
        return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(now).build();
    }

    private static void ignoringConflicts(Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            if (!e.isConflict() && !e.isNotFound()) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(java.time.Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nodeClient.close();
    }
}
