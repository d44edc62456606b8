package dev.kj.controllers.replicaset;

import dev.kj.api.Resource;
import dev.kj.api.Resources;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;

/**
 * The per-kind part of the {@link ReplicaSetController}: which resource it manages and how an
 * object of that kind reads as a ReplicaSet and takes a ReplicaSet status back. Upstream runs its
 * ReplicationController manager the same way, converting RCs to ReplicaSets around one controller
 * (pkg/controller/replication's conversion adapters).
 *
 * @param <T> the managed kind
 */
public interface ReplicaSetKind<T extends HasMetadata> {
    /** The ReplicaSets themselves. */
    ReplicaSetKind<ReplicaSet> REPLICA_SETS = new ReplicaSetKind<>() {
        @Override
        public Resource resource() {
            return Resources.REPLICA_SETS;
        }

        @Override
        public Class<ReplicaSet> type() {
            return ReplicaSet.class;
        }

        @Override
        public String apiVersion() {
            return "apps/v1";
        }

        @Override
        public String controllerName() {
            return ReplicaSetController.NAME;
        }

        @Override
        public String eventSource() {
            return ReplicaSetController.NAME;
        }

        @Override
        public ReplicaSet asReplicaSet(ReplicaSet object) {
            return object;
        }

        @Override
        public ReplicaSet withStatus(ReplicaSet object, ReplicaSetStatus status) {
            ReplicaSet copy = dev.kj.api.objects.Json.copy(object, ReplicaSet.class);
            copy.setStatus(status);
            return copy;
        }
    };

    Resource resource();

    Class<T> type();

    /** The apiVersion of ControllerRefs and events' involved objects. */
    String apiVersion();

    /** The kind, as ControllerRefs name it. */
    default String kind() {
        return resource().kind();
    }

    /** The controller's name (kube-controller-manager's). */
    String controllerName();

    /** The source component of its events (upstream's recorder component). */
    String eventSource();

    /** A ReplicaSet with the object's metadata, spec and status; only read, never written. */
    ReplicaSet asReplicaSet(T object);

    /** A copy of the object with the status, to be written to its status subresource. */
    T withStatus(T object, ReplicaSetStatus status);
}
