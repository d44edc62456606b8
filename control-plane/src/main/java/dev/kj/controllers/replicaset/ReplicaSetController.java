package dev.kj.controllers.replicaset;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.controller.SlowStart;
import dev.kj.api.controller.UidTrackingExpectations;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.Ticker;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import dev.kj.controllers.controllerref.ClaimManager;
import dev.kj.controllers.controllerref.ControllerRefs;
import dev.kj.controllers.labels.LabelSelectors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
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
import java.util.concurrent.atomic.AtomicReference;

/**
 * Upstream's ReplicaSet controller (pkg/controller/replicaset): keeps {@code spec.replicas} active
 * pods matching the selector. Pods are claimed through their ControllerRef (orphans that match are
 * adopted, owned pods that stop matching released); creations go out in slow-start batches (1, 2,
 * 4, ...) and deletions pick pods by {@link ActivePodsRanking}; expectations keep a sync from
 * acting again before the informer has seen its own writes. Status is written on every sync that
 * changes it: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
 * minReadySeconds), observedGeneration and the ReplicaFailure condition.
 */
public final class ReplicaSetController<T extends HasMetadata> extends QueueController {
    public static final String NAME = "replicaset-controller";
    /** The service account whose credentials it uses (upstream's --use-service-account-credentials). */
    public static final String IDENTITY = "replicaset-controller";
    /** Upstream's BurstReplicas: at most this many creations or deletions per sync. */
    static final int BURST_REPLICAS = 500;
    private static final int WORKERS = 5; // --concurrent-replicaset-syncs

    private final ReplicaSetKind<T> kind;
    private final ResourceClient<T> replicaSetClient;
    private final ResourceClient<Pod> podClient;
    private final SharedInformer<T> replicaSets;
    private final SharedInformer<Pod> pods;
    private final EventRecorder events;
    private final Clock clock;
    private final UidTrackingExpectations expectations = new UidTrackingExpectations(Ticker.SYSTEM);
    private final WorkQueue<String> queue = WorkQueue.create();

    /** The controller of ReplicaSets. */
    public static ReplicaSetController<ReplicaSet> forReplicaSets(ControllerContext context) {
        return new ReplicaSetController<>(context, ReplicaSetKind.REPLICA_SETS);
    }

