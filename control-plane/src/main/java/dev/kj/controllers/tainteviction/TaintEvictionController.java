package dev.kj.controllers.tainteviction;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import dev.kj.controllers.nodelifecycle.NodeLifecycleController;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's taint eviction controller (pkg/controller/tainteviction, split from the node
 * lifecycle controller in 1.29): a pod on a node with NoExecute taints is deleted at once when it
 * does not tolerate one of them, after the smallest tolerationSeconds of the tolerations used
 * when it tolerates them all for a while, and never when one of those tolerates forever. A
 * scheduled deletion keeps its start when the taints change and is cancelled (with an event) when
 * the taints go. Each pod key is queued on pod and node changes and again when its time is up.
 */
public final class TaintEvictionController extends QueueController {
    public static final String NAME = "taint-eviction-controller";
    /** Upstream runs it with the node-controller's credentials and role. */
    public static final String IDENTITY = "node-controller";
    static final int WORKERS = 8;

    /** A deletion planned: counted from {@code since}, due at {@code due}. */
    private record Scheduled(Instant since, Instant due) {
    }

    private final ResourceClient<Pod> podClient;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Node> nodes;
    private final EventRecorder recorder;
    private final Clock clock;
    private final Map<String, Scheduled> scheduled = new ConcurrentHashMap<>();
    private final WorkQueue<String> queue;

    public TaintEvictionController(ControllerContext context) {
        super(NAME);
        this.podClient = context.client().typed(Resources.PODS, Pod.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.nodes = context.informers().typed(Resources.NODES, Node.class);
        this.recorder = context.eventRecorder(NAME);
        this.clock = context.clock();
        NodeLifecycleController.addPodNodeIndex(pods);
        this.queue = WorkQueue.create();
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                queue.add(Keys.of(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                if (!Objects.equals(old.getSpec().getNodeName(), current.getSpec().getNodeName())
                        || !Objects.equals(old.getSpec().getTolerations(), current.getSpec().getTolerations())) {
                    onAdd(current, false);
                }
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                onAdd(pod, false);
            }
        });
        Registration onNodes = nodes.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Node node, boolean initialList) {
                if (!noExecuteTaints(node).isEmpty()) {
                    queuePodsOn(node);
                }
            }

