package dev.kj.controllers.deployment;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
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
import dev.kj.controllers.controllerref.ClaimManager;
import dev.kj.controllers.controllerref.ControllerRefs;
import dev.kj.controllers.labels.LabelSelectors;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Upstream's Deployment controller (pkg/controller/deployment): a deployment owns ReplicaSets, one
 * per pod template, named {@code <deployment>-<pod-template-hash>} and selecting that hash. A sync
 * claims the ReplicaSets, then either only scales (paused, or spec.replicas changed: proportional
 * scaling across the active ReplicaSets) or rolls out: RollingUpdate scales the new ReplicaSet up
 * within maxSurge and the old ones down within maxUnavailable, Recreate scales the old ones to zero
 * and waits for their pods before scaling the new one up. Revisions, the rollout conditions
 * (Progressing with its deadline, Available, ReplicaFailure) and the status follow, with
 * upstream's reasons, messages and ScalingReplicaSet events. Old ReplicaSets beyond
 * revisionHistoryLimit are deleted once a rollout completes. A rollback is what kubectl does:
 * it writes an old ReplicaSet's template back into the deployment, whose revision then moves on.
 */
public final class DeploymentController extends QueueController {
    public static final String NAME = "deployment-controller";
    public static final String IDENTITY = "deployment-controller";
    private static final int WORKERS = 5; // --concurrent-deployment-syncs
    /** Upstream drops a key after this many failed syncs in a row. */
    private static final int MAX_RETRIES = 15;

    private final ResourceClient<Deployment> deploymentClient;
    private final ResourceClient<ReplicaSet> replicaSetClient;
    private final SharedInformer<Deployment> deployments;
    private final SharedInformer<ReplicaSet> replicaSets;
    private final SharedInformer<Pod> pods;
    private final EventRecorder events;
    private final Clock clock;
    private final WorkQueue<String> queue = WorkQueue.create();