    public ReplicaSetController(ControllerContext context, ReplicaSetKind<T> kind) {
        super(kind.controllerName());
        this.kind = kind;
        ApiClient client = context.client();
        this.replicaSetClient = client.typed(kind.resource(), kind.type());
        this.podClient = client.typed(Resources.PODS, Pod.class);
        this.replicaSets = context.informers().typed(kind.resource(), kind.type());
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.events = context.eventRecorder(kind.eventSource());
        this.clock = context.clock();
        Registration onReplicaSets = replicaSets.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(T rs, boolean initialList) {
                enqueue(rs);
            }

            @Override
            public void onUpdate(T old, T current) {
                if (!Objects.equals(old.getMetadata().getUid(), current.getMetadata().getUid())) {
                    expectations.deleteExpectations(key(old));
                }
                enqueue(current);
            }

            @Override
            public void onDelete(T rs, boolean finalStateUnknown) {
                expectations.deleteExpectations(key(rs));
                enqueue(rs);
            }
        });
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                addPod(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                updatePod(old, current);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                deletePod(pod);
            }
        });
        runs(queue, this::sync, WORKERS, onReplicaSets, onPods);
    }

    private static String key(HasMetadata rs) {
        return Keys.of(rs.getMetadata().getNamespace(), rs.getMetadata().getName());
    }

    private void enqueue(HasMetadata rs) {
        queue.add(key(rs));
    }

    // --- pod events: only keys go to the queue; expectations count what was observed ---

    private void addPod(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            deletePod(pod); // a restarted controller sees a pod being deleted as an add
            return;
        }
        Optional<OwnerReference> ref = ControllerRefs.of(pod);
        if (ref.isPresent()) {
            resolve(pod.getMetadata().getNamespace(), ref.get()).ifPresent(rs -> {
                expectations.creationObserved(key(rs));
                enqueue(rs);
            });
            return;
        }
        replicaSetsSelecting(pod).forEach(this::enqueue);
    }

    private void updatePod(Pod old, Pod current) {
        if (Objects.equals(old.getMetadata().getResourceVersion(), current.getMetadata().getResourceVersion())) {
            return;
        }
        boolean labelsChanged = !Objects.equals(labels(old), labels(current));
        if (current.getMetadata().getDeletionTimestamp() != null) {
            // a graceful deletion: replace the pod now rather than when the kubelet removes it
            deletePod(current);
            if (labelsChanged) {
                deletePod(old);
            }
            return;
        }
        Optional<OwnerReference> currentRef = ControllerRefs.of(current);
        Optional<OwnerReference> oldRef = ControllerRefs.of(old);
        boolean refChanged = !Objects.equals(currentRef, oldRef);
        if (refChanged && oldRef.isPresent()) {
            resolve(old.getMetadata().getNamespace(), oldRef.get()).ifPresent(this::enqueue);
        }
        if (currentRef.isPresent()) {
            resolve(current.getMetadata().getNamespace(), currentRef.get()).ifPresent(rs -> {
                enqueue(rs);
                int minReadySeconds = minReadySeconds(rs);
                if (!PodStates.isReady(old) && PodStates.isReady(current) && minReadySeconds > 0) {
                    // nothing else will tell us when the pod becomes available; a second against skew
                    queue.addAfter(key(rs), Duration.ofSeconds(minReadySeconds + 1L));
                }
            });
            return;
        }
        if (labelsChanged || refChanged) {
            replicaSetsSelecting(current).forEach(this::enqueue);
        }
    }

    private void deletePod(Pod pod) {
        Optional<OwnerReference> ref = ControllerRefs.of(pod);
        if (ref.isEmpty()) {
            return; // an orphan's deletion matters to nobody
        }
        resolve(pod.getMetadata().getNamespace(), ref.get()).ifPresent(rs -> {
            expectations.deletionObserved(key(rs), key(pod));
            enqueue(rs);
        });
    }

    private Optional<ReplicaSet> resolve(String namespace, OwnerReference ref) {
        if (!kind.kind().equals(ref.getKind())) {
            return Optional.empty();
        }
        return replicaSets.indexer().get(namespace, ref.getName())
                .filter(rs -> Objects.equals(rs.getMetadata().getUid(), ref.getUid())).map(kind::asReplicaSet);
    }

    /** ReplicaSets whose (non-empty) selector matches the pod. */
    private List<ReplicaSet> replicaSetsSelecting(Pod pod) {
        return replicaSets.indexer().byNamespace(pod.getMetadata().getNamespace()).stream().map(kind::asReplicaSet)
                .filter(rs -> rs.getSpec() != null && !LabelSelectors.isEmpty(rs.getSpec().getSelector())
                        && LabelSelectors.matches(rs.getSpec().getSelector(), labels(pod)))
                .toList();
    }

    private static Map<String, String> labels(Pod pod) {
        return pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    }

    private static int minReadySeconds(ReplicaSet rs) {
        return rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    }

    private static int replicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    // --- sync ---

    void sync(String key) throws Exception {
        ReplicaSet rs = replicaSets.indexer().get(key).map(kind::asReplicaSet).orElse(null);
        if (rs == null) {
            expectations.deleteExpectations(key);
            return;
        }
        boolean needsSync = expectations.satisfied(key);
        if (rs.getSpec().getSelector() == null) {
            return; // validation forbids it; nothing can be selected
        }
        List<Pod> active = pods.indexer().byNamespace(rs.getMetadata().getNamespace()).stream()
                .filter(PodStates::isActive).toList();
        ClaimManager<Pod> claims = new ClaimManager<>(rs, ControllerRefs.to(rs, kind.apiVersion(), kind.kind()),
                pod -> LabelSelectors.matches(rs.getSpec().getSelector(), labels(pod)), podClient,
                () -> replicaSetClient.get(rs.getMetadata().getNamespace(), rs.getMetadata().getName()));
        List<Pod> owned = claims.claim(active);
        Exception manageFailure = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            try {
                manageReplicas(key, owned, rs);
            } catch (ApiException e) {
                manageFailure = e;
            }
        }
        ReplicaSetStatus status = calculateStatus(rs, owned, manageFailure, clock.instant());
        ReplicaSet updated = updateStatus(rs, status);
        int desired = replicas(updated);
        if (manageFailure == null && minReadySeconds(updated) > 0 && updated.getStatus().getReadyReplicas() != null
                && updated.getStatus().getReadyReplicas() == desired
                && !Objects.equals(updated.getStatus().getAvailableReplicas(), desired)) {
            queue.addAfter(key, Duration.ofSeconds(minReadySeconds(updated)));
        }
        if (manageFailure != null) {
            throw manageFailure;
        }
    }

    private void manageReplicas(String key, List<Pod> owned, ReplicaSet rs) {
        int diff = owned.size() - replicas(rs);
        if (diff < 0) {
            int count = Math.min(-diff, BURST_REPLICAS);
            expectations.expectCreations(key, count);
            OwnerReference ref = ControllerRefs.to(rs, kind.apiVersion(), kind.kind());
            AtomicReference<ApiException> firstFailure = new AtomicReference<>();
            int created = SlowStart.run(count, 1, () -> {
                try {
                    createPod(rs, ref);
                } catch (ApiException e) {
                    // a namespace being deleted refuses pods: nothing to report
                    if (e.causes().stream().anyMatch(c -> "NamespaceTerminating".equals(c.getReason()))) {
                        expectations.lowerCreations(key, 1);
                        return;
                    }
                    firstFailure.compareAndSet(null, e);
                    throw e;
                }
            });
            // what failed or was never tried will not be observed
            int skipped = count - created;
            if (skipped > 0) {
                expectations.lowerCreations(key, skipped);
            }
            if (firstFailure.get() != null) {
                throw firstFailure.get();
            }
        } else if (diff > 0) {
            int count = Math.min(diff, BURST_REPLICAS);
            List<Pod> victims = ActivePodsRanking.podsToDelete(owned, relatedPods(rs), count, clock.instant());
            expectations.expectDeletions(key, victims.stream().map(ReplicaSetController::key).toList());
            AtomicReference<ApiException> firstFailure = new AtomicReference<>();
            try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (Pod victim : victims) {
                    executor.submit(() -> {
                        try {
                            deletePod(rs, victim);
                        } catch (ApiException e) {
                            expectations.deletionObserved(key, key(victim)); // it will never be observed
                            if (!e.isNotFound()) {
                                firstFailure.compareAndSet(null, e);
                            }
                        }
                    });
                }
            }
            if (firstFailure.get() != null) {
                throw firstFailure.get();
            }
        }
    }

    private void createPod(ReplicaSet rs, OwnerReference ref) {
        var template = rs.getSpec().getTemplate();
        ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        if (templateMeta.getLabels() == null || templateMeta.getLabels().isEmpty()) {
            throw new ApiException(new io.fabric8.kubernetes.api.model.StatusBuilder().withStatus("Failure")
                    .withMessage("unable to create pods, no labels").withCode(422).build());
        }
        Pod pod = new PodBuilder().withNewMetadata()
                .withGenerateName(podPrefix(rs.getMetadata().getName()))
                .withLabels(new LinkedHashMap<>(templateMeta.getLabels()))
                .withAnnotations(templateMeta.getAnnotations() == null ? null : new LinkedHashMap<>(templateMeta.getAnnotations()))
                .withFinalizers(templateMeta.getFinalizers() == null ? null : new ArrayList<>(templateMeta.getFinalizers()))
                .withOwnerReferences(ref)
                .endMetadata().withSpec(template.getSpec()).build();
        try {
            Pod created = podClient.create(rs.getMetadata().getNamespace(), pod);
            events.event(involved(rs), EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
        } catch (ApiException e) {
            events.event(involved(rs), EventRecorder.WARNING, "FailedCreate", "Error creating: " + e.getMessage());
            throw e;
        }
    }

    /** {@code name-}, or the bare name when that would not be a valid generateName prefix. */
    static String podPrefix(String name) {
        String prefix = name + "-";
        return prefix.length() <= 58 ? prefix : name; // generateName adds 5 characters within 63
    }

    private void deletePod(ReplicaSet rs, Pod pod) {
        try {
            podClient.delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), DeleteOptions.NONE);
            events.event(involved(rs), EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + pod.getMetadata().getName());
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                events.event(involved(rs), EventRecorder.WARNING, "FailedDelete", "Error deleting: " + e.getMessage());
            }
            throw e;
        }
    }

    /** Pods of every ReplicaSet with the same controller as this one (all owned by the same Deployment). */
    private List<Pod> relatedPods(ReplicaSet rs) {
        Optional<OwnerReference> controllerOfRs = ControllerRefs.of(rs);
        Set<String> relatedUids = new HashSet<>();
        relatedUids.add(rs.getMetadata().getUid());
        if (controllerOfRs.isPresent()) {
            for (T other : replicaSets.indexer().byNamespace(rs.getMetadata().getNamespace())) {
                ControllerRefs.of(other).filter(ref -> ref.getUid().equals(controllerOfRs.get().getUid()))
                        .ifPresent(ref -> relatedUids.add(other.getMetadata().getUid()));
            }
        }
        return pods.indexer().byNamespace(rs.getMetadata().getNamespace()).stream()
                .filter(pod -> ControllerRefs.of(pod).map(ref -> relatedUids.contains(ref.getUid())).orElse(false))
                .toList();
    }

    static ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> owned, Exception manageFailure, Instant now) {
        Map<String, String> templateLabels = rs.getSpec().getTemplate() == null || rs.getSpec().getTemplate().getMetadata() == null
                ? Map.of() : Objects.requireNonNullElse(rs.getSpec().getTemplate().getMetadata().getLabels(), Map.of());
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        for (Pod pod : owned) {
            if (labels(pod).entrySet().containsAll(templateLabels.entrySet())) {
                fullyLabeled++;
            }
            if (PodStates.isReady(pod)) {
                ready++;
                if (PodStates.isAvailable(pod, minReadySeconds(rs), now)) {
                    available++;
                }
            }
        }
        ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        List<ReplicaSetCondition> conditions = new ArrayList<>(old.getConditions() == null ? List.of() : old.getConditions());
        boolean hasFailure = conditions.stream().anyMatch(c -> "ReplicaFailure".equals(c.getType()));
        if (manageFailure != null && !hasFailure) {
            int diff = owned.size() - replicas(rs);
            String reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
            conditions.add(new io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder()
                    .withType("ReplicaFailure").withStatus("True").withReason(reason).withMessage(manageFailure.getMessage())
                    .withLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString()).build());
        } else if (manageFailure == null && hasFailure) {
            conditions.removeIf(c -> "ReplicaFailure".equals(c.getType()));
        }
        ReplicaSetStatus status = new ReplicaSetStatus();
        status.setAvailableReplicas(available);
        status.setConditions(conditions.isEmpty() ? null : conditions);
        status.setFullyLabeledReplicas(fullyLabeled);
        status.setObservedGeneration(old.getObservedGeneration());
        status.setReadyReplicas(ready);
        status.setReplicas(owned.size());
        status.setTerminatingReplicas(old.getTerminatingReplicas());
        return status;
    }

    /** Writes the status unless nothing changed; one retry on a fresh read, as upstream. */
    private ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
        ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        long generation = rs.getMetadata().getGeneration() == null ? 0 : rs.getMetadata().getGeneration();
        if (same(old.getReplicas(), status.getReplicas()) && same(old.getFullyLabeledReplicas(), status.getFullyLabeledReplicas())
                && same(old.getReadyReplicas(), status.getReadyReplicas())
                && same(old.getAvailableReplicas(), status.getAvailableReplicas())
                && Objects.equals(old.getObservedGeneration(), generation)
                && Objects.equals(emptyIfNull(old.getConditions()), emptyIfNull(status.getConditions()))) {
            return rs;
        }
        status.setObservedGeneration(generation);
        T target = replicaSets.indexer().get(key(rs)).orElse(null);
        for (int attempt = 0; ; attempt++) {
            try {
                if (target == null) {
                    throw new ApiException(new io.fabric8.kubernetes.api.model.StatusBuilder().withStatus("Failure")
                            .withReason("NotFound").withCode(404).withMessage(kind.resource().plural() + " \"" + rs.getMetadata().getName() + "\" not found").build());
                }
                return kind.asReplicaSet(replicaSetClient.updateStatus(kind.withStatus(target, status)));
            } catch (ApiException e) {
                if (attempt >= 1) {
                    throw e;
                }
                target = replicaSetClient.get(rs.getMetadata().getNamespace(), rs.getMetadata().getName());
            }
        }
    }

    private static boolean same(Integer a, Integer b) {
        return (a == null ? 0 : a) == (b == null ? 0 : b);
    }

    private static <T> List<T> emptyIfNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    private EventRecorder.InvolvedObject involved(ReplicaSet rs) {
        return new EventRecorder.InvolvedObject(kind.apiVersion(), kind.kind(), rs.getMetadata().getNamespace(),
                rs.getMetadata().getName(), rs.getMetadata().getUid());
    }
}
