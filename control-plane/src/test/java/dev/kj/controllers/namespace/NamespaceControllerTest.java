package dev.kj.controllers.namespace;

import static dev.kj.controllers.Await.gone;
import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resource;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.objects.Json;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The namespace controller in a real API server: a deleted namespace is emptied of every kind of
 * content and then removed; while content is held (finalizers, pods a kubelet has yet to stop) it
 * stays Terminating with upstream's status conditions; finalizers of others in spec.finalizers
 * keep it after the controller's own is removed.
 */
class NamespaceControllerTest extends ClusterTest {
    private ApiClient client;
    private ResourceClient<Namespace> namespaces;
    private ResourceClient<ConfigMap> configMaps;

    @BeforeAll
    void clients() {
        client = cluster.https;
        namespaces = client.typed(Resources.NAMESPACES, Namespace.class);
        configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
    }

    @Test
    void aDeletedNamespaceIsEmptiedAndRemoved() {
        String ns = TestCluster.namespace(client, "emptied");
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata().build());
        client.typed(Resources.SECRETS, io.fabric8.kubernetes.api.model.Secret.class).create(ns,
                new SecretBuilder().withNewMetadata().withName("token").endMetadata().addToStringData("t", "x").build());
        client.typed(Resources.SERVICES, io.fabric8.kubernetes.api.model.Service.class).create(ns, new ServiceBuilder()
                .withNewMetadata().withName("web").endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec()
                .build());
        client.generic(Resources.PODS).create(ns, Json.readObject(("{\"metadata\":{\"name\":\"pending\"},\"spec\":"
                + "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}").getBytes()));

        Namespace marked = namespaces.delete(null, ns, DeleteOptions.NONE).orElseThrow();
        assertEquals("Terminating", marked.getStatus().getPhase());
        ApiException refused = assertThrows(ApiException.class, () -> configMaps.create(ns,
                new ConfigMapBuilder().withNewMetadata().withName("late").endMetadata().build()));
        assertEquals(403, refused.code());
        assertEquals("NamespaceTerminating", refused.causes().getFirst().getReason());

        until("the namespace to go", () -> gone(namespaces, null, ns));
        for (Resource resource : List.of(Resources.CONFIG_MAPS, Resources.SECRETS, Resources.SERVICES, Resources.PODS)) {
            assertTrue(client.generic(resource).list(ns, ListOptions.NONE).items().isEmpty(), resource + " left behind");
        }
    }

    @Test
    void contentHeldByAFinalizerKeepsTheNamespaceWithUpstreamsConditions() {
        String ns = TestCluster.namespace(client, "held");
        configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("held")
                .withFinalizers("example.com/hold").endMetadata().build());
        Instant deleted = Instant.now().minusSeconds(1);
        namespaces.delete(null, ns, DeleteOptions.NONE);
        until("the conditions", () -> conditions(ns).size() == 5);
        String expected = """
                NamespaceDeletionDiscoveryFailure False ResourcesDiscovered: All resources successfully discovered
                NamespaceDeletionGroupVersionParsingFailure False ParsedGroupVersions: All legacy kube types successfully parsed
                NamespaceDeletionContentFailure False ContentDeleted: All content successfully deleted, may be waiting on finalization
                NamespaceContentRemaining True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances
                NamespaceFinalizersRemaining True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: \
                example.com/hold in 1 resource instances""";
        assertEquals(expected, conditions(ns).stream().map(c -> c.getType() + " " + c.getStatus() + " " + c.getReason() + ": "
                + c.getMessage()).collect(Collectors.joining("\n")));
        for (NamespaceCondition condition : conditions(ns)) {
            assertTrue(!Instant.parse(condition.getLastTransitionTime()).isBefore(deleted.minusSeconds(1)), condition.toString());
        }
        assertNotNull(configMaps.get(ns, "held").getMetadata().getDeletionTimestamp());
        assertEquals("Terminating", namespaces.get(null, ns).getStatus().getPhase());

        configMaps.patch(ns, "held", PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
        until("the namespace to go once its content is", () -> gone(namespaces, null, ns));
    }

    @Test
    void otherSpecFinalizersOutlastTheControllers() throws Exception {
        String ns = "shared-finalizer";
        namespaces.create(null, new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                .withNewSpec().withFinalizers("example.com/vault").endSpec().build());
        assertEquals(List.of("example.com/vault", "kubernetes"), namespaces.get(null, ns).getSpec().getFinalizers());
        namespaces.delete(null, ns, DeleteOptions.NONE);
        until("the controller to remove its own finalizer", () ->
                namespaces.get(null, ns).getSpec().getFinalizers().equals(List.of("example.com/vault")));
        Namespace left = namespaces.get(null, ns);
        assertEquals("Terminating", left.getStatus().getPhase());
        left.getSpec().setFinalizers(List.of());
        namespaces.update(left, "finalize");
        assertTrue(gone(namespaces, null, ns), "finalize with nothing left deletes the namespace at once");
    }

    @Test
    void podsOnANodeAreGivenTheirGraceAndThenReportedUntilTheirKubeletRemovesThem() {
        String ns = TestCluster.namespace(client, "pods");
        ResourceClient<Pod> pods = client.typed(Resources.PODS, Pod.class);
        pods.create(ns, new PodBuilder().withNewMetadata().withName("running").endMetadata().withNewSpec()
                .withNodeName("node-1").withTerminationGracePeriodSeconds(2L)
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        namespaces.delete(null, ns, DeleteOptions.NONE);
        until("the pod to be deleted gracefully", () -> pods.get(ns, "running").getMetadata().getDeletionTimestamp() != null);
        assertEquals(2L, pods.get(ns, "running").getMetadata().getDeletionGracePeriodSeconds());
        until("the content failure once the grace is over", () -> conditions(ns).stream().anyMatch(c ->
                c.getType().equals("NamespaceDeletionContentFailure") && c.getStatus().equals("True")));
        NamespaceCondition failure = conditions(ns).stream()
                .filter(c -> c.getType().equals("NamespaceDeletionContentFailure")).findFirst().orElseThrow();
        assertEquals("ContentDeletionFailed", failure.getReason());
        assertEquals("Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: "
                + ns + " for gvr: /v1, Resource=pods", failure.getMessage());
        // the kubelet's final delete
        pods.delete(ns, "running", DeleteOptions.NONE.withGracePeriodSeconds(0));
        until("the namespace to go", () -> gone(namespaces, null, ns));
    }

    private List<NamespaceCondition> conditions(String ns) {
        Namespace namespace = namespaces.get(null, ns);
        return namespace.getStatus() == null || namespace.getStatus().getConditions() == null ? List.of()
                : namespace.getStatus().getConditions();
    }
}
