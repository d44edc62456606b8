package dev.kj.controllers.nodelifecycle;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's node lifecycle controller (pkg/controller/nodelifecycle), without a periodic sweep:
 * each node is queued when it, its Lease (kube-node-lease/NAME) or a pod on it changes, and again
 * when its grace period would run out. A node whose status heartbeat and Lease have not moved
 * for --node-monitor-grace-period (--node-startup-grace-period before it ever posted Ready) gets
 * Ready, MemoryPressure, DiskPressure and PIDPressure Unknown with upstream's reasons, the
 * NodeNotReady event, its pods' Ready condition False, and the taints {@link NodeTaints} says.
 * Time is measured by this controller's clock from when it saw a heartbeat change, not by the
 * node's timestamps, as upstream does.
 */
public final class NodeLifecycleController extends QueueController {
    public static final String NAME = "node-lifecycle-controller";
    public static final String IDENTITY = "node-controller";
    static final String LEASE_NAMESPACE = "kube-node-lease";
    static final String POD_NODE_INDEX = "spec.nodeName";
    static final List<String> MONITORED = List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");

    /** The node's health as this controller last saw it (upstream's nodeHealthData). */
    private record Health(Instant probe, String heartbeat, ZonedDateTime leaseRenewed) {
    }

    private final ResourceClient<Node> nodeClient;
    private final ResourceClient<Pod> podClient;
    private final SharedInformer<Node> nodes;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Lease> leases;
    private final EventRecorder recorder;
    private final Clock clock;
    private final NodeLifecycleSettings settings;
    private final Map<String, Health> health = new ConcurrentHashMap<>();
    private final WorkQueue<String> queue;

