package dev.kj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.PatchType;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.InformerFactory;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Json;
import dev.kj.scheduler.cache.SchedulerCache;
import dev.kj.scheduler.framework.ClusterEvent;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.FitError;
import dev.kj.scheduler.framework.Framework;
import dev.kj.scheduler.framework.Handle;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PostFilterPlugin;
import dev.kj.scheduler.framework.QueuedPodInfo;
import dev.kj.scheduler.framework.Registry;
import dev.kj.scheduler.framework.Selectors;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import dev.kj.scheduler.framework.plugins.InTreeRegistry;
import dev.kj.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The scheduler (upstream's pkg/scheduler): informers feed the cache (nodes, bound pods) and the
 * queue (pending pods of {@value #DEFAULT_SCHEDULER_NAME}); one scheduling cycle at a time pops a
 * pod, runs the profile on a snapshot (PreFilter, Filter, PostFilter on failure, PreScore, Score),
 * assumes the pod on the best node and binds it on its own virtual thread while the next cycle
 * starts. Failures set PodScheduled=False and record FailedScheduling with upstream's texts.
 */
public final class Scheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());
    public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";
    /** upstream's truncation of event and condition messages. */
    static final int MAX_MESSAGE = 1024;

    private final ApiClient client;
    private final Clock clock;
    private final InformerFactory informers;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Node> nodes;
    private final SharedInformer<PodDisruptionBudget> budgets;
    private final SharedInformer<ObjectNode> namespaces;
    private final List<SharedInformer<ObjectNode>> spreadOwners;
    private final SharedInformer<ObjectNode> services;
    private final EventRecorder events;
    private final SchedulerCache cache = new SchedulerCache();
    private final Framework framework;
    private final SchedulingQueue queue;
    private volatile boolean closed;

    public Scheduler(ApiClient client, Clock clock) {
        this(client, InTreeRegistry.registry(), InTreeRegistry.defaultProfile(), clock);
    }

    public Scheduler(ApiClient client, Registry registry, List<Framework.Enabled> profile, Clock clock) {
        this.client = client;
        this.clock = clock;
        this.informers = new InformerFactory(client);
        this.pods = informers.typed(Resources.PODS, Pod.class);
        this.nodes = informers.typed(Resources.NODES, Node.class);
        this.budgets = informers.typed(Resources.POD_DISRUPTION_BUDGETS, PodDisruptionBudget.class);
        this.namespaces = informers.generic(Resources.NAMESPACES);
        this.services = informers.generic(Resources.SERVICES);
        this.spreadOwners = List.of(informers.generic(Resources.REPLICATION_CONTROLLERS),
                informers.generic(Resources.REPLICA_SETS), informers.generic(Resources.STATEFUL_SETS));
        this.events = new EventRecorder(client, DEFAULT_SCHEDULER_NAME, clock);
        this.framework = new Framework(DEFAULT_SCHEDULER_NAME, profile, registry, this::handle);
        this.queue = new SchedulingQueue(framework.queueSort().less(), framework::eventsFor, clock);
        pods.addEventHandler(new PodHandler());
        nodes.addEventHandler(new NodeHandler());
    }

    /** Starts the informers and schedules until closed. */
    public void run() throws InterruptedException {
        informers.start();
        while (!closed && !informers.waitForSync(Duration.ofSeconds(1))) {
            // keep waiting: the API server may still be starting
        }
        while (!closed) {
            QueuedPodInfo info;
            try {
                info = queue.pop();
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
            try {
                scheduleOne(info);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "scheduling " + info.key() + " failed", e);
                queue.addUnschedulable(info, queue.schedulingCycle());
            }
        }
    }

    // ---- one scheduling cycle ----

    private void scheduleOne(QueuedPodInfo info) {
        long cycle = queue.schedulingCycle();
        Pod pod = info.pod();
        if (pod.getMetadata().getDeletionTimestamp() != null || cache.isAssumed(pod)) {
            queue.done(info.key());
            return;
        }
        CycleState state = new CycleState();
        Snapshot snapshot = cache.snapshot();
        state.write(Framework.SNAPSHOT, snapshot);
        Attempt attempt = schedulePod(state, pod, snapshot);
        if (attempt.node() == null) {
            String nominated = null;
            Status status = attempt.status();
            String message = status.message();
            if (attempt.fitError() != null) {
                FitError error = attempt.fitError();
                if (framework.hasPostFilter()) {
                    PostFilterPlugin.Result result = framework.runPostFilter(state, pod, error.nodeStatus());
                    nominated = result.nominatedNodeName();
                    if (result.status().code() == Status.Code.ERROR) {
                        LOG.log(System.Logger.Level.WARNING, "preemption for {0} failed: {1}", info.key(), result.status().message());
                    } else if (!result.status().isSuccess()) {
                        error = error.withPostFilterMessage(result.status().message());
                    }
                }
                message = error.message();
            }
            handleFailure(info, status, message, nominated, attempt.rejectors(), cycle);
            return;
        }
        Pod assumed = new io.fabric8.kubernetes.api.model.PodBuilder(pod).editSpec().withNodeName(attempt.node()).endSpec().build();
        cache.assume(assumed);
        queue.removeNomination(pod);
        Status reserved = framework.runReserve(state, assumed, attempt.node());
        if (!reserved.isSuccess()) {
            framework.runUnreserve(state, assumed, attempt.node());
            cache.forget(assumed);
            handleFailure(info, reserved, reserved.message(), null, Set.of(), cycle);
            return;
        }
        Thread.ofVirtual().name("scheduler-bind-" + info.key()).start(() -> bind(info, state, assumed, attempt.node(), cycle));
    }

    private void bind(QueuedPodInfo info, CycleState state, Pod assumed, String node, long cycle) {
        Status bound = framework.runBind(state, assumed, node);
        if (bound.isSuccess()) {
            queue.done(info.key());
            events.event(involved(assumed), EventRecorder.NORMAL, "Scheduled", "Successfully assigned "
                    + assumed.getMetadata().getNamespace() + "/" + assumed.getMetadata().getName() + " to " + node);
            return;
        }
        framework.runUnreserve(state, assumed, node);
        cache.forget(assumed);
        // the room the assumed pod held is free again
        queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE);
        Status failed = Status.error("running Bind plugin \"" + bound.plugin() + "\": " + bound.message());
        handleFailure(info, failed, failed.message(), null, Set.of(), cycle);
    }

    /** The outcome of schedulePod: a node, or a status (with the FitError when the filters left none). */
    private record Attempt(String node, Status status, FitError fitError, Set<String> rejectors) {
    }

    private Attempt schedulePod(CycleState state, Pod pod, Snapshot snapshot) {
        if (snapshot.size() == 0) {
            return new Attempt(null, Status.unresolvable(FitError.NO_NODES_AVAILABLE), null, Set.of());
        }
        Framework.PreFilterOutcome pre = framework.runPreFilter(state, pod, snapshot);
        Map<String, Status> statuses = new LinkedHashMap<>();
        Set<String> rejectors = new HashSet<>();
        if (!pre.status().isSuccess()) {
            if (!pre.status().isRejected()) {
                return new Attempt(null, pre.status(), null, Set.of());
            }
            snapshot.nodes().forEach(node -> statuses.put(node.name(), pre.status()));
            rejectors.add(pre.status().plugin());
            return new Attempt(null, pre.status(),
                    new FitError(snapshot.size(), statuses, null, pre.status().message(), ""), rejectors);
        }
        List<NodeInfo> feasible = new ArrayList<>();
        String nominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
        if (nominated != null && !nominated.isEmpty() && snapshot.get(nominated) != null
                && (pre.nodeNames() == null || pre.nodeNames().contains(nominated))) {
            NodeInfo node = snapshot.get(nominated);
            if (filterWithNominated(state, pod, node).isSuccess()) {
                feasible.add(node); // the node preemption freed: no need to look further
            }
        }
        if (feasible.isEmpty()) {
            for (NodeInfo node : snapshot.nodes()) {
                if (pre.nodeNames() != null && !pre.nodeNames().contains(node.name())) {
                    statuses.put(node.name(), Status.unresolvable("node(s) didn't satisfy plugin(s) [PreFilter]"));
                    continue;
                }
                Status status = filterWithNominated(state, pod, node);
                if (status.isSuccess()) {
                    feasible.add(node);
                } else if (status.code() == Status.Code.ERROR) {
                    return new Attempt(null, status, null, Set.of());
                } else {
                    statuses.put(node.name(), status);
                    rejectors.add(status.plugin());
                }
            }
        }
        if (feasible.isEmpty()) {
            return new Attempt(null, Status.unschedulable(), new FitError(snapshot.size(), statuses, null, "", ""), rejectors);
        }
        if (feasible.size() == 1) {
            return new Attempt(feasible.getFirst().name(), Status.success(), null, Set.of());
        }
        Status prescored = framework.runPreScore(state, pod, feasible, snapshot);
        if (!prescored.isSuccess()) {
            return new Attempt(null, prescored, null, Set.of());
        }
        Map<String, Long> scores = framework.runScore(state, pod, feasible);
        return new Attempt(selectHost(scores), Status.success(), null, Set.of());
    }

    /**
     * RunFilterPluginsWithNominatedPods: with pods nominated to the node at the pod's priority or
     * higher counted there, and again without them (they may never arrive); both must pass.
     */
    private Status filterWithNominated(CycleState state, Pod pod, NodeInfo node) {
        int priority = priority(pod);
        List<Pod> ahead = queue.nominatedPods(node.name()).stream()
                .filter(p -> !p.getMetadata().getUid().equals(pod.getMetadata().getUid()) && priority(p) >= priority)
                .toList();
        if (!ahead.isEmpty()) {
            NodeInfo withNominated = node.copy();
            ahead.forEach(withNominated::addPod);
            Status status = framework.runFilter(state, pod, withNominated);
            if (!status.isSuccess()) {
                return status;
            }
        }
        return framework.runFilter(state, pod, node);
    }

    /** The best score; ties broken at random (reservoir sampling, as upstream). */
    static String selectHost(Map<String, Long> scores) {
        String selected = null;
        long best = Long.MIN_VALUE;
        int ties = 0;
        for (Map.Entry<String, Long> entry : scores.entrySet()) {
            if (entry.getValue() > best) {
                best = entry.getValue();
                selected = entry.getKey();
                ties = 1;
            } else if (entry.getValue() == best) {
                ties++;
                if (ThreadLocalRandom.current().nextInt(ties) == 0) {
                    selected = entry.getKey();
                }
            }
        }
        return selected;
    }

    // ---- failures ----

    private void handleFailure(QueuedPodInfo info, Status status, String message, String nominatedNode,
                               Set<String> rejectors, long cycle) {
        Pod pod = info.pod();
        String reason = status.isRejected() ? "Unschedulable" : "SchedulerError";
        String text = truncate(message);
        Optional<Pod> current = pods.indexer().get(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        boolean requeue = current.isPresent() && current.get().getMetadata().getUid().equals(pod.getMetadata().getUid())
                && (current.get().getSpec().getNodeName() == null || current.get().getSpec().getNodeName().isEmpty());
        if (requeue) {
            queue.addUnschedulable(info.withPod(current.get()).rejectedBy(rejectors), cycle);
        } else {
            queue.done(info.key());
        }
        if (nominatedNode != null) {
            queue.nominate(pod, nominatedNode);
        }
        events.event(involved(pod), EventRecorder.WARNING, "FailedScheduling", text);
        if (requeue) {
            updateStatus(current.get(), reason, text, nominatedNode);
        }
    }

    /** PodScheduled=False with the reason and message, and the nomination; written only when something changes. */
    private void updateStatus(Pod pod, String reason, String message, String nominatedNode) {
        PodCondition old = pod.getStatus() == null || pod.getStatus().getConditions() == null ? null
                : pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
        String oldNominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
        boolean conditionSame = old != null && "False".equals(old.getStatus()) && reason.equals(old.getReason())
                && message.equals(old.getMessage());
        boolean nominationSame = nominatedNode == null || Objects.equals(emptyToNull(nominatedNode), emptyToNull(oldNominated));
        if (conditionSame && nominationSame) {
            return;
        }
        ObjectNode patch = Json.TREES.createObjectNode();
        ObjectNode status = patch.putObject("status");
        ObjectNode condition = status.putArray("conditions").addObject();
        condition.put("type", "PodScheduled");
        condition.put("status", "False");
        condition.putNull("lastProbeTime");
        String transition = old != null && "False".equals(old.getStatus()) && old.getLastTransitionTime() != null
                ? old.getLastTransitionTime() : clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        condition.put("lastTransitionTime", transition);
        condition.put("reason", reason);
        condition.put("message", message);
        if (nominatedNode != null) {
            if (nominatedNode.isEmpty()) {
                status.putNull("nominatedNodeName");
            } else {
                status.put("nominatedNodeName", nominatedNode);
            }
        }
        try {
            client.generic(Resources.PODS).patchStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    PatchType.STRATEGIC_MERGE, patch.toString());
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                LOG.log(System.Logger.Level.WARNING, "updating the status of {0}/{1}: {2}", pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    static String truncate(String message) {
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 3) + "...";
    }

    private static EventRecorder.InvolvedObject involved(Pod pod) {
        return new EventRecorder.InvolvedObject("v1", "Pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                pod.getMetadata().getUid());
    }

    static int priority(Pod pod) {
        return pod.getSpec().getPriority() == null ? 0 : pod.getSpec().getPriority();
    }

    // ---- informer handlers ----

    private static boolean assigned(Pod pod) {
        return pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
    }

    private static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /**
     * Pods this scheduler should place: its scheduler name, and no scheduling gates (upstream's
     * SchedulingGates PreEnqueue plugin keeps gated pods out of the queue; the API server has set
     * their PodScheduled=False/SchedulingGated condition, and gates can only be removed).
     */
    private static boolean ours(Pod pod) {
        String name = pod.getSpec().getSchedulerName();
        boolean gated = pod.getSpec().getSchedulingGates() != null && !pod.getSpec().getSchedulingGates().isEmpty();
        return !gated && (name == null || name.isEmpty() || DEFAULT_SCHEDULER_NAME.equals(name));
    }

    private final class PodHandler implements EventHandler<Pod> {
        @Override
        public void onAdd(Pod pod, boolean initialList) {
            if (terminal(pod)) {
                return;
            }
            if (assigned(pod)) {
                cache.addPod(pod);
                queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_ADD);
            } else if (ours(pod) && pod.getMetadata().getDeletionTimestamp() == null) {
                queue.add(pod);
            }
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            if (assigned(pod)) {
                if (!assigned(old)) {
                    queue.delete(old); // bound: its pending life is over
                }
                if (terminal(pod)) {
                    cache.removePod(pod);
                    queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE);
                } else {
                    cache.updatePod(pod);
                    queue.moveAllToActiveOrBackoff(assigned(old) ? ClusterEvent.ASSIGNED_POD_UPDATE : ClusterEvent.ASSIGNED_POD_ADD);
                }
            } else if (ours(pod)) {
                if (pod.getMetadata().getDeletionTimestamp() != null || terminal(pod)) {
                    queue.delete(pod);
                } else {
                    queue.update(old, pod);
                }
            }
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            if (assigned(pod)) {
                cache.removePod(pod);
                queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE);
            } else {
                queue.delete(pod);
            }
        }
    }

    private final class NodeHandler implements EventHandler<Node> {
        @Override
        public void onAdd(Node node, boolean initialList) {
            cache.addNode(node);
            queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_ADD);
        }

        @Override
        public void onUpdate(Node old, Node node) {
            cache.updateNode(node);
            if (schedulingRelevantChange(old, node)) {
                queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_UPDATE);
            }
        }

        @Override
        public void onDelete(Node node, boolean finalStateUnknown) {
            cache.removeNode(node);
            queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_DELETE);
        }
    }

    /** Heartbeats change conditions and times only; spec, labels, allocatable and images matter. */
    private static boolean schedulingRelevantChange(Node old, Node node) {
        return !Objects.equals(old.getSpec(), node.getSpec())
                || !Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())
                || !Objects.equals(old.getStatus() == null ? null : old.getStatus().getAllocatable(),
                        node.getStatus() == null ? null : node.getStatus().getAllocatable())
                || !Objects.equals(old.getStatus() == null ? null : old.getStatus().getImages(),
                        node.getStatus() == null ? null : node.getStatus().getImages());
    }

    // ---- the plugins' handle ----

    private Handle handle(Framework profile) {
        return new Handle() {
            @Override
            public ApiClient client() {
                return client;
            }

            @Override
            public EventRecorder events() {
                return events;
            }

            @Override
            public Framework framework() {
                return profile;
            }

            @Override
            public List<PodDisruptionBudget> podDisruptionBudgets() {
                return budgets.indexer().list();
            }

            @Override
            public Optional<Pod> pod(String namespace, String name) {
                return pods.indexer().get(namespace, name);
            }

            @Override
            public Map<String, String> namespaceLabels(String namespace) {
                return namespaces.indexer().get(null, namespace)
                        .map(ns -> labels(ns.path("metadata").path("labels"))).orElse(Map.of());
            }

            @Override
            public Optional<Predicate<Map<String, String>>> defaultSpreadSelector(Pod pod) {
                return spreadSelector(pod);
            }

            @Override
            public List<Pod> nominatedPods(String nodeName) {
                return queue.nominatedPods(nodeName);
            }
        };
    }

    /**
     * helper.DefaultSelector: the selectors of the Services selecting the pod, of the
     * ReplicationController, ReplicaSet or StatefulSet controlling it, ANDed.
     */
    private Optional<Predicate<Map<String, String>>> spreadSelector(Pod pod) {
        Map<String, String> podLabels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        String namespace = pod.getMetadata().getNamespace();
        List<Predicate<Map<String, String>>> parts = new ArrayList<>();
        for (ObjectNode service : services.indexer().byNamespace(namespace)) {
            Map<String, String> selector = labels(service.path("spec").path("selector"));
            if (!selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(podLabels.get(e.getKey())))) {
                parts.add(labels -> selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey()))));
            }
        }
        if (pod.getMetadata().getOwnerReferences() != null) {
            for (var owner : pod.getMetadata().getOwnerReferences()) {
                if (!Boolean.TRUE.equals(owner.getController())) {
                    continue;
                }
                int index = switch (owner.getKind()) {
                    case "ReplicationController" -> 0;
                    case "ReplicaSet" -> 1;
                    case "StatefulSet" -> 2;
                    default -> -1;
                };
                if (index < 0) {
                    continue;
                }
                Optional<ObjectNode> controller = spreadOwners.get(index).indexer().get(namespace, owner.getName());
                if (controller.isEmpty()) {
                    continue;
                }
                JsonNode selector = controller.get().path("spec").path("selector");
                if (index == 0) {
                    Map<String, String> set = labels(selector);
                    if (!set.isEmpty()) {
                        parts.add(labels -> set.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey()))));
                    }
                } else if (selector.isObject()) {
                    LabelSelector typed = Json.TYPED.treeToValue(Json.TYPED.readTree(selector.toString()), LabelSelector.class);
                    parts.add(labels -> Selectors.matches(typed, labels));
                }
            }
        }
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(labels -> parts.stream().allMatch(p -> p.test(labels)));
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        }
        return labels;
    }

    /** The queue, for tests. */
    SchedulingQueue queue() {
        return queue;
    }

    @Override
    public void close() {
        closed = true;
        queue.close();
        informers.close();
    }
}
