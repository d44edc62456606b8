package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.apiserver.testing.ServerUnderTest;
import dev.kj.apiserver.testing.TestServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * fabric8's kubernetes-client (a third-party Java client, over HTTPS with the kubeconfig the server
 * writes) against one kj API server on embedded Rhino: CRUD, label and field selectors, a watch,
 * and a SharedIndexInformer that must see every one of many rapid updates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class Fabric8ClientTest {
    private ServerUnderTest server;
    private KubernetesClient client;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = ServerUnderTest.embedded(dir, TestServer.WITHOUT_ROOT_CA_PUBLISHER); // its lists and watches count ConfigMaps
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfig()))).build();
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    private static ConfigMap configMap(String name, Map<String, String> labels, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().withData(data).build();
    }

    @Test
    void createGetUpdatePatchDelete() {
        String ns = namespace("f8-crud");
        ConfigMap created = client.configMaps().inNamespace(ns).resource(configMap("cfg", Map.of(), Map.of("k", "v"))).create();
        assertEquals(ns, created.getMetadata().getNamespace());
        assertEquals(36, created.getMetadata().getUid().length());
        assertTrue(created.getMetadata().getResourceVersion().matches("[1-9][0-9]*"));

        ConfigMap fetched = client.configMaps().inNamespace(ns).withName("cfg").get();
        assertEquals(Map.of("k", "v"), fetched.getData());
        assertEquals(created.getMetadata().getResourceVersion(), fetched.getMetadata().getResourceVersion());

        fetched.getData().put("k", "w");
        ConfigMap updated = client.configMaps().inNamespace(ns).resource(fetched).update();
        assertEquals("w", updated.getData().get("k"));
        assertNotEquals(created.getMetadata().getResourceVersion(), updated.getMetadata().getResourceVersion());

        // an update carrying the old resourceVersion conflicts, as upstream
        created.getData().put("k", "stale");
        KubernetesClientException conflict = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace(ns).resource(created).update());
        assertEquals(409, conflict.getCode());
        assertEquals("Conflict", conflict.getStatus().getReason());

        ConfigMap edited = client.configMaps().inNamespace(ns).withName("cfg").edit(cm -> new ConfigMapBuilder(cm)
                .editMetadata().addToLabels("tier", "web").endMetadata().addToData("extra", "1").build());
        assertEquals(Map.of("k", "w", "extra", "1"), edited.getData());
        assertEquals("web", client.configMaps().inNamespace(ns).withName("cfg").get().getMetadata().getLabels().get("tier"));

        KubernetesClientException exists = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace(ns).resource(configMap("cfg", Map.of(), Map.of())).create());
        assertEquals(409, exists.getCode());
        assertEquals("AlreadyExists", exists.getStatus().getReason());

        assertEquals(1, client.configMaps().inNamespace(ns).withName("cfg").delete().size());
        assertNull(client.configMaps().inNamespace(ns).withName("cfg").get());
        assertTrue(client.configMaps().inNamespace(ns).withName("cfg").delete().isEmpty());
    }

    @Test
    void labelAndFieldSelectors() {
        String ns = namespace("f8-select");
        client.configMaps().inNamespace(ns).resource(configMap("a", Map.of("tier", "web", "env", "prod"), Map.of())).create();
        client.configMaps().inNamespace(ns).resource(configMap("b", Map.of("tier", "api", "env", "prod"), Map.of())).create();
        client.configMaps().inNamespace(ns).resource(configMap("c", Map.of("tier", "db"), Map.of())).create();
        var configMaps = client.configMaps().inNamespace(ns);

        assertEquals(List.of("a"), names(configMaps.withLabel("tier", "web").list().getItems()));
        assertEquals(List.of("a", "b"), names(configMaps.withLabel("env").list().getItems()));
        assertEquals(List.of("c"), names(configMaps.withoutLabel("env").list().getItems()));
        assertEquals(List.of("a", "c"), names(configMaps.withLabelIn("tier", "web", "db").list().getItems()));
        assertEquals(List.of("b"), names(configMaps.withLabelNotIn("tier", "web", "db").withLabel("env", "prod").list().getItems()));
        assertEquals(List.of("b"), names(configMaps.withField("metadata.name", "b").list().getItems()));
        assertEquals(List.of("a", "c"), names(configMaps.withoutField("metadata.name", "b").list().getItems()));
        assertEquals(List.of("c"), names(client.configMaps().inAnyNamespace().withField("metadata.namespace", ns)
                .withLabel("tier", "db").list().getItems()));
        // an unsupported field is refused as upstream does
        KubernetesClientException refused = assertThrows(KubernetesClientException.class,
                () -> configMaps.withField("data.k", "v").list());
        assertEquals(400, refused.getCode());
        // pages of one follow the continue token to the end
        assertEquals(List.of("a", "b", "c"), pagedNames(ns));
    }

    private List<String> pagedNames(String ns) {
        List<String> names = new ArrayList<>();
        String next = null;
        do {
            var page = client.configMaps().inNamespace(ns).list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                    .withLimit(1L).withContinue(next).build());
            assertTrue(page.getItems().size() <= 1);
            names.addAll(names(page.getItems()));
            next = page.getMetadata().getContinue();
        } while (next != null && !next.isEmpty());
        return names;
    }

    private static List<String> names(List<? extends HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getName()).sorted().toList();
    }

    @Test
    void watchSeesAddModifyDelete() throws Exception {
        String ns = namespace("f8-watch");
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch watch = client.configMaps().inNamespace(ns).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, ConfigMap cm) {
                events.add(action + " " + cm.getMetadata().getName() + " " + cm.getData());
            }

            @Override
            public void onClose(WatcherException cause) {
                events.add("CLOSED " + cause);
            }
        })) {
            var cm = client.configMaps().inNamespace(ns);
            cm.resource(configMap("w", Map.of(), Map.of("n", "1"))).create();
            cm.withName("w").edit(c -> new ConfigMapBuilder(c).addToData("n", "2").build());
            cm.withName("w").delete();
            assertEquals("ADDED w {n=1}", events.poll(20, TimeUnit.SECONDS));
            assertEquals("MODIFIED w {n=2}", events.poll(20, TimeUnit.SECONDS));
            assertEquals("DELETED w {n=2}", events.poll(20, TimeUnit.SECONDS));
        }
    }

    /** The informer must deliver every write of a tight update loop, in order, ending at the last one. */
    @Test
    void informerSeesEveryOneOfAThousandRapidUpdates() throws Exception {
        String ns = namespace("f8-informer");
        int updates = 1000;
        List<String> seenValues = new CopyOnWriteArrayList<>();
        List<String> seenVersions = new CopyOnWriteArrayList<>();
        ConfigMap object = client.configMaps().inNamespace(ns).resource(configMap("hot", Map.of(), Map.of("n", "start"))).create();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(ns).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap after) {
                seenValues.add(after.getData().get("n"));
                seenVersions.add(after.getMetadata().getResourceVersion());
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
            }
        }, 0);
        try {
            informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertTrue(informer.hasSynced());
            List<String> writtenValues = new ArrayList<>();
            List<String> writtenVersions = new ArrayList<>();
            for (int i = 0; i < updates; i++) {
                object.getData().put("n", Integer.toString(i));
                object = client.configMaps().inNamespace(ns).resource(object).update();
                writtenValues.add(Integer.toString(i));
                writtenVersions.add(object.getMetadata().getResourceVersion());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seenValues.size() < updates && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(writtenValues, seenValues, "data.n of each update the informer delivered");
            assertEquals(writtenVersions, seenVersions, "resourceVersion of each update the informer delivered");
            ConfigMap cached = informer.getStore().getByKey(ns + "/hot");
            assertEquals(Integer.toString(updates - 1), cached.getData().get("n"));
            assertEquals(object.getMetadata().getResourceVersion(), cached.getMetadata().getResourceVersion());
        } finally {
            informer.close();
        }
    }
}
