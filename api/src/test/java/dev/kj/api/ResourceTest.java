package dev.kj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResourceTest {
    @Test
    void pathsAsTheApiServesThem() {
        assertEquals("/api/v1/namespaces/default/pods/web", Resources.PODS.path("default", "web"));
        assertEquals("/api/v1/pods", Resources.PODS.path(null, null));
        assertEquals("/apis/apps/v1/namespaces/x/deployments", Resources.DEPLOYMENTS.path("x", null));
        assertEquals("/api/v1/nodes/n1", Resources.NODES.path(null, "n1"));
        assertEquals("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:x",
                Resources.CLUSTER_ROLES.path(null, "system:controller:x"));
        assertThrows(IllegalArgumentException.class, () -> Resources.NODES.path("default", "n1"));
        assertThrows(IllegalArgumentException.class, () -> Resources.PODS.path(null, "web"));
        assertThrows(IllegalArgumentException.class, () -> Resources.PODS.path("default", "../secrets"));
    }

    @Test
    void lookupsByKindAndPlural() {
        assertEquals(Optional.of(Resources.REPLICA_SETS), Resources.forKind("apps/v1", "ReplicaSet"));
        assertEquals(Optional.of(Resources.EVENTS), Resources.forKind("v1", "Event"));
        assertEquals(Optional.of(Resources.EVENTS_V1), Resources.forKind("events.k8s.io/v1", "Event"));
        assertEquals(Optional.empty(), Resources.forKind("apps/v1beta1", "ReplicaSet"));
        assertEquals(Optional.of(Resources.LEASES), Resources.find("coordination.k8s.io", "v1", "leases"));
        assertEquals("deployments.apps", Resources.DEPLOYMENTS.toString());
        assertEquals("apps/v1", Resources.DEPLOYMENTS.apiVersion());
    }
}
