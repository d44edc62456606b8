package dev.kj.controllers.podgc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Json;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.ManagedController;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Upstream's pod garbage collector (pkg/controller/podgc, v1.33). Every {@code period} it reads
 * its caches and force-deletes (grace period 0): the oldest terminated pods past the threshold
 * (evicted ones first); pods bound to a node that has been missing for the quarantine and that a
 * fresh GET confirms gone (first marked Failed with the DisruptionTarget condition
 * DeletionByPodGC); terminating pods on a NotReady node tainted out-of-service; and terminating
 * pods never scheduled. A pod not yet terminal is set Failed first, by server-side apply as
 * {@code PodGC}, since no kubelet will ever finish it.
 */
public final class PodGarbageCollector implements ManagedController {
    public static final String NAME = "pod-garbage-collector-controller";
    public static final String IDENTITY = "pod-garbage-collector";
    static final String FIELD_MANAGER = "PodGC";
    static final String OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service";
    private static final System.Logger LOG = System.getLogger(PodGarbageCollector.class.getName());

    /**
     * @param terminatedPodThreshold kube-controller-manager's --terminated-pod-gc-threshold (0 turns
     *                               that part off)
     * @param period                 how often it looks (upstream's gcCheckPeriod)
     * @param quarantine             how long a node must be missing before its pods go
     */
    public record Settings(int terminatedPodThreshold, Duration period, Duration quarantine) {
        public static final Settings DEFAULTS = new Settings(12500, Duration.ofSeconds(20), Duration.ofSeconds(40));
    }

    private final Settings settings;
    private final Clock clock;
    private final ResourceClient<Pod> podsApi;
    private final ResourceClient<Node> nodesApi;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Node> nodes;
    /** Node names seen missing, with when they were first seen missing. */
    private final Map<String, Instant> quarantined = new HashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    public PodGarbageCollector(ControllerContext context) {
        this(context, Settings.DEFAULTS);
    }

