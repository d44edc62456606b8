package dev.kj.controllers.garbagecollector;

import static dev.kj.controllers.Await.gone;
import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.DeleteOptions.PropagationPolicy;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import dev.kj.controllers.Await;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The garbage collector running in a real API server (started by {@code ApiServer} as
 * {@code kj server} does), driven through the API as a user would: owner chains built by hand
 * (no workload controllers yet) with ownerReferences and blockOwnerDeletion, deleted in the
 * background, in the foreground and orphaning; references to absent, replaced, cross-namespace
 * and cluster-scoped owners.
 */
class GarbageCollectorTest extends ClusterTest {
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private ApiClient client;
    private ResourceClient<Deployment> deployments;
    private ResourceClient<ReplicaSet> replicaSets;
    private ResourceClient<ConfigMap> configMaps;

    @BeforeAll
    void clients() {
        client = cluster.https;
        deployments = client.typed(Resources.DEPLOYMENTS, Deployment.class);
        replicaSets = client.typed(Resources.REPLICA_SETS, ReplicaSet.class);
        configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
    }

    private String namespace() {
        return TestCluster.namespace(client, "gc-" + NAMESPACES.incrementAndGet());
    }

    /** Deployment d → ReplicaSet rs → ConfigMaps cm-0, cm-1, every reference blocking and controlling. */
    private record Chain(Deployment deployment, ReplicaSet replicaSet, List<ConfigMap> configMaps) {
    }