    public NodeLifecycleController(ControllerContext context) {
        super(NAME);
        this.nodeClient = context.client().typed(Resources.NODES, Node.class);
        this.podClient = context.client().typed(Resources.PODS, Pod.class);
        this.nodes = context.informers().typed(Resources.NODES, Node.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.leases = context.informers().typed(Resources.LEASES, Lease.class);
        this.recorder = context.eventRecorder("node-controller");
        this.clock = context.clock();
        this.settings = context.nodeLifecycle();
        addPodNodeIndex(pods);
        this.queue = WorkQueue.create();
        Registration onNodes = nodes.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Node node, boolean initialList) {
                recorder.event(nodeReference(node, node.getMetadata().getUid()), EventRecorder.NORMAL, "RegisteredNode",
                        "Registered Node " + node.getMetadata().getName() + " in Controller");
                queue.add(node.getMetadata().getName());
            }

            @Override
            public void onUpdate(Node old, Node current) {
                queue.add(current.getMetadata().getName());
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                recorder.event(nodeReference(node, node.getMetadata().getUid()), EventRecorder.NORMAL, "RemovingNode",
                        "Removing Node " + node.getMetadata().getName() + " from Controller");
                queue.add(node.getMetadata().getName());
            }
        });
        Registration onLeases = leases.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Lease lease, boolean initialList) {
                if (LEASE_NAMESPACE.equals(lease.getMetadata().getNamespace())) {
                    queue.add(lease.getMetadata().getName());
                }
            }

            @Override
            public void onUpdate(Lease old, Lease current) {
                onAdd(current, false);
            }
        });
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                String node = pod.getSpec().getNodeName();
                if (node != null && !node.isEmpty() && !initialList) {
                    queue.add(node);
                }
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                onAdd(current, false);
            }
        });
        runs(queue, this::sync, 1, onNodes, onLeases, onPods);
    }

    /** Pods by spec.nodeName (upstream's PodNodeNameIndexer); the taint eviction controller shares it. */
    public static synchronized void addPodNodeIndex(SharedInformer<Pod> pods) {
        if (pods.indexer().hasIndex(POD_NODE_INDEX)) {
            return;
        }
        pods.indexer().addIndex(POD_NODE_INDEX, pod -> pod.getSpec() == null || pod.getSpec().getNodeName() == null
                || pod.getSpec().getNodeName().isEmpty() ? List.of() : List.of(pod.getSpec().getNodeName()));
    }

    static EventRecorder.InvolvedObject nodeReference(Node node, String uid) {
        return new EventRecorder.InvolvedObject("v1", "Node", null, node.getMetadata().getName(), uid);
    }

    void sync(String name) {
        Node cached = nodes.indexer().get(name).orElse(null);
        if (cached == null) {
            health.remove(name);
            return;
        }
        Node node = new NodeBuilder(cached).build();
        Instant now = clock.instant();
        NodeCondition ready = condition(node, "Ready");
        String observedReady = ready == null ? null : ready.getStatus();
        Duration grace = ready == null ? settings.nodeStartupGracePeriod() : settings.nodeMonitorGracePeriod();
        Health seen = observe(node, ready, now);

        if (now.isAfter(seen.probe().plus(grace))) {
            if (markUnknown(node, now)) {
                node = nodeClient.updateStatus(node);
            }
        }
        NodeCondition currentReady = condition(node, "Ready");
        if (currentReady != null && !"True".equals(currentReady.getStatus())) {
            if ("True".equals(observedReady)) {
                recorder.event(nodeReference(node, name), EventRecorder.NORMAL, "NodeNotReady",
                        "Node " + name + " status is now: NodeNotReady");
            }
            markPodsNotReady(name, now);
        }
        List<Taint> taints = NodeTaints.desired(node, format(now));
        if (!NodeTaints.same(taints, node.getSpec() == null ? null : node.getSpec().getTaints())) {
            Node tainted = new NodeBuilder(node).editOrNewSpec().withTaints(taints).endSpec().build();
            nodeClient.update(tainted);
        }
        if (currentReady == null || !"Unknown".equals(currentReady.getStatus())) {
            // back when the grace period would run out, unless a heartbeat brings it back sooner
            Duration left = Duration.between(now, seen.probe().plus(grace)).plusMillis(100);
            queue.addAfter(name, left.isNegative() ? Duration.ofMillis(100) : left);
        }
    }

    /** Upstream's tryUpdateNodeHealth bookkeeping: a new heartbeat or Lease renewal moves the probe time to now. */
    private Health observe(Node node, NodeCondition ready, Instant now) {
        String name = node.getMetadata().getName();
        Health previous = health.get(name);
        String heartbeat = ready == null ? null : ready.getLastHeartbeatTime();
        Lease lease = leases.indexer().get(LEASE_NAMESPACE, name).orElse(null);
        ZonedDateTime renewed = lease == null || lease.getSpec() == null ? null : lease.getSpec().getRenewTime();
        Instant probe;
        if (previous == null) {
            // never seen: from now, or, for a node that never posted Ready, from its creation
            probe = ready == null ? parse(node.getMetadata().getCreationTimestamp(), now) : now;
        } else {
            probe = previous.probe();
            if (!Objects.equals(previous.heartbeat(), heartbeat)) {
                probe = now;
            }
            if (renewed != null && (previous.leaseRenewed() == null || renewed.isAfter(previous.leaseRenewed()))) {
                probe = now;
            }
        }
        Health current = new Health(probe, heartbeat, renewed == null && previous != null ? previous.leaseRenewed() : renewed);
        health.put(name, current);
        return current;
    }

    /** Sets the monitored conditions Unknown; true when the Ready condition changed (worth a write). */
    private static boolean markUnknown(Node node, Instant now) {
        String stamp = format(now);
        NodeCondition readyBefore = condition(node, "Ready");
        String readyStatusBefore = readyBefore == null ? null : readyBefore.getStatus();
        List<NodeCondition> conditions = new ArrayList<>(node.getStatus().getConditions() == null ? List.of()
                : node.getStatus().getConditions());
        boolean changed = false;
        for (String type : MONITORED) {
            NodeCondition current = conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
            if (current == null) {
                conditions.add(new NodeConditionBuilder().withType(type).withStatus("Unknown").withReason("NodeStatusNeverUpdated")
                        .withMessage("Kubelet never posted node status.")
                        .withLastHeartbeatTime(node.getMetadata().getCreationTimestamp()).withLastTransitionTime(stamp).build());
                changed = true;
            } else if (!"Unknown".equals(current.getStatus())) {
                current.setStatus("Unknown");
                current.setReason("NodeStatusUnknown");
                current.setMessage("Kubelet stopped posting node status.");
                current.setLastTransitionTime(stamp);
                changed = true;
            }
        }
        node.getStatus().setConditions(conditions);
        // upstream writes only when the Ready condition differs from what it observed
        return changed && (readyBefore == null || !"Unknown".equals(readyStatusBefore));
    }

    /** Upstream's MarkPodsNotReady: each pod on the node with a Ready condition not False gets it False. */
    private void markPodsNotReady(String nodeName, Instant now) {
        for (Pod cached : pods.indexer().byIndex(POD_NODE_INDEX, nodeName)) {
            Pod pod = new PodBuilder(cached).build();
            if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
                continue;
            }
            PodCondition ready = pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                    .findFirst().orElse(null);
            if (ready == null || "False".equals(ready.getStatus())) {
                continue;
            }
            ready.setStatus("False");
            ready.setLastTransitionTime(format(now).replaceAll("\\.\\d+Z$", "Z"));
            try {
                podClient.updateStatus(pod);
            } catch (ApiException e) {
                if (e.isNotFound()) {
                    continue;
                }
                throw e;
            }
            recorder.event(new EventRecorder.InvolvedObject("v1", "Pod", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), pod.getMetadata().getUid()), EventRecorder.WARNING, "NodeNotReady",
                    "Node is not ready");
        }
    }

    static NodeCondition condition(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        return node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /** metav1.Time: RFC 3339 in whole seconds. */
    static String format(Instant time) {
        return time.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Instant parse(String time, Instant fallback) {
        return time == null || time.isEmpty() ? fallback : Instant.parse(time);
    }
}