    public DeploymentController(ControllerContext context) {
        super(NAME);
        ApiClient client = context.client();
        this.deploymentClient = client.typed(Resources.DEPLOYMENTS, Deployment.class);
        this.replicaSetClient = client.typed(Resources.REPLICA_SETS, ReplicaSet.class);
        this.deployments = context.informers().typed(Resources.DEPLOYMENTS, Deployment.class);
        this.replicaSets = context.informers().typed(Resources.REPLICA_SETS, ReplicaSet.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.events = context.eventRecorder(NAME);
        this.clock = context.clock();
        Registration onDeployments = deployments.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Deployment d, boolean initialList) {
                enqueue(d);
            }

            @Override
            public void onUpdate(Deployment old, Deployment current) {
                enqueue(current);
            }

            @Override
            public void onDelete(Deployment d, boolean finalStateUnknown) {
                enqueue(d);
            }
        });
        Registration onReplicaSets = replicaSets.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(ReplicaSet rs, boolean initialList) {
                addReplicaSet(rs);
            }

            @Override
            public void onUpdate(ReplicaSet old, ReplicaSet current) {
                updateReplicaSet(old, current);
            }

            @Override
            public void onDelete(ReplicaSet rs, boolean finalStateUnknown) {
                ControllerRefs.of(rs).flatMap(ref -> resolve(rs.getMetadata().getNamespace(), ref)).ifPresent(d -> enqueue(d));
            }
        });
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                deletePod(pod);
            }
        });
        runs(queue, this::syncWithRetryLimit, WORKERS, onDeployments, onReplicaSets, onPods);
    }

    private static String key(Deployment d) {
        return Keys.of(d.getMetadata().getNamespace(), d.getMetadata().getName());
    }

    private void enqueue(Deployment d) {
        queue.add(key(d));
    }

    // --- handlers ---

    private void addReplicaSet(ReplicaSet rs) {
        if (rs.getMetadata().getDeletionTimestamp() != null) {
            ControllerRefs.of(rs).flatMap(ref -> resolve(rs.getMetadata().getNamespace(), ref)).ifPresent(this::enqueue);
            return;
        }
        Optional<OwnerReference> ref = ControllerRefs.of(rs);
        if (ref.isPresent()) {
            resolve(rs.getMetadata().getNamespace(), ref.get()).ifPresent(this::enqueue);
            return;
        }
        deploymentsSelecting(rs).forEach(this::enqueue);
    }

    private void updateReplicaSet(ReplicaSet old, ReplicaSet current) {
        if (Objects.equals(old.getMetadata().getResourceVersion(), current.getMetadata().getResourceVersion())) {
            return;
        }
        Optional<OwnerReference> currentRef = ControllerRefs.of(current);
        Optional<OwnerReference> oldRef = ControllerRefs.of(old);
        boolean refChanged = !Objects.equals(currentRef, oldRef);
        if (refChanged && oldRef.isPresent()) {
            resolve(old.getMetadata().getNamespace(), oldRef.get()).ifPresent(this::enqueue);
        }
        if (currentRef.isPresent()) {
            resolve(current.getMetadata().getNamespace(), currentRef.get()).ifPresent(this::enqueue);
            return;
        }
        boolean labelsChanged = !Objects.equals(old.getMetadata().getLabels(), current.getMetadata().getLabels());
        if (labelsChanged || refChanged) {
            deploymentsSelecting(current).forEach(this::enqueue);
        }
    }

    /** Recreate waits for the old pods to be gone: the last one going brings the deployment back. */
    private void deletePod(Pod pod) {
        Optional<OwnerReference> rsRef = ControllerRefs.of(pod).filter(ref -> "ReplicaSet".equals(ref.getKind()));
        if (rsRef.isEmpty()) {
            return;
        }
        Optional<Deployment> owner = replicaSets.indexer().get(pod.getMetadata().getNamespace(), rsRef.get().getName())
                .filter(rs -> rs.getMetadata().getUid().equals(rsRef.get().getUid()))
                .flatMap(ControllerRefs::of).flatMap(ref -> resolve(pod.getMetadata().getNamespace(), ref));
        owner.filter(d -> d.getSpec().getStrategy() != null && "Recreate".equals(d.getSpec().getStrategy().getType()))
                .filter(d -> podsByReplicaSet(d, ownedReplicaSetsInCache(d)).values().stream().allMatch(List::isEmpty))
                .ifPresent(this::enqueue);
    }

    private List<ReplicaSet> ownedReplicaSetsInCache(Deployment d) {
        return replicaSets.indexer().byNamespace(d.getMetadata().getNamespace()).stream()
                .filter(rs -> ControllerRefs.of(rs).map(ref -> ref.getUid().equals(d.getMetadata().getUid())).orElse(false))
                .toList();
    }

    private Optional<Deployment> resolve(String namespace, OwnerReference ref) {
        if (!"Deployment".equals(ref.getKind())) {
            return Optional.empty();
        }
        return deployments.indexer().get(namespace, ref.getName()).filter(d -> d.getMetadata().getUid().equals(ref.getUid()));
    }

    private List<Deployment> deploymentsSelecting(ReplicaSet rs) {
        Map<String, String> labels = rs.getMetadata().getLabels() == null ? Map.of() : rs.getMetadata().getLabels();
        if (labels.isEmpty()) {
            return List.of();
        }
        return deployments.indexer().byNamespace(rs.getMetadata().getNamespace()).stream()
                .filter(d -> !LabelSelectors.isEmpty(d.getSpec().getSelector()) && LabelSelectors.matches(d.getSpec().getSelector(), labels))
                .toList();
    }

    // --- sync ---

    private void syncWithRetryLimit(String key) throws Exception {
        try {
            sync(key);
        } catch (Exception e) {
            if (queue.numRequeues(key) >= MAX_RETRIES) {
                System.getLogger(NAME).log(System.Logger.Level.WARNING, "dropping deployment {0} out of the queue: {1}", key, e.toString());
                return; // forgotten by the runner: a later change brings it back
            }
            throw e;
        }
    }

    void sync(String key) {
        Deployment cached = deployments.indexer().get(key).orElse(null);
        if (cached == null) {
            return;
        }
        Deployment d = Json.copy(cached, Deployment.class);
        if (d.getStatus() == null) {
            d.setStatus(new DeploymentStatus());
        }
        if (d.getSpec().getSelector() == null || LabelSelectors.isEmpty(d.getSpec().getSelector())) {
            events.event(involved(d), EventRecorder.WARNING, "SelectingAll",
                    "This deployment is selecting all pods. A non-empty selector is required.");
            if (observedGeneration(d.getStatus()) < generation(d)) {
                d.getStatus().setObservedGeneration(generation(d));
                deploymentClient.updateStatus(d);
            }
            return;
        }
        List<ReplicaSet> owned = claimReplicaSets(d);
        if (d.getMetadata().getDeletionTimestamp() != null) {
            AllReplicaSets all = allReplicaSetsAndSyncRevision(d, owned, false);
            syncDeploymentStatus(all.withNew(), all.newRs(), d);
            return;
        }
        checkPausedConditions(d);
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            syncScaleOnly(d, owned);
            return;
        }
        if (isScalingEvent(d, owned)) {
            syncScaleOnly(d, owned);
            return;
        }
        String strategy = d.getSpec().getStrategy() == null ? "" : d.getSpec().getStrategy().getType();
        switch (strategy) {
            case "Recreate" -> rolloutRecreate(d, owned);
            case "RollingUpdate" -> rolloutRolling(d, owned);
            default -> throw new IllegalStateException("unexpected deployment strategy type: " + strategy);
        }
    }

    private List<ReplicaSet> claimReplicaSets(Deployment d) {
        List<ReplicaSet> candidates = replicaSets.indexer().byNamespace(d.getMetadata().getNamespace());
        ClaimManager<ReplicaSet> claims = new ClaimManager<>(d, ControllerRefs.to(d, "apps/v1", "Deployment"),
                rs -> LabelSelectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels()), replicaSetClient,
                () -> deploymentClient.get(d.getMetadata().getNamespace(), d.getMetadata().getName()));
        return claims.claim(candidates);
    }

    /** Pods selected by the deployment, by the uid of the owned ReplicaSet controlling them. */
    private Map<String, List<Pod>> podsByReplicaSet(Deployment d, List<ReplicaSet> owned) {
        Map<String, List<Pod>> byRs = new HashMap<>();
        owned.forEach(rs -> byRs.put(rs.getMetadata().getUid(), new ArrayList<>()));
        for (Pod pod : pods.indexer().byNamespace(d.getMetadata().getNamespace())) {
            if (!LabelSelectors.matches(d.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                continue;
            }
            ControllerRefs.of(pod).map(ref -> byRs.get(ref.getUid())).ifPresent(list -> list.add(pod));
        }
        return byRs;
    }

    /** The new ReplicaSet (null when none has the deployment's template) and all the others. */
    record AllReplicaSets(ReplicaSet newRs, List<ReplicaSet> old) {
        List<ReplicaSet> withNew() {
            List<ReplicaSet> all = new ArrayList<>(old);
            if (newRs != null) {
                all.add(newRs);
            }
            return all;
        }
    }

    private AllReplicaSets allReplicaSetsAndSyncRevision(Deployment d, List<ReplicaSet> owned, boolean createIfMissing) {
        ReplicaSet existingNew = findNew(d, owned);
        List<ReplicaSet> old = owned.stream().filter(rs -> existingNew == null
                || !rs.getMetadata().getUid().equals(existingNew.getMetadata().getUid())).toList();
        ReplicaSet newRs = newReplicaSet(d, owned, existingNew, old, createIfMissing);
        return new AllReplicaSets(newRs, old);
    }

    /** The oldest ReplicaSet whose template is the deployment's (hash label aside). */
    static ReplicaSet findNew(Deployment d, List<ReplicaSet> owned) {
        return owned.stream().sorted(ReplicaSets.BY_CREATION)
                .filter(rs -> PodTemplates.equalIgnoringHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
                .findFirst().orElse(null);
    }

    private ReplicaSet newReplicaSet(Deployment d, List<ReplicaSet> owned, ReplicaSet existing, List<ReplicaSet> old,
                                     boolean createIfMissing) {
        String newRevision = Long.toString(Revisions.maxRevision(old) + 1);
        Instant now = clock.instant();
        if (existing != null) {
            ReplicaSet copy = Json.copy(existing, ReplicaSet.class);
            boolean annotationsUpdated = Revisions.setNewReplicaSetAnnotations(d, copy, newRevision, true);
            boolean minReadyChanged = !Objects.equals(minReadySeconds(copy.getSpec().getMinReadySeconds()),
                    minReadySeconds(d.getSpec().getMinReadySeconds()));
            if (annotationsUpdated || minReadyChanged) {
                copy.getSpec().setMinReadySeconds(d.getSpec().getMinReadySeconds());
                return replicaSetClient.update(copy);
            }
            boolean needsUpdate = Revisions.setDeploymentRevision(d, copy.getMetadata().getAnnotations().get(Revisions.REVISION));
            if (DeploymentConditions.hasProgressDeadline(d) && DeploymentConditions.get(d.getStatus(), DeploymentConditions.PROGRESSING).isEmpty()) {
                DeploymentConditions.set(d.getStatus(), DeploymentConditions.create(DeploymentConditions.PROGRESSING, "True",
                        DeploymentConditions.FOUND_NEW_RS, "Found new replica set \"%s\"".formatted(copy.getMetadata().getName()), now));
                needsUpdate = true;
            }
            if (needsUpdate) {
                updateDeploymentStatus(d);
            }
            return copy;
        }
        if (!createIfMissing) {
            return null;
        }
        var template = Json.copy(d.getSpec().getTemplate(), io.fabric8.kubernetes.api.model.PodTemplateSpec.class);
        String hash = PodTemplates.hash(template, d.getStatus().getCollisionCount());
        if (template.getMetadata() == null) {
            template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        template.getMetadata().setLabels(LabelSelectors.withLabel(template.getMetadata().getLabels(), PodTemplates.HASH_LABEL, hash));
        var selector = Json.copy(d.getSpec().getSelector(), io.fabric8.kubernetes.api.model.LabelSelector.class);
        selector.setMatchLabels(LabelSelectors.withLabel(selector.getMatchLabels(), PodTemplates.HASH_LABEL, hash));
        ReplicaSet newRs = new ReplicaSetBuilder().withNewMetadata()
                .withName(d.getMetadata().getName() + "-" + hash).withNamespace(d.getMetadata().getNamespace())
                .withOwnerReferences(ControllerRefs.to(d, "apps/v1", "Deployment"))
                .withLabels(template.getMetadata().getLabels()).endMetadata()
                .withNewSpec().withReplicas(0).withMinReadySeconds(d.getSpec().getMinReadySeconds()).withSelector(selector)
                .withTemplate(template).endSpec().build();
        List<ReplicaSet> all = new ArrayList<>(old);
        all.add(newRs);
        int newReplicas = newRsNewReplicas(d, all, newRs);
        newRs.getSpec().setReplicas(newReplicas);
        Revisions.setNewReplicaSetAnnotations(d, newRs, newRevision, false);
        ReplicaSet created;
        boolean alreadyExists = false;
        try {
            created = replicaSetClient.create(d.getMetadata().getNamespace(), newRs);
        } catch (ApiException e) {
            if (e.isAlreadyExists()) {
                ReplicaSet found = replicaSets.indexer().get(d.getMetadata().getNamespace(), newRs.getMetadata().getName())
                        .orElseThrow(() -> e);
                boolean ours = ControllerRefs.of(found).map(ref -> ref.getUid().equals(d.getMetadata().getUid())).orElse(false);
                if (ours && PodTemplates.equalIgnoringHash(d.getSpec().getTemplate(), found.getSpec().getTemplate())) {
                    created = found; // our cache was behind
                    alreadyExists = true;
                } else {
                    // a hash collision: count it, so the next hash differs
                    int count = d.getStatus().getCollisionCount() == null ? 0 : d.getStatus().getCollisionCount();
                    d.getStatus().setCollisionCount(count + 1);
                    updateDeploymentStatus(d);
                    throw e;
                }
            } else {
                String message = "Failed to create new replica set \"%s\": %s".formatted(newRs.getMetadata().getName(), e.getMessage());
                if (DeploymentConditions.hasProgressDeadline(d)) {
                    DeploymentConditions.set(d.getStatus(), DeploymentConditions.create(DeploymentConditions.PROGRESSING, "False",
                            DeploymentConditions.FAILED_RS_CREATE, message, now));
                    try {
                        updateDeploymentStatus(d);
                    } catch (ApiException ignored) {
                        // the creation failure is the one to report
                    }
                }
                events.event(involved(d), EventRecorder.WARNING, DeploymentConditions.FAILED_RS_CREATE, message);
                throw e;
            }
        }
        if (!alreadyExists && newReplicas > 0) {
            events.event(involved(d), EventRecorder.NORMAL, "ScalingReplicaSet",
                    "Scaled up replica set %s from 0 to %d".formatted(created.getMetadata().getName(), newReplicas));
        }
        boolean needsUpdate = Revisions.setDeploymentRevision(d, newRevision);
        if (!alreadyExists && DeploymentConditions.hasProgressDeadline(d)) {
            DeploymentConditions.set(d.getStatus(), DeploymentConditions.create(DeploymentConditions.PROGRESSING, "True",
                    DeploymentConditions.NEW_RS_CREATED, "Created new replica set \"%s\"".formatted(created.getMetadata().getName()), now));
            needsUpdate = true;
        }
        if (needsUpdate) {
            updateDeploymentStatus(d);
        }
        return created;
    }

    private static int minReadySeconds(Integer value) {
        return value == null ? 0 : value;
    }

    /** How large the new ReplicaSet may be now (upstream's NewRSNewReplicas). */
    static int newRsNewReplicas(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
        String strategy = d.getSpec().getStrategy() == null ? "" : d.getSpec().getStrategy().getType();
        int desired = Fenceposts.replicas(d);
        return switch (strategy) {
            case "RollingUpdate" -> {
                var rolling = d.getSpec().getStrategy().getRollingUpdate();
                int maxSurge = Fenceposts.scaled(rolling == null ? null : rolling.getMaxSurge(), desired, true);
                int current = ReplicaSets.replicaCount(all);
                int maxTotal = desired + maxSurge;
                if (current >= maxTotal) {
                    yield ReplicaSets.specReplicas(newRs);
                }
                int scaleUp = Math.min(maxTotal - current, desired - ReplicaSets.specReplicas(newRs));
                yield ReplicaSets.specReplicas(newRs) + scaleUp;
            }
            case "Recreate" -> desired;
            default -> throw new IllegalStateException("deployment type %s isn't supported".formatted(strategy));
        };
    }

    /** An active ReplicaSet whose desired-replicas annotation differs from spec.replicas: the deployment was scaled. */
    private boolean isScalingEvent(Deployment d, List<ReplicaSet> owned) {
        AllReplicaSets all = allReplicaSetsAndSyncRevision(d, owned, false);
        for (ReplicaSet rs : ReplicaSets.active(all.withNew())) {
            Integer desired = Revisions.intAnnotation(rs, Revisions.DESIRED_REPLICAS);
            if (desired != null && desired != Fenceposts.replicas(d)) {
                return true;
            }
        }
        return false;
    }

    private void checkPausedConditions(Deployment d) {
        if (!DeploymentConditions.hasProgressDeadline(d)) {
            return;
        }
        Optional<DeploymentCondition> condition = DeploymentConditions.get(d.getStatus(), DeploymentConditions.PROGRESSING);
        if (condition.isPresent() && DeploymentConditions.TIMED_OUT.equals(condition.get().getReason())) {
            return; // a reported lack of progress is not overwritten by a pause
        }
        boolean pausedCondition = condition.isPresent() && DeploymentConditions.PAUSED.equals(condition.get().getReason());
        boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
        if (paused && !pausedCondition) {
            DeploymentConditions.set(d.getStatus(), DeploymentConditions.create(DeploymentConditions.PROGRESSING, "Unknown",
                    DeploymentConditions.PAUSED, "Deployment is paused", clock.instant()));
        } else if (!paused && pausedCondition) {
            DeploymentConditions.set(d.getStatus(), DeploymentConditions.create(DeploymentConditions.PROGRESSING, "Unknown",
                    DeploymentConditions.RESUMED, "Deployment is resumed", clock.instant()));
        } else {
            return;
        }
        updateDeploymentStatus(d);
    }

    /** Scaling without rolling out (paused, or spec.replicas changed). */
    private void syncScaleOnly(Deployment d, List<ReplicaSet> owned) {
        AllReplicaSets all = allReplicaSetsAndSyncRevision(d, owned, false);
        scale(d, all.newRs(), all.old());
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            cleanup(d, all.old());
        }
        syncDeploymentStatus(all.withNew(), all.newRs(), d);
    }

    // --- scaling ---

    private void scale(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
        int desired = Fenceposts.replicas(d);
        ReplicaSet activeOrLatest = activeOrLatest(newRs, old);
        if (activeOrLatest != null) {
            if (ReplicaSets.specReplicas(activeOrLatest) != desired) {
                scaleAndRecordEvent(activeOrLatest, desired, d);
            }
            return;
        }
        if (isSaturated(d, newRs)) {
            for (ReplicaSet rs : ReplicaSets.active(old)) {
                scaleAndRecordEvent(rs, 0, d);
            }
            return;
        }
        if (!Fenceposts.isRollingUpdate(d)) {
            return;
        }
        List<ReplicaSet> withNew = new ArrayList<>(old);
        if (newRs != null) {
            withNew.add(newRs);
        }
        List<ReplicaSet> active = new ArrayList<>(ReplicaSets.active(withNew));
        int allowed = desired > 0 ? desired + Fenceposts.maxSurge(d) : 0;
        int toAdd = allowed - ReplicaSets.replicaCount(active);
        String operation = "";
        if (toAdd > 0) {
            active.sort(ReplicaSets.BY_SIZE_NEWER);
            operation = "up";
        } else if (toAdd < 0) {
            active.sort(ReplicaSets.BY_SIZE_OLDER);
            operation = "down";
        }
        int added = 0;
        Map<String, Integer> sizes = new HashMap<>();
        for (ReplicaSet rs : active) {
            if (toAdd != 0) {
                int proportion = proportion(rs, d, toAdd, added);
                sizes.put(rs.getMetadata().getName(), ReplicaSets.specReplicas(rs) + proportion);
                added += proportion;
            } else {
                sizes.put(rs.getMetadata().getName(), ReplicaSets.specReplicas(rs));
            }
        }
        for (int i = 0; i < active.size(); i++) {
            ReplicaSet rs = active.get(i);
            String name = rs.getMetadata().getName();
            if (i == 0 && toAdd != 0) {
                sizes.put(name, Math.max(0, sizes.get(name) + toAdd - added)); // leftovers to the largest
            }
            scaleReplicaSet(rs, sizes.get(name), d, operation);
        }
    }

    /** The only active ReplicaSet, or the newest when none is active; null when several are. */
    private static ReplicaSet activeOrLatest(ReplicaSet newRs, List<ReplicaSet> old) {
        if (newRs == null && old.isEmpty()) {
            return null;
        }
        List<ReplicaSet> newestFirst = new ArrayList<>(old);
        newestFirst.sort(ReplicaSets.BY_CREATION.reversed());
        List<ReplicaSet> withNew = new ArrayList<>(newestFirst);
        withNew.add(newRs);
        List<ReplicaSet> active = ReplicaSets.active(withNew);
        return switch (active.size()) {
            case 0 -> newRs != null ? newRs : newestFirst.get(0);
            case 1 -> active.get(0);
            default -> null;
        };
    }

    private static boolean isSaturated(Deployment d, ReplicaSet rs) {
        if (rs == null) {
            return false;
        }
        Integer desired = Revisions.intAnnotation(rs, Revisions.DESIRED_REPLICAS);
        int replicas = Fenceposts.replicas(d);
        return desired != null && ReplicaSets.specReplicas(rs) == replicas && desired == replicas
                && ReplicaSets.available(rs) == replicas;
    }

    /** This ReplicaSet's share of the replicas being added (negative: removed), upstream's GetProportion. */
    static int proportion(ReplicaSet rs, Deployment d, int toAdd, int added) {
        if (ReplicaSets.specReplicas(rs) == 0 || toAdd == 0 || toAdd == added) {
            return 0;
        }
        int fraction = fraction(rs, d);
        int allowed = toAdd - added;
        return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    private static int fraction(ReplicaSet rs, Deployment d) {
        int replicas = ReplicaSets.specReplicas(rs);
        if (Fenceposts.replicas(d) == 0) {
            return -replicas;
        }
        int maxNow = Fenceposts.replicas(d) + Fenceposts.maxSurge(d);
        Integer before = Revisions.intAnnotation(rs, Revisions.MAX_REPLICAS);
        if (before == null || before == 0) {
            before = d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas();
            if (before == 0) {
                return 0;
            }
        }
        double size = (double) replicas * maxNow / before;
        return (int) Math.round(size) - replicas; // Go's math.Round: halves away from zero, as Java's for positives
    }

    private boolean scaleAndRecordEvent(ReplicaSet rs, int newScale, Deployment d) {
        if (ReplicaSets.specReplicas(rs) == newScale) {
            return false;
        }
        return scaleReplicaSet(rs, newScale, d, ReplicaSets.specReplicas(rs) < newScale ? "up" : "down").scaled();
    }

    record Scaled(boolean scaled, ReplicaSet rs) {
    }

    private Scaled scaleReplicaSet(ReplicaSet rs, int newScale, Deployment d, String operation) {
        int desired = Fenceposts.replicas(d);
        int max = desired + Fenceposts.maxSurge(d);
        boolean sizeChanges = ReplicaSets.specReplicas(rs) != newScale;
        if (!sizeChanges && !Revisions.replicasAnnotationsNeedUpdate(rs, desired, max)) {
            return new Scaled(false, rs);
        }
        int oldScale = ReplicaSets.specReplicas(rs);
        ReplicaSet copy = Json.copy(rs, ReplicaSet.class);
        copy.getSpec().setReplicas(newScale);
        Revisions.setReplicasAnnotations(copy, desired, max);
        ReplicaSet updated = replicaSetClient.update(copy);
        if (sizeChanges) {
            events.event(involved(d), EventRecorder.NORMAL, "ScalingReplicaSet",
                    "Scaled %s replica set %s from %d to %d".formatted(operation, updated.getMetadata().getName(), oldScale, newScale));
        }
        return new Scaled(sizeChanges, updated);
    }

    // --- rollouts ---

    private void rolloutRolling(Deployment d, List<ReplicaSet> owned) {
        AllReplicaSets all = allReplicaSetsAndSyncRevision(d, owned, true);
        ReplicaSet newRs = all.newRs();
        List<ReplicaSet> withNew = all.withNew();
        if (reconcileNewReplicaSet(withNew, newRs, d)) {
            syncRolloutStatus(withNew, newRs, d);
            return;
        }
        if (reconcileOldReplicaSets(withNew, ReplicaSets.active(all.old()), newRs, d)) {
            syncRolloutStatus(withNew, newRs, d);
            return;
        }
        if (DeploymentConditions.complete(d, d.getStatus())) {
            cleanup(d, all.old());
        }
        syncRolloutStatus(withNew, newRs, d);
    }

    private boolean reconcileNewReplicaSet(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        int desired = Fenceposts.replicas(d);
        if (ReplicaSets.specReplicas(newRs) == desired) {
            return false;
        }
        if (ReplicaSets.specReplicas(newRs) > desired) {
            return scaleAndRecordEvent(newRs, desired, d);
        }
        return scaleAndRecordEvent(newRs, newRsNewReplicas(d, all, newRs), d);
    }

    private boolean reconcileOldReplicaSets(List<ReplicaSet> all, List<ReplicaSet> old, ReplicaSet newRs, Deployment d) {
        if (ReplicaSets.replicaCount(old) == 0) {
            return false;
        }
        int allPods = ReplicaSets.replicaCount(all);
        int minAvailable = Fenceposts.replicas(d) - Fenceposts.maxUnavailable(d);
        int newUnavailable = ReplicaSets.specReplicas(newRs) - ReplicaSets.available(newRs);
        int maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return false;
        }
        // unhealthy replicas first: they would otherwise block the rollout
        List<ReplicaSet> sorted = new ArrayList<>(old);
        sorted.sort(ReplicaSets.BY_CREATION);
        int cleaned = 0;
        for (int i = 0; i < sorted.size() && cleaned < maxScaledDown; i++) {
            ReplicaSet rs = sorted.get(i);
            int replicas = ReplicaSets.specReplicas(rs);
            if (replicas == 0 || replicas == ReplicaSets.available(rs)) {
                continue;
            }
            int down = Math.min(maxScaledDown - cleaned, replicas - ReplicaSets.available(rs));
            Scaled scaled = replicas == replicas - down ? new Scaled(false, rs)
                    : scaleReplicaSet(rs, replicas - down, d, "down");
            sorted.set(i, scaled.rs());
            cleaned += down;
        }
        List<ReplicaSet> withNew = new ArrayList<>(sorted);
        withNew.add(newRs);
        int scaledDown = scaleDownOldForRollingUpdate(withNew, sorted, d);
        return cleaned + scaledDown > 0;
    }

    private int scaleDownOldForRollingUpdate(List<ReplicaSet> all, List<ReplicaSet> old, Deployment d) {
        int minAvailable = Fenceposts.replicas(d) - Fenceposts.maxUnavailable(d);
        int available = ReplicaSets.availableReplicaCount(all);
        if (available <= minAvailable) {
            return 0;
        }
        List<ReplicaSet> sorted = new ArrayList<>(old);
        sorted.sort(ReplicaSets.BY_CREATION);
        int total = available - minAvailable;
        int done = 0;
        for (ReplicaSet rs : sorted) {
            if (done >= total) {
                break;
            }
            if (ReplicaSets.specReplicas(rs) == 0) {
                continue;
            }
            int down = Math.min(ReplicaSets.specReplicas(rs), total - done);
            scaleAndRecordEvent(rs, ReplicaSets.specReplicas(rs) - down, d);
            done += down;
        }
        return done;
    }

    private void rolloutRecreate(Deployment d, List<ReplicaSet> owned) {
        AllReplicaSets all = allReplicaSetsAndSyncRevision(d, owned, false);
        boolean scaledDown = false;
        for (ReplicaSet rs : ReplicaSets.active(all.old())) {
            scaledDown |= scaleAndRecordEvent(rs, 0, d);
        }
        if (scaledDown) {
            syncRolloutStatus(all.withNew(), all.newRs(), d);
            return;
        }
        if (oldPodsRunning(all.newRs(), all.old(), podsByReplicaSet(d, owned))) {
            syncRolloutStatus(all.withNew(), all.newRs(), d);
            return;
        }
        if (all.newRs() == null) {
            all = allReplicaSetsAndSyncRevision(d, claimReplicaSets(d), true);
        }
        scaleAndRecordEvent(all.newRs(), Fenceposts.replicas(d), d);
        if (DeploymentConditions.complete(d, d.getStatus())) {
            cleanup(d, all.old());
        }
        syncRolloutStatus(all.withNew(), all.newRs(), d);
    }

    private static boolean oldPodsRunning(ReplicaSet newRs, List<ReplicaSet> old, Map<String, List<Pod>> podsByRs) {
        if (ReplicaSets.actualReplicaCount(old) > 0) {
            return true;
        }
        for (var entry : podsByRs.entrySet()) {
            if (newRs != null && newRs.getMetadata().getUid().equals(entry.getKey())) {
                continue;
            }
            for (Pod pod : entry.getValue()) {
                String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
                if (!"Failed".equals(phase) && !"Succeeded".equals(phase)) {
                    return true; // running, pending or unknown: it may still be running
                }
            }
        }
        return false;
    }

    /** Deletes the oldest old ReplicaSets beyond revisionHistoryLimit that are empty and settled. */
    private void cleanup(Deployment d, List<ReplicaSet> old) {
        Integer limit = d.getSpec().getRevisionHistoryLimit();
        if (limit == null || limit == Integer.MAX_VALUE) {
            return;
        }
        List<ReplicaSet> cleanable = new ArrayList<>(old.stream().filter(rs -> rs.getMetadata().getDeletionTimestamp() == null).toList());
        int diff = cleanable.size() - limit;
        if (diff <= 0) {
            return;
        }
        cleanable.sort(ReplicaSets.BY_REVISION);
        for (int i = 0; i < diff; i++) {
            ReplicaSet rs = cleanable.get(i);
            long generation = rs.getMetadata().getGeneration() == null ? 0 : rs.getMetadata().getGeneration();
            long observed = rs.getStatus() == null || rs.getStatus().getObservedGeneration() == null ? 0 : rs.getStatus().getObservedGeneration();
            int statusReplicas = rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas();
            if (statusReplicas != 0 || ReplicaSets.specReplicas(rs) != 0 || generation > observed) {
                continue;
            }
            try {
                replicaSetClient.delete(rs.getMetadata().getNamespace(), rs.getMetadata().getName(), DeleteOptions.NONE);
            } catch (ApiException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
    }

    // --- status ---

    static DeploymentStatus calculateStatus(List<ReplicaSet> all, ReplicaSet newRs, Deployment d, Instant now) {
        int available = ReplicaSets.availableReplicaCount(all);
        int total = ReplicaSets.replicaCount(all);
        DeploymentStatus status = new DeploymentStatus();
        status.setObservedGeneration(generation(d));
        status.setReplicas(ReplicaSets.actualReplicaCount(all));
        status.setUpdatedReplicas(newRs == null ? 0 : ReplicaSets.actualReplicaCount(List.of(newRs)));
        status.setReadyReplicas(ReplicaSets.readyReplicaCount(all));
        status.setAvailableReplicas(available);
        status.setUnavailableReplicas(Math.max(0, total - available));
        status.setCollisionCount(d.getStatus().getCollisionCount());
        status.setTerminatingReplicas(d.getStatus().getTerminatingReplicas());
        if (d.getStatus().getConditions() != null) {
            status.setConditions(new ArrayList<>(d.getStatus().getConditions().stream()
                    .map(c -> Json.copy(c, DeploymentCondition.class)).toList()));
        }
        if (available >= Fenceposts.replicas(d) - Fenceposts.maxUnavailable(d)) {
            DeploymentConditions.set(status, DeploymentConditions.create(DeploymentConditions.AVAILABLE, "True",
                    DeploymentConditions.MINIMUM_AVAILABLE, "Deployment has minimum availability.", now));
        } else {
            DeploymentConditions.set(status, DeploymentConditions.create(DeploymentConditions.AVAILABLE, "False",
                    DeploymentConditions.MINIMUM_UNAVAILABLE, "Deployment does not have minimum availability.", now));
        }
        return status;
    }

    private void syncDeploymentStatus(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        DeploymentStatus status = calculateStatus(all, newRs, d, clock.instant());
        if (!sameStatus(d.getStatus(), status)) {
            d.setStatus(status);
            updateDeploymentStatus(d);
        }
    }

    private void syncRolloutStatus(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        Instant now = clock.instant();
        DeploymentStatus status = calculateStatus(all, newRs, d, now);
        if (!DeploymentConditions.hasProgressDeadline(d)) {
            DeploymentConditions.remove(status, DeploymentConditions.PROGRESSING);
        }
        Optional<DeploymentCondition> current = DeploymentConditions.get(d.getStatus(), DeploymentConditions.PROGRESSING);
        boolean completeBefore = Objects.equals(status.getReplicas(), status.getUpdatedReplicas()) && current.isPresent()
                && DeploymentConditions.NEW_RS_AVAILABLE.equals(current.get().getReason());
        if (DeploymentConditions.hasProgressDeadline(d) && !completeBefore) {
            String subject = newRs != null ? "ReplicaSet \"%s\"".formatted(newRs.getMetadata().getName())
                    : "Deployment \"%s\"".formatted(d.getMetadata().getName());
            if (DeploymentConditions.complete(d, status)) {
                DeploymentConditions.set(status, DeploymentConditions.create(DeploymentConditions.PROGRESSING, "True",
                        DeploymentConditions.NEW_RS_AVAILABLE, subject + " has successfully progressed.", now));
            } else if (DeploymentConditions.progressing(d, status)) {
                DeploymentCondition condition = DeploymentConditions.create(DeploymentConditions.PROGRESSING, "True",
                        DeploymentConditions.RS_UPDATED, subject + " is progressing.", now);
                // progress moves lastUpdateTime even when the reason stays; the transition time stays while True
                if (current.isPresent()) {
                    if ("True".equals(current.get().getStatus())) {
                        condition.setLastTransitionTime(current.get().getLastTransitionTime());
                    }
                    DeploymentConditions.remove(status, DeploymentConditions.PROGRESSING);
                }
                DeploymentConditions.set(status, condition);
            } else if (DeploymentConditions.timedOut(d, status, now)) {
                DeploymentConditions.set(status, DeploymentConditions.create(DeploymentConditions.PROGRESSING, "False",
                        DeploymentConditions.TIMED_OUT, subject + " has timed out progressing.", now));
            }
        }
        Optional<DeploymentCondition> failure = replicaFailure(all, newRs);
        if (failure.isPresent()) {
            DeploymentConditions.set(status, failure.get());
        } else {
            DeploymentConditions.remove(status, DeploymentConditions.REPLICA_FAILURE);
        }
        if (sameStatus(d.getStatus(), status)) {
            requeueStuck(d, status, now);
            return;
        }
        d.setStatus(status);
        updateDeploymentStatus(d);
    }

    /** The new ReplicaSet's ReplicaFailure condition, else an old one's, as a deployment condition. */
    private static Optional<DeploymentCondition> replicaFailure(List<ReplicaSet> all, ReplicaSet newRs) {
        List<ReplicaSet> order = new ArrayList<>();
        if (newRs != null) {
            order.add(newRs);
        }
        order.addAll(all);
        for (ReplicaSet rs : order) {
            if (rs == null || rs.getStatus() == null || rs.getStatus().getConditions() == null) {
                continue;
            }
            for (ReplicaSetCondition c : rs.getStatus().getConditions()) {
                if (DeploymentConditions.REPLICA_FAILURE.equals(c.getType())) {
                    return Optional.of(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                            .withType(c.getType()).withStatus(c.getStatus()).withReason(c.getReason()).withMessage(c.getMessage())
                            .withLastTransitionTime(c.getLastTransitionTime()).withLastUpdateTime(c.getLastTransitionTime()).build());
                }
            }
        }
        return Optional.empty();
    }

    /** Comes back when the progress deadline would pass, since nothing else will wake the deployment then. */
    private void requeueStuck(Deployment d, DeploymentStatus status, Instant now) {
        Optional<DeploymentCondition> current = DeploymentConditions.get(d.getStatus(), DeploymentConditions.PROGRESSING);
        if (!DeploymentConditions.hasProgressDeadline(d) || current.isEmpty()) {
            return;
        }
        if (DeploymentConditions.complete(d, status) || DeploymentConditions.TIMED_OUT.equals(current.get().getReason())) {
            return;
        }
        Instant lastUpdate = current.get().getLastUpdateTime() == null ? Instant.EPOCH : Instant.parse(current.get().getLastUpdateTime());
        Duration after = Duration.between(now, lastUpdate.plusSeconds(d.getSpec().getProgressDeadlineSeconds()));
        if (after.compareTo(Duration.ofSeconds(1)) < 0) {
            queue.addRateLimited(key(d));
        } else {
            queue.addAfter(key(d), after.plusSeconds(1)); // a second against clock skew
        }
    }

    /** Status equality as the API stores it: zero counts and empty lists are absent there. */
    private static boolean sameStatus(DeploymentStatus a, DeploymentStatus b) {
        return normalized(Json.tree(a == null ? new DeploymentStatus() : a)).equals(normalized(Json.tree(b)));
    }

    private static com.fasterxml.jackson.databind.JsonNode normalized(com.fasterxml.jackson.databind.JsonNode status) {
        var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) status).deepCopy();
        List<String> empty = new ArrayList<>();
        copy.properties().forEach(e -> {
            var value = e.getValue();
            if (value.isNull() || value.isNumber() && value.asLong() == 0 || value.isArray() && value.isEmpty()) {
                empty.add(e.getKey());
            }
        });
        empty.forEach(copy::remove);
        return copy;
    }

    private void updateDeploymentStatus(Deployment d) {
        Deployment updated = deploymentClient.updateStatus(d);
        // later writes of this sync go on from the stored version
        d.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
    }

    private static long generation(Deployment d) {
        return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    }

    private static long observedGeneration(DeploymentStatus status) {
        return status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    }

    static EventRecorder.InvolvedObject involved(Deployment d) {
        return new EventRecorder.InvolvedObject("apps/v1", "Deployment", d.getMetadata().getNamespace(),
                d.getMetadata().getName(), d.getMetadata().getUid());
    }
}
