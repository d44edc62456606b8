package dev.kj.controllers.disruption;

import dev.kj.api.informers.SharedInformer;
import dev.kj.controllers.controllerref.ControllerRefs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Objects;
import java.util.Optional;

/**
 * A pod's controller and its scale (spec.replicas), as upstream's finders resolve it: a ReplicaSet
 * controlled by a Deployment counts as the Deployment; ReplicaSets, StatefulSets and
 * ReplicationControllers count as themselves. Names are resolved in the caches and must match the
 * reference's uid.
 */
record ControllerScale(String uid, int scale) {
    static ControllerScale find(OwnerReference ref, String namespace, SharedInformer<ReplicaSet> replicaSets,
                                SharedInformer<Deployment> deployments, SharedInformer<StatefulSet> statefulSets,
                                SharedInformer<ReplicationController> replicationControllers) {
        switch (ref.getKind()) {
            case "ReplicaSet" -> {
                ReplicaSet rs = lookUp(replicaSets, namespace, ref).orElse(null);
                if (rs == null) {
                    return null;
                }
                Optional<OwnerReference> owner = ControllerRefs.of(rs).filter(r -> "Deployment".equals(r.getKind()));
                if (owner.isPresent()) {
                    return lookUp(deployments, namespace, owner.get())
                            .map(d -> new ControllerScale(d.getMetadata().getUid(), replicas(d.getSpec().getReplicas())))
                            .orElse(null);
                }
                return new ControllerScale(rs.getMetadata().getUid(), replicas(rs.getSpec().getReplicas()));
            }
            case "StatefulSet" -> {
                return lookUp(statefulSets, namespace, ref)
                        .map(s -> new ControllerScale(s.getMetadata().getUid(), replicas(s.getSpec().getReplicas())))
                        .orElse(null);
            }
            case "ReplicationController" -> {
                return lookUp(replicationControllers, namespace, ref)
                        .map(rc -> new ControllerScale(rc.getMetadata().getUid(), replicas(rc.getSpec().getReplicas())))
                        .orElse(null);
            }
            default -> {
                return null;
            }
        }
    }

    private static <T extends HasMetadata> Optional<T> lookUp(SharedInformer<T> informer, String namespace, OwnerReference ref) {
        return informer.indexer().get(namespace, ref.getName())
                .filter(object -> Objects.equals(object.getMetadata().getUid(), ref.getUid()));
    }

    private static int replicas(Integer replicas) {
        return replicas == null ? 1 : replicas;
    }
}
