package dev.kj.controllers.disruption;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Json;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import dev.kj.controllers.intstr.ScaledValues;
import dev.kj.controllers.labels.LabelSelectors;
import dev.kj.controllers.replicaset.PodStates;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Upstream's disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's
 * status — the pods it covers that are healthy (ready, not being deleted, not just evicted), how
 * many must be, how many pods are expected, and so how many disruptions are allowed, with the
 * DisruptionAllowed condition — for the eviction API to consult. Percentages (and maxUnavailable)
 * are taken of the pods' controllers' scale: the spec.replicas of the ReplicaSet (or of the
 * Deployment owning it), StatefulSet or ReplicationController each pod's ControllerRef names.
 * Pods recorded in status.disruptedPods (by an eviction) stop counting as healthy for two minutes
 * or until they go; the PDB comes back when that time ends.
 */
public final class DisruptionController extends QueueController {
    public static final String NAME = "disruption-controller";
    /** The service account whose credentials it uses, and the source of its events. */
    public static final String IDENTITY = "disruption-controller";
    /** Upstream's DeletionTimeout: how long an evicted pod is expected to take to be deleted. */
    static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);
    static final String DISRUPTION_ALLOWED = "DisruptionAllowed";

    private final ResourceClient<PodDisruptionBudget> pdbApi;
    private final SharedInformer<PodDisruptionBudget> pdbs;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<ReplicaSet> replicaSets;
    private final SharedInformer<Deployment> deployments;
    private final SharedInformer<StatefulSet> statefulSets;
    private final SharedInformer<ReplicationController> replicationControllers;
    private final EventRecorder events;
    private final Clock clock;
    private final WorkQueue<String> queue = WorkQueue.create();

    public DisruptionController(ControllerContext context) {
        super(NAME);
        this.pdbApi = context.client().typed(Resources.POD_DISRUPTION_BUDGETS, PodDisruptionBudget.class);
        var informers = context.informers();
        this.pdbs = informers.typed(Resources.POD_DISRUPTION_BUDGETS, PodDisruptionBudget.class);
        this.pods = informers.typed(Resources.PODS, Pod.class);
        this.replicaSets = informers.typed(Resources.REPLICA_SETS, ReplicaSet.class);
        this.deployments = informers.typed(Resources.DEPLOYMENTS, Deployment.class);
        this.statefulSets = informers.typed(Resources.STATEFUL_SETS, StatefulSet.class);
        this.replicationControllers = informers.typed(Resources.REPLICATION_CONTROLLERS, ReplicationController.class);
        this.events = context.eventRecorder(IDENTITY);
        this.clock = context.clock();
        Registration onPdbs = pdbs.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(PodDisruptionBudget pdb, boolean initialList) {
                queue.add(key(pdb));
            }

            @Override
            public void onUpdate(PodDisruptionBudget old, PodDisruptionBudget current) {
                queue.add(key(current));
            }

            @Override
            public void onDelete(PodDisruptionBudget pdb, boolean finalStateUnknown) {
                queue.add(key(pdb));
            }
        });
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                enqueueBudgetsOf(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                if (!Objects.equals(old.getMetadata().getLabels(), current.getMetadata().getLabels())) {
                    enqueueBudgetsOf(old);
                }
                enqueueBudgetsOf(current);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                enqueueBudgetsOf(pod);
            }
        });
        // the workload informers are only read (upstream's listers); syncing waits for them too
        runs(queue, this::sync, 1, onPdbs, onPods, replicaSets.addEventHandler(new EventHandler<>() {
        }), deployments.addEventHandler(new EventHandler<>() {
        }), statefulSets.addEventHandler(new EventHandler<>() {
        }), replicationControllers.addEventHandler(new EventHandler<>() {
        }));
    }

    private static String key(PodDisruptionBudget pdb) {
        return Keys.of(pdb.getMetadata().getNamespace(), pdb.getMetadata().getName());
    }

    private void enqueueBudgetsOf(Pod pod) {
        for (PodDisruptionBudget pdb : pdbs.indexer().byNamespace(pod.getMetadata().getNamespace())) {
            if (pdb.getSpec() != null && LabelSelectors.matches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                queue.add(key(pdb));
            }
        }
    }

    // --- sync ---

    void sync(String key) {
        PodDisruptionBudget pdb = pdbs.indexer().get(key).orElse(null);
        if (pdb == null) {
            return;
        }
        try {
            trySync(pdb);
        } catch (ApiException e) {
            if (e.isConflict()) {
                throw e; // a newer PDB is on its way; no fail-safe for that
            }
            failSafe(pdb, e);
            throw e;
        } catch (RuntimeException e) {
            failSafe(pdb, e);
            throw e;
        }
    }

    private void trySync(PodDisruptionBudget pdb) {
        List<Pod> covered = pods.indexer().byNamespace(pdb.getMetadata().getNamespace()).stream()
                .filter(pod -> LabelSelectors.matches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels())).toList();
        if (covered.isEmpty()) {
            events.event(involved(pdb), EventRecorder.NORMAL, "NoPods", "No matching pods found");
        }
        Expected expected = expectedPodCount(pdb, covered);
        if (!expected.unmanaged().isEmpty()) {
            events.event(involved(pdb), EventRecorder.WARNING, "UnmanagedPods", ("Pods selected by this PodDisruptionBudget"
                    + " (selector: %s) were found to be unmanaged. As a result, the status of the PDB cannot be calculated"
                    + " correctly, which may result in undefined behavior. To account for these pods please set"
                    + " \".spec.minAvailable\" field of the PDB to an integer value.").formatted(pdb.getSpec().getSelector()));
        }
        Instant now = clock.instant();
        Map<String, String> disrupted = new LinkedHashMap<>();
        Instant recheck = null;
        Map<String, String> recorded = pdb.getStatus() == null || pdb.getStatus().getDisruptedPods() == null ? Map.of()
                : pdb.getStatus().getDisruptedPods();
        for (Pod pod : covered) {
            String since = recorded.get(pod.getMetadata().getName());
            if (pod.getMetadata().getDeletionTimestamp() != null || since == null) {
                continue;
            }
            Instant expectedDeletion = Instant.parse(since).plus(DELETION_TIMEOUT);
            if (expectedDeletion.isBefore(now)) {
                events.event(new EventRecorder.InvolvedObject("v1", "Pod", pod.getMetadata().getNamespace(),
                                pod.getMetadata().getName(), pod.getMetadata().getUid()), EventRecorder.WARNING, "NotDeleted",
                        "Pod was expected by PDB %s/%s to be deleted but it wasn't".formatted(pdb.getMetadata().getNamespace(),
                                pdb.getMetadata().getNamespace()));
            } else {
                recheck = recheck == null || expectedDeletion.isBefore(recheck) ? expectedDeletion : recheck;
                disrupted.put(pod.getMetadata().getName(), since);
            }
        }
        int currentHealthy = 0;
        for (Pod pod : covered) {
            String since = disrupted.get(pod.getMetadata().getName());
            boolean expectedToGo = since != null && Instant.parse(since).plus(DELETION_TIMEOUT).isAfter(now);
            if (pod.getMetadata().getDeletionTimestamp() == null && !expectedToGo && PodStates.isReady(pod)) {
                currentHealthy++;
            }
        }
        updateStatus(pdb, currentHealthy, expected.desiredHealthy(), expected.count(), disrupted, now);
        if (recheck != null) {
            queue.addAfter(key(pdb), Duration.between(now, recheck));
        }
    }

    /** The pods expected (the controllers' scale, or the pods found), how many must be healthy, and pods without a controller. */
    record Expected(int count, int desiredHealthy, List<String> unmanaged) {
    }

    private Expected expectedPodCount(PodDisruptionBudget pdb, List<Pod> covered) {
        IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
        IntOrString minAvailable = pdb.getSpec().getMinAvailable();
        if (maxUnavailable != null) {
            Scale scale = expectedScale(covered);
            int unavailable = scaledValue(maxUnavailable, scale.count());
            return new Expected(scale.count(), Math.max(0, scale.count() - unavailable), scale.unmanaged());
        }
        if (minAvailable != null) {
            if (minAvailable.getIntVal() != null) {
                return new Expected(covered.size(), minAvailable.getIntVal(), List.of());
            }
            Scale scale = expectedScale(covered);
            return new Expected(scale.count(), scaledValue(minAvailable, scale.count()), scale.unmanaged());
        }
        return new Expected(0, 0, List.of());
    }

    /** Both fields' percentages round up, as upstream asks. */
    static int scaledValue(IntOrString value, int total) {
        return ScaledValues.scaled(value, total, true);
    }

    private record Scale(int count, List<String> unmanaged) {
    }

    /** The sum of the scales of the controllers of the pods (each controller counted once). */
    private Scale expectedScale(List<Pod> covered) {
        Map<String, Integer> scaleByController = new LinkedHashMap<>();
        List<String> unmanaged = new ArrayList<>();
        for (Pod pod : covered) {
            var ref = dev.kj.controllers.controllerref.ControllerRefs.of(pod);
            if (ref.isEmpty()) {
                unmanaged.add(pod.getMetadata().getName());
                continue;
            }
            if (scaleByController.containsKey(ref.get().getUid())) {
                continue;
            }
            ControllerScale found = ControllerScale.find(ref.get(), pod.getMetadata().getNamespace(), replicaSets, deployments,
                    statefulSets, replicationControllers);
            if (found == null) {
                throw new IllegalStateException("found no controllers for pod \"" + pod.getMetadata().getName() + "\"");
            }
            scaleByController.put(found.uid(), found.scale());
        }
        return new Scale(scaleByController.values().stream().mapToInt(Integer::intValue).sum(), unmanaged);
    }

    private void updateStatus(PodDisruptionBudget pdb, int currentHealthy, int desiredHealthy, int expectedCount,
                              Map<String, String> disrupted, Instant now) {
        // no pods expected: stay safe until this controller has seen the first ones
        int allowed = currentHealthy - desiredHealthy;
        if (expectedCount <= 0 || allowed <= 0) {
            allowed = 0;
        }
        PodDisruptionBudgetStatus old = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
        long generation = pdb.getMetadata().getGeneration() == null ? 0 : pdb.getMetadata().getGeneration();
        if (value(old.getCurrentHealthy()) == currentHealthy && value(old.getDesiredHealthy()) == desiredHealthy
                && value(old.getExpectedPods()) == expectedCount && value(old.getDisruptionsAllowed()) == allowed
                && Objects.equals(emptyIfNull(old.getDisruptedPods()), disrupted)
                && Objects.equals(old.getObservedGeneration(), generation) && conditionUpToDate(old, generation)) {
            return;
        }
        PodDisruptionBudgetStatus status = new PodDisruptionBudgetStatus();
        status.setCurrentHealthy(currentHealthy);
        status.setDesiredHealthy(desiredHealthy);
        status.setExpectedPods(expectedCount);
        status.setDisruptionsAllowed(allowed);
        status.setDisruptedPods(disrupted.isEmpty() ? null : disrupted);
        status.setObservedGeneration(generation);
        status.setConditions(old.getConditions() == null ? new ArrayList<>() : new ArrayList<>(old.getConditions()));
        setCondition(status, allowed > 0 ? "True" : "False", allowed > 0 ? "SufficientPods" : "InsufficientPods", "", now);
        write(pdb, status);
    }

    /** On a failed sync nothing may be evicted: disruptionsAllowed 0 and DisruptionAllowed False SyncFailed. */
    private void failSafe(PodDisruptionBudget pdb, RuntimeException failure) {
        PodDisruptionBudgetStatus status = pdb.getStatus() == null ? new PodDisruptionBudgetStatus()
                : Json.copy(pdb.getStatus(), PodDisruptionBudgetStatus.class);
        status.setDisruptionsAllowed(0);
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        setCondition(status, "False", "SyncFailed", failure.getMessage(), clock.instant());
        write(pdb, status);
    }

    private void write(PodDisruptionBudget pdb, PodDisruptionBudgetStatus status) {
        PodDisruptionBudget copy = Json.copy(pdb, PodDisruptionBudget.class);
        copy.setStatus(status);
        pdbApi.updateStatus(copy);
    }

    /** meta.SetStatusCondition: the transition time moves only when the status changes. */
    private static void setCondition(PodDisruptionBudgetStatus status, String value, String reason, String message, Instant now) {
        Condition existing = status.getConditions().stream().filter(c -> DISRUPTION_ALLOWED.equals(c.getType())).findFirst()
                .orElse(null);
        if (existing == null) {
            status.getConditions().add(new Condition(now.truncatedTo(ChronoUnit.SECONDS).toString(), message,
                    status.getObservedGeneration(), reason, value, DISRUPTION_ALLOWED));
            return;
        }
        Condition updated = Json.copy(existing, Condition.class);
        if (!value.equals(existing.getStatus())) {
            updated.setStatus(value);
            updated.setLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
        }
        updated.setReason(reason);
        updated.setMessage(message);
        updated.setObservedGeneration(status.getObservedGeneration());
        status.getConditions().set(status.getConditions().indexOf(existing), updated);
    }

    private static boolean conditionUpToDate(PodDisruptionBudgetStatus status, long generation) {
        Condition condition = status.getConditions() == null ? null : status.getConditions().stream()
                .filter(c -> DISRUPTION_ALLOWED.equals(c.getType())).findFirst().orElse(null);
        if (condition == null || !Objects.equals(status.getObservedGeneration(), generation)) {
            return false;
        }
        return value(status.getDisruptionsAllowed()) > 0
                ? "True".equals(condition.getStatus()) && "SufficientPods".equals(condition.getReason())
                : "False".equals(condition.getStatus()) && "InsufficientPods".equals(condition.getReason());
    }

    private static int value(Integer i) {
        return i == null ? 0 : i;
    }

    private static Map<String, String> emptyIfNull(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }

    private static EventRecorder.InvolvedObject involved(PodDisruptionBudget pdb) {
        return new EventRecorder.InvolvedObject("policy/v1", "PodDisruptionBudget", pdb.getMetadata().getNamespace(),
                pdb.getMetadata().getName(), pdb.getMetadata().getUid());
    }
}
