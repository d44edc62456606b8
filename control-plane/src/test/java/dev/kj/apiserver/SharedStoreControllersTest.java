package dev.kj.apiserver;

import static dev.kj.controllers.Await.gone;
import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.testing.TestCluster;
import dev.kj.rhino.testing.RealEtcd;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two kj API servers on one real etcd, the controllers running on whichever holds the controller
 * manager's Lease (see LeaderElectionTest): a namespace one of them marks Terminating refuses
 * creates through the other at once, since both read the stored phase; the namespace and a garbage
 * owner chain are cleaned up whichever server the requests went to.
 */
class SharedStoreControllersTest {
    @TempDir
    Path dir;

    @Test
    void twoServersAgreeOnATerminatingNamespace() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer first = ApiServer.start(new ApiServerConfig(dir.resolve("a"), List.of(etcd.clientUrl()), "127.0.0.1", 0));
             ApiServer second = ApiServer.start(new ApiServerConfig(dir.resolve("b"), List.of(etcd.clientUrl()), "127.0.0.1", 0));
             ApiClient a = ApiClient.fromKubeconfig(first.kubeconfig());
             ApiClient b = ApiClient.fromKubeconfig(second.kubeconfig())) {
            assertEquals(List.of("serviceaccount-token-controller", "clusterrole-aggregation-controller", "garbage-collector-controller",
                    "namespace-controller", "serviceaccount-controller", "root-ca-certificate-publisher-controller",
                    "replicaset-controller", "replicationcontroller-controller", "deployment-controller", "job-controller",
                    "disruption-controller", "cronjob-controller", "ttl-after-finished-controller",
                    "pod-garbage-collector-controller", "endpoints-controller", "endpointslice-controller", "node-lifecycle-controller",
                    "taint-eviction-controller"),
                    first.controllers(), "the first server leads");
            assertEquals(List.of(), second.controllers(), "the second waits for the Lease");
            String ns = TestCluster.namespace(a, "shared");
            ResourceClient<ConfigMap> configMapsA = a.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            ResourceClient<ConfigMap> configMapsB = b.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            ConfigMap owner = configMapsB.create(ns, new ConfigMapBuilder().withNewMetadata().withName("owner").endMetadata().build());
            configMapsA.create(ns, new ConfigMapBuilder().withNewMetadata().withName("dependent").withOwnerReferences(
                    new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName("owner")
                            .withUid(owner.getMetadata().getUid()).withBlockOwnerDeletion(true).build()).endMetadata().build());
            configMapsB.delete(ns, "owner", DeleteOptions.NONE.withPropagationPolicy(DeleteOptions.PropagationPolicy.Foreground));
            until("the foreground deletion begun through one server to finish", () -> gone(configMapsA, ns, "owner")
                    && gone(configMapsB, ns, "dependent"));

            configMapsA.create(ns, new ConfigMapBuilder().withNewMetadata().withName("content").endMetadata().build());
            Namespace marked = a.typed(Resources.NAMESPACES, Namespace.class).delete(null, ns, DeleteOptions.NONE).orElseThrow();
            assertEquals("Terminating", marked.getStatus().getPhase());
            // the other server checks the namespace in its watch cache, as upstream's NamespaceLifecycle reads its
            // informer: it refuses once the Terminating phase has reached that cache (until then a create may land,
            // and the namespace controller deletes it with the rest)
            java.util.concurrent.atomic.AtomicReference<ApiException> refusal = new java.util.concurrent.atomic.AtomicReference<>();
            until("the other server to refuse content in the terminating namespace", () -> {
                try {
                    configMapsB.create(ns, new ConfigMapBuilder().withNewMetadata().withName("late").endMetadata().build());
                } catch (ApiException e) {
                    if (e.code() != 409) {
                        refusal.set(e);
                        return true;
                    }
                }
                return false;
            });
            ApiException refused = refusal.get();
            assertEquals(403, refused.code(), refused.getMessage());
            assertEquals("configmaps \"late\" is forbidden: unable to create new content in namespace shared because it is"
                    + " being terminated", refused.getMessage());

            ResourceClient<Namespace> namespacesB = b.typed(Resources.NAMESPACES, Namespace.class);
            until("the namespace to go", () -> gone(namespacesB, null, ns));
            assertEquals(404, assertThrows(ApiException.class, () -> configMapsA.create(ns,
                    new ConfigMapBuilder().withNewMetadata().withName("after").endMetadata().build())).code());
            assertEquals(List.of(), configMapsB.list(ns, dev.kj.api.client.ListOptions.NONE).items());
        }
    }
}
