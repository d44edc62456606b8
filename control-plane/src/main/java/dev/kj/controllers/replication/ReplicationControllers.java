package dev.kj.controllers.replication;

import dev.kj.api.Resource;
import dev.kj.api.Resources;
import dev.kj.api.objects.Json;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.replicaset.ReplicaSetController;
import dev.kj.controllers.replicaset.ReplicaSetKind;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerCondition;
import io.fabric8.kubernetes.api.model.ReplicationControllerSpec;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Upstream's replication manager (pkg/controller/replication): the {@link ReplicaSetController}
 * run over ReplicationControllers, which read as ReplicaSets whose selector is the RC's plain label
 * map (matchLabels) and whose status converts field for field (the condition type is
 * ReplicaFailure in both).
 */
public final class ReplicationControllers implements ReplicaSetKind<ReplicationController> {
    public static final String NAME = "replicationcontroller-controller";
    /** The service account whose credentials it uses, and the source of its events. */
    public static final String IDENTITY = "replication-controller";

    private static final ReplicationControllers KIND = new ReplicationControllers();

    private ReplicationControllers() {
    }

    /** The replication manager: the ReplicaSet controller with this kind. */
    public static ReplicaSetController<ReplicationController> controller(ControllerContext context) {
        return new ReplicaSetController<>(context, KIND);
    }

    @Override
    public Resource resource() {
        return Resources.REPLICATION_CONTROLLERS;
    }

    @Override
    public Class<ReplicationController> type() {
        return ReplicationController.class;
    }

    @Override
    public String apiVersion() {
        return "v1";
    }

    @Override
    public String controllerName() {
        return NAME;
    }

    @Override
    public String eventSource() {
        return IDENTITY;
    }

    @Override
    public ReplicaSet asReplicaSet(ReplicationController rc) {
        ReplicaSet rs = new ReplicaSet();
        rs.setMetadata(rc.getMetadata());
        ReplicationControllerSpec spec = rc.getSpec() == null ? new ReplicationControllerSpec() : rc.getSpec();
        ReplicaSetSpec rsSpec = new ReplicaSetSpec();
        rsSpec.setReplicas(spec.getReplicas());
        rsSpec.setMinReadySeconds(spec.getMinReadySeconds());
        rsSpec.setTemplate(spec.getTemplate());
        // an RC's selector is a label map; a missing one was defaulted to the template's labels on create
        rsSpec.setSelector(spec.getSelector() == null ? null
                : new LabelSelector(List.of(), new LinkedHashMap<>(spec.getSelector())));
        rs.setSpec(rsSpec);
        ReplicationControllerStatus status = rc.getStatus();
        if (status != null) {
            ReplicaSetStatus rsStatus = new ReplicaSetStatus();
            rsStatus.setReplicas(status.getReplicas());
            rsStatus.setFullyLabeledReplicas(status.getFullyLabeledReplicas());
            rsStatus.setReadyReplicas(status.getReadyReplicas());
            rsStatus.setAvailableReplicas(status.getAvailableReplicas());
            rsStatus.setObservedGeneration(status.getObservedGeneration());
            rsStatus.setConditions(status.getConditions() == null ? null : status.getConditions().stream()
                    .map(c -> new ReplicaSetCondition(c.getLastTransitionTime(), c.getMessage(), c.getReason(), c.getStatus(),
                            c.getType())).toList());
            rs.setStatus(rsStatus);
        }
        return rs;
    }

    @Override
    public ReplicationController withStatus(ReplicationController rc, ReplicaSetStatus status) {
        ReplicationController copy = Json.copy(rc, ReplicationController.class);
        ReplicationControllerStatus rcStatus = new ReplicationControllerStatus();
        rcStatus.setReplicas(status.getReplicas());
        rcStatus.setFullyLabeledReplicas(status.getFullyLabeledReplicas());
        rcStatus.setReadyReplicas(status.getReadyReplicas());
        rcStatus.setAvailableReplicas(status.getAvailableReplicas());
        rcStatus.setObservedGeneration(status.getObservedGeneration());
        rcStatus.setConditions(status.getConditions() == null ? null : status.getConditions().stream()
                .map(c -> new ReplicationControllerCondition(c.getLastTransitionTime(), c.getMessage(), c.getReason(),
                        c.getStatus(), c.getType())).toList());
        copy.setStatus(rcStatus);
        return copy;
    }
}