    public PodGarbageCollector(ControllerContext context, Settings settings) {
        this.settings = settings;
        this.clock = context.clock();
        this.podsApi = context.client().typed(Resources.PODS, Pod.class);
        this.nodesApi = context.client().typed(Resources.NODES, Node.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.nodes = context.informers().typed(Resources.NODES, Node.class);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run() throws InterruptedException {
        while (!pods.hasSynced() || !nodes.hasSynced()) {
            if (stopped.await(100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
        do {
            try {
                collect();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "pod garbage collection failed: {0}", e.toString());
            }
        } while (!stopped.await(settings.period().toMillis(), TimeUnit.MILLISECONDS));
    }

    /** One pass over the caches (upstream's gc). */
    void collect() {
        List<Pod> allPods = pods.indexer().list();
        List<Node> allNodes = nodes.indexer().list();
        if (settings.terminatedPodThreshold() > 0) {
            collectTerminated(allPods);
        }
        collectTerminatingOutOfService(allPods);
        collectOrphaned(allPods, allNodes);
        collectUnscheduledTerminating(allPods);
    }

    static boolean terminated(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return phase != null && !phase.equals("Pending") && !phase.equals("Running") && !phase.equals("Unknown");
    }

    /** Evicted pods first, then the oldest (upstream's byEvictionAndCreationTimestamp). */
    static final Comparator<Pod> COLLECTION_ORDER = Comparator
            .comparing((Pod pod) -> !evicted(pod))
            .thenComparing(pod -> Objects.requireNonNullElse(pod.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(pod -> pod.getMetadata().getName());

    private static boolean evicted(Pod pod) {
        return pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())
                && "Evicted".equals(pod.getStatus().getReason());
    }

    private void collectTerminated(List<Pod> allPods) {
        List<Pod> terminated = new ArrayList<>(allPods.stream().filter(PodGarbageCollector::terminated).toList());
        int deleteCount = terminated.size() - settings.terminatedPodThreshold();
        if (deleteCount <= 0) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "Garbage collecting {0} pods", deleteCount);
        terminated.sort(COLLECTION_ORDER);
        forEachInParallel(terminated.subList(0, deleteCount), pod -> markFailedAndDelete(pod, false));
    }

    private void collectTerminatingOutOfService(List<Pod> allPods) {
        List<Pod> terminating = new ArrayList<>();
        for (Pod pod : allPods) {
            if (pod.getMetadata().getDeletionTimestamp() == null || pod.getSpec().getNodeName() == null) {
                continue;
            }
            Node node = nodes.indexer().get(pod.getSpec().getNodeName()).orElse(null);
            if (node != null && !ready(node) && node.getSpec() != null && node.getSpec().getTaints() != null
                    && node.getSpec().getTaints().stream().anyMatch(t -> OUT_OF_SERVICE_TAINT.equals(t.getKey()))) {
                terminating.add(pod);
            }
        }
        terminating.sort(COLLECTION_ORDER);
        forEachInParallel(terminating, pod -> markFailedAndDelete(pod, false));
    }

    private static boolean ready(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null && node.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private void collectOrphaned(List<Pod> allPods, List<Node> allNodes) {
        Set<String> existing = new HashSet<>();
        allNodes.forEach(node -> existing.add(node.getMetadata().getName()));
        Instant now = clock.instant();
        quarantined.keySet().removeIf(existing::contains);
        for (Pod pod : allPods) {
            String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
            if (nodeName != null && !nodeName.isEmpty() && !existing.contains(nodeName)) {
                quarantined.putIfAbsent(nodeName, now);
            }
        }
        Set<String> deleted = new HashSet<>();
        for (var entry : List.copyOf(quarantined.entrySet())) {
            if (Duration.between(entry.getValue(), now).compareTo(settings.quarantine()) < 0) {
                continue;
            }
            try {
                nodesApi.get(null, entry.getKey());
                quarantined.remove(entry.getKey()); // the cache lagged: it exists
            } catch (ApiException e) {
                if (e.isNotFound()) {
                    deleted.add(entry.getKey());
                    quarantined.remove(entry.getKey());
                } else {
                    LOG.log(System.Logger.Level.WARNING, "Error while getting node {0}: {1}", entry.getKey(), e.toString());
                }
            }
        }
        for (Pod pod : allPods) {
            if (pod.getSpec() != null && deleted.contains(pod.getSpec().getNodeName())) {
                LOG.log(System.Logger.Level.INFO, "Found orphaned Pod {0}/{1} assigned to the Node {2}, deleting",
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getSpec().getNodeName());
                try {
                    markFailedAndDelete(pod, true);
                } catch (ApiException e) {
                    LOG.log(System.Logger.Level.WARNING, "deleting orphaned pod failed: {0}", e.toString());
                }
            }
        }
    }

    private void collectUnscheduledTerminating(List<Pod> allPods) {
        for (Pod pod : allPods) {
            if (pod.getMetadata().getDeletionTimestamp() == null
                    || pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
                continue;
            }
            try {
                markFailedAndDelete(pod, false);
            } catch (ApiException e) {
                LOG.log(System.Logger.Level.WARNING, "deleting unscheduled terminating pod failed: {0}", e.toString());
            }
        }
    }

    /**
     * Sets a pod that is not terminal Failed (with the DisruptionTarget condition for an orphan),
     * then deletes it with grace period 0 (upstream's markFailedAndDeletePodWithCondition).
     */
    void markFailedAndDelete(Pod pod, boolean nodeGone) {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        LOG.log(System.Logger.Level.INFO, "PodGC is force deleting Pod {0}/{1}", namespace, name);
        if (!terminated(pod)) {
            ObjectNode apply = Json.TREES.createObjectNode();
            apply.put("apiVersion", "v1");
            apply.put("kind", "Pod");
            apply.putObject("metadata").put("name", name).put("namespace", namespace);
            ObjectNode status = apply.putObject("status");
            status.put("phase", "Failed");
            if (nodeGone) {
                status.putArray("conditions").addObject()
                        .put("type", "DisruptionTarget")
                        .put("status", "True")
                        .put("reason", "DeletionByPodGC")
                        .put("message", "PodGC: node no longer exists")
                        .put("lastTransitionTime", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
            }
            try {
                podsApi.applyStatus(namespace, name, apply.toString(), FIELD_MANAGER, true);
            } catch (ApiException e) {
                if (e.isNotFound()) {
                    return;
                }
                throw e;
            }
        }
        try {
            podsApi.delete(namespace, name, DeleteOptions.NONE.withGracePeriodSeconds(0));
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    private static void forEachInParallel(List<Pod> pods, java.util.function.Consumer<Pod> action) {
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Pod pod : pods) {
                executor.submit(() -> {
                    try {
                        action.accept(pod);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "garbage collecting pod {0}/{1} failed: {2}",
                                pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.toString());
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        stopped.countDown();
    }
}