    private Chain chain(String ns, boolean blocking, String... configMapFinalizers) {
        Deployment d = deployments.create(ns, new DeploymentBuilder().withNewMetadata().withName("d").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "d").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "d").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec().build());
        ReplicaSet rs = replicaSets.create(ns, new ReplicaSetBuilder().withNewMetadata().withName("rs")
                .withOwnerReferences(ref(d, "apps/v1", "Deployment", blocking)).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "d").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "d").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec().build());
        List<ConfigMap> dependents = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            dependents.add(configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
                    .withFinalizers(configMapFinalizers)
                    .withOwnerReferences(ref(rs, "apps/v1", "ReplicaSet", blocking)).endMetadata().build()));
        }
        return new Chain(d, rs, dependents);
    }

    private static OwnerReference ref(HasMetadata owner, String apiVersion, String kind, boolean blocking) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind)
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(blocking).build();
    }

    private void release(String ns, String name) {
        configMaps.patch(ns, name, PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
    }

    @Test
    void backgroundDeletionCollectsTheWholeChain() {
        String ns = namespace();
        chain(ns, true);
        assertTrue(deployments.delete(ns, "d", DeleteOptions.NONE).isEmpty(), "gone at once: the default is Background");
        until("the replica set and its config maps to be collected", () -> gone(replicaSets, ns, "rs")
                && gone(configMaps, ns, "cm-0") && gone(configMaps, ns, "cm-1"));
    }

    @Test
    void foregroundDeletionWaitsForBlockingDependentsAndGoesLast() {
        String ns = namespace();
        chain(ns, true, "example.com/hold");
        Deployment marked = deployments.delete(ns, "d", DeleteOptions.NONE.withPropagationPolicy(PropagationPolicy.Foreground))
                .orElseThrow();
        assertEquals(List.of("foregroundDeletion"), marked.getMetadata().getFinalizers());
        assertNotNull(marked.getMetadata().getDeletionTimestamp());
        until("the replica set to be deleted in the foreground, for it has dependents", () -> {
            ReplicaSet rs = replicaSets.get(ns, "rs");
            return rs.getMetadata().getDeletionTimestamp() != null
                    && List.of("foregroundDeletion").equals(rs.getMetadata().getFinalizers());
        });
        until("the config maps to be marked", () -> configMaps.get(ns, "cm-0").getMetadata().getDeletionTimestamp() != null
                && configMaps.get(ns, "cm-1").getMetadata().getDeletionTimestamp() != null);
        assertNotNull(deployments.get(ns, "d").getMetadata().getDeletionTimestamp(), "held by its blocking dependents");

        release(ns, "cm-0");
        release(ns, "cm-1");
        until("the deployment to go", () -> gone(deployments, ns, "d"));
        assertTrue(gone(replicaSets, ns, "rs") && gone(configMaps, ns, "cm-0") && gone(configMaps, ns, "cm-1"),
                "the owner goes last: its finalizer is removed once no blocking dependent is left");
    }

    @Test
    void dependentsThatDoNotBlockLetTheForegroundOwnerGo() {
        String ns = namespace();
        chain(ns, false, "example.com/hold");
        deployments.delete(ns, "d", DeleteOptions.NONE.withPropagationPolicy(PropagationPolicy.Foreground));
        until("the deployment and the replica set to go", () -> gone(deployments, ns, "d") && gone(replicaSets, ns, "rs"));
        until("the config maps, whose owner is gone, to be deleted", () ->
                configMaps.get(ns, "cm-0").getMetadata().getDeletionTimestamp() != null
                        && configMaps.get(ns, "cm-1").getMetadata().getDeletionTimestamp() != null);
        release(ns, "cm-0");
        release(ns, "cm-1");
        until("the config maps to go", () -> gone(configMaps, ns, "cm-0") && gone(configMaps, ns, "cm-1"));
    }

    @Test
    void orphaningRemovesTheOwnerFromItsDependentsOnly() {
        String ns = namespace();
        Chain chain = chain(ns, true);
        ConfigMap other = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("other").endMetadata().build());
        ConfigMap twoOwners = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("two-owners")
                .withOwnerReferences(ref(chain.deployment(), "apps/v1", "Deployment", true),
                        ref(other, "v1", "ConfigMap", false).toBuilder().withController(false).build())
                .endMetadata().build());
        Deployment marked = deployments.delete(ns, "d", DeleteOptions.NONE.withPropagationPolicy(PropagationPolicy.Orphan))
                .orElseThrow();
        assertEquals(List.of("orphan"), marked.getMetadata().getFinalizers());
        until("the deployment to go", () -> gone(deployments, ns, "d"));
        ReplicaSet rs = replicaSets.get(ns, "rs");
        assertTrue(rs.getMetadata().getOwnerReferences() == null || rs.getMetadata().getOwnerReferences().isEmpty(),
                "orphaned: " + rs.getMetadata().getOwnerReferences());
        List<OwnerReference> left = configMaps.get(ns, "two-owners").getMetadata().getOwnerReferences();
        assertEquals(List.of(other.getMetadata().getUid()), left.stream().map(OwnerReference::getUid).toList());
        assertEquals(twoOwners.getMetadata().getOwnerReferences().get(1), left.getFirst(), "the other reference is kept as it was");
        assertEquals(chain.replicaSet().getMetadata().getUid(),
                configMaps.get(ns, "cm-0").getMetadata().getOwnerReferences().getFirst().getUid(),
                "grandchildren keep their own owner");
        Await.sleepQuietly(Duration.ofSeconds(1));
        assertTrue(!gone(replicaSets, ns, "rs") && !gone(configMaps, ns, "cm-0"), "nothing orphaned was collected");
    }

    @Test
    void aDependentWithAnotherOwnerStaysAndLosesTheDeletedOne() {
        String ns = namespace();
        ConfigMap a = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata().build());
        ConfigMap b = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("b").endMetadata().build());
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("shared")
                .withOwnerReferences(ref(a, "v1", "ConfigMap", false), ref(b, "v1", "ConfigMap", false)).endMetadata().build());
        configMaps.delete(ns, "a", DeleteOptions.NONE);
        until("the reference to the deleted owner to be removed", () -> configMaps.get(ns, "shared").getMetadata()
                .getOwnerReferences().stream().map(OwnerReference::getUid).toList().equals(List.of(b.getMetadata().getUid())));
        configMaps.delete(ns, "b", DeleteOptions.NONE);
        until("the dependent of no owner to go", () -> gone(configMaps, ns, "shared"));
    }

    @Test
    void referencesToAbsentOrReplacedOwnersAreGarbage() {
        String ns = namespace();
        ConfigMap owner = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("owner").endMetadata().build());
        OwnerReference ghost = new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName("ghost")
                .withUid(UUID.randomUUID().toString()).build();
        OwnerReference replaced = new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName("owner")
                .withUid(UUID.randomUUID().toString()).build();
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("of-ghost").withOwnerReferences(ghost)
                .endMetadata().build());
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("of-replaced").withOwnerReferences(replaced)
                .endMetadata().build());
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("of-owner")
                .withOwnerReferences(ref(owner, "v1", "ConfigMap", false)).endMetadata().build());
        until("dependents of owners the API server does not have to go", () -> gone(configMaps, ns, "of-ghost")
                && gone(configMaps, ns, "of-replaced"));
        assertTrue(!gone(configMaps, ns, "of-owner"), "a dependent whose owner exists stays");
    }

    @Test
    void clusterScopedOwnersOwnNamespacedDependentsButNotTheOtherWayRound() {
        String ns = namespace();
        ResourceClient<ClusterRole> roles = client.typed(Resources.CLUSTER_ROLES, ClusterRole.class);
        String suffix = ns;
        ClusterRole owner = roles.create(null, new ClusterRoleBuilder().withNewMetadata().withName("owner-" + suffix)
                .endMetadata().build());
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("of-cluster-role")
                .withOwnerReferences(ref(owner, "rbac.authorization.k8s.io/v1", "ClusterRole", true)).endMetadata().build());
        ConfigMap namespacedOwner = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("namespaced-owner")
                .endMetadata().build());
        roles.create(null, new ClusterRoleBuilder().withNewMetadata().withName("invalid-" + suffix)
                .withOwnerReferences(ref(namespacedOwner, "v1", "ConfigMap", false)).endMetadata().build());

        roles.delete(null, "owner-" + suffix, DeleteOptions.NONE);
        until("the namespaced dependent of a cluster-scoped owner to go", () -> gone(configMaps, ns, "of-cluster-role"));
        configMaps.delete(ns, "namespaced-owner", DeleteOptions.NONE);
        Await.sleepQuietly(Duration.ofSeconds(2));
        assertTrue(!gone(roles, null, "invalid-" + suffix),
                "a cluster-scoped object cannot have a namespaced owner: its reference is not followed");
    }

    @Test
    void anOwnerInAnotherNamespaceIsAbsentAndReported() {
        String owners = namespace();
        String ns = namespace();
        ConfigMap owner = configMaps.create(owners, new ConfigMapBuilder().withNewMetadata().withName("owner").endMetadata().build());
        until("the collector to observe the owner", () -> !gone(configMaps, owners, "owner"));
        Await.sleepQuietly(Duration.ofMillis(500));
        ConfigMap dependent = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("cross")
                .withOwnerReferences(ref(owner, "v1", "ConfigMap", false)).endMetadata().build());
        until("the dependent, whose owner is not in its namespace, to go", () -> gone(configMaps, ns, "cross"));
        ResourceClient<ObjectNode> events = client.generic(Resources.EVENTS);
        until("the OwnerRefInvalidNamespace warning", () -> !events.list(ns,
                ListOptions.NONE.withFieldSelector("reason=OwnerRefInvalidNamespace")).items().isEmpty());
        ObjectNode event = events.list(ns, ListOptions.NONE.withFieldSelector("reason=OwnerRefInvalidNamespace")).items().getFirst();
        assertEquals("Warning", event.path("type").asText());
        assertEquals("ownerRef [v1/ConfigMap, namespace: " + ns + ", name: owner, uid: " + owner.getMetadata().getUid()
                + "] does not exist in namespace \"" + ns + "\"", event.path("message").asText());
        assertEquals("garbage-collector-controller", event.path("source").path("component").asText());
        assertEquals("garbage-collector-controller", event.path("reportingComponent").asText());
        assertEquals("{\"kind\":\"ConfigMap\",\"namespace\":\"" + ns + "\",\"name\":\"cross\",\"uid\":\""
                + dependent.getMetadata().getUid() + "\",\"apiVersion\":\"v1\"}", event.path("involvedObject").toString());
        assertTrue(event.path("metadata").path("name").asText().startsWith("cross."));
    }
}