            @Override
            public void onUpdate(Node old, Node current) {
                if (!noExecuteTaints(old).equals(noExecuteTaints(current))) {
                    queuePodsOn(current);
                }
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                queuePodsOn(node);
            }
        });
        runs(queue, this::sync, WORKERS, onPods, onNodes);
    }

    private void queuePodsOn(Node node) {
        for (Pod pod : pods.indexer().byIndex("spec.nodeName", node.getMetadata().getName())) {
            queue.add(Keys.of(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        }
    }

    static List<Taint> noExecuteTaints(Node node) {
        if (node.getSpec() == null || node.getSpec().getTaints() == null) {
            return List.of();
        }
        return node.getSpec().getTaints().stream().filter(t -> "NoExecute".equals(t.getEffect())).toList();
    }

    void sync(String key) {
        Pod pod = pods.indexer().get(key).orElse(null);
        String nodeName = pod == null ? null : pod.getSpec().getNodeName();
        Node node = nodeName == null || nodeName.isEmpty() ? null : nodes.indexer().get(nodeName).orElse(null);
        List<Taint> taints = node == null ? List.of() : noExecuteTaints(node);
        if (pod == null || taints.isEmpty()) {
            cancel(key, pod != null);
            return;
        }
        Instant now = clock.instant();
        List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
        List<Toleration> used = new ArrayList<>();
        for (Taint taint : taints) {
            Toleration match = tolerations.stream().filter(t -> tolerates(t, taint)).findFirst().orElse(null);
            if (match == null) {
                evict(key, pod); // a taint it does not tolerate: out now
                return;
            }
            used.add(match); // upstream's GetMatchingTolerations: the first toleration per taint
        }
        Duration tolerated = minimumToleration(used);
        if (tolerated == null) {
            cancel(key, true); // tolerated forever
            return;
        }
        Scheduled plan = scheduled.compute(key, (k, existing) -> {
            Instant since = existing == null ? now : existing.since();
            return new Scheduled(since, since.plus(tolerated));
        });
        if (!now.isBefore(plan.due())) {
            evict(key, pod);
        } else {
            queue.addAfter(key, Duration.between(now, plan.due()));
        }
    }

    /**
     * Upstream's getMinTolerationTime: the smallest tolerationSeconds among the tolerations used
     * (zero or less: at once); null (forever) when none of them has tolerationSeconds.
     */
    static Duration minimumToleration(List<Toleration> used) {
        Duration minimum = null;
        for (Toleration toleration : used) {
            if (toleration.getTolerationSeconds() == null) {
                continue;
            }
            Duration seconds = Duration.ofSeconds(Math.max(0, toleration.getTolerationSeconds()));
            minimum = minimum == null || seconds.compareTo(minimum) < 0 ? seconds : minimum;
        }
        return minimum;
    }

    /** Upstream's ToleratesTaint: effect (empty matches all), key (empty with Exists matches all), operator. */
    static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = toleration.getEffect();
        if (effect != null && !effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = toleration.getKey();
        if (key != null && !key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        String operator = toleration.getOperator() == null || toleration.getOperator().isEmpty() ? "Equal" : toleration.getOperator();
        return switch (operator) {
            case "Exists" -> true;
            case "Equal" -> Objects.equals(blank(toleration.getValue()), blank(taint.getValue()));
            default -> false;
        };
    }

    private static String blank(String value) {
        return value == null ? "" : value;
    }

    private void cancel(String key, boolean podExists) {
        if (scheduled.remove(key) != null && podExists) {
            recorder.event(new EventRecorder.InvolvedObject("v1", "Pod", Keys.namespace(key), Keys.name(key), null),
                    EventRecorder.NORMAL, "TaintManagerEviction", "Cancelling deletion of Pod " + key);
        }
    }

    /** Upstream's deletePodHandler: the event, the DisruptionTarget condition, then the delete. */
    private void evict(String key, Pod cached) {
        if (cached.getMetadata().getDeletionTimestamp() != null) {
            scheduled.remove(key);
            return; // already on its way out
        }
        recorder.event(new EventRecorder.InvolvedObject("v1", "Pod", Keys.namespace(key), Keys.name(key), null),
                EventRecorder.NORMAL, "TaintManagerEviction", "Marking for deletion Pod " + key);
        try {
            Pod pod = podClient.get(Keys.namespace(key), Keys.name(key));
            if (addDisruptionCondition(pod)) {
                podClient.updateStatus(pod);
            }
            podClient.delete(Keys.namespace(key), Keys.name(key), DeleteOptions.NONE);
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
        scheduled.remove(key);
    }

    private boolean addDisruptionCondition(Pod pod) {
        List<PodCondition> conditions = new ArrayList<>(pod.getStatus() == null || pod.getStatus().getConditions() == null
                ? List.of() : pod.getStatus().getConditions());
        PodCondition existing = conditions.stream().filter(c -> "DisruptionTarget".equals(c.getType())).findFirst().orElse(null);
        String reason = "DeletionByTaintManager";
        String message = "Taint manager: deleting due to NoExecute taint";
        if (existing != null && "True".equals(existing.getStatus()) && reason.equals(existing.getReason())
                && message.equals(existing.getMessage())) {
            return false;
        }
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        PodCondition condition = new PodConditionBuilder().withType("DisruptionTarget").withStatus("True").withReason(reason)
                .withMessage(message).withLastTransitionTime(existing != null && "True".equals(existing.getStatus())
                        ? existing.getLastTransitionTime() : now).build();
        conditions.removeIf(c -> "DisruptionTarget".equals(c.getType()));
        conditions.add(condition);
        if (pod.getStatus() == null) {
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
        }
        pod.getStatus().setConditions(conditions);
        return true;
    }
}
