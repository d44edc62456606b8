package dev.kj.api.informers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.objects.Keys;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import dev.kj.apiserver.authn.User;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Informers against the real API server (embedded Rhino), over both transports. */
class InformerTest extends ClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    static String namespace(ApiClient client, String name) {
        return TestCluster.namespace(client, name);
    }

    static ConfigMap configMap(String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("n", value).build();
    }

    /** Every notification a handler got, in order. */
    static final class Recorder implements EventHandler<ConfigMap> {
        record Seen(String type, String key, String value, boolean flag) {
        }

        final List<Seen> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onAdd(ConfigMap object, boolean initialList) {
            seen.add(new Seen("add", key(object), value(object), initialList));
        }

        @Override
        public void onUpdate(ConfigMap old, ConfigMap current) {
            seen.add(new Seen("update", key(current), value(current), false));
        }

        @Override
        public void onDelete(ConfigMap lastKnown, boolean finalStateUnknown) {
            seen.add(new Seen("delete", key(lastKnown), value(lastKnown), finalStateUnknown));
        }

        List<Seen> of(String type) {
            return seen.stream().filter(s -> s.type().equals(type)).toList();
        }

        private static String key(ConfigMap object) {
            return Keys.of(object.getMetadata().getNamespace(), object.getMetadata().getName());
        }

        private static String value(ConfigMap object) {
            return object.getData() == null ? null : object.getData().get("n");
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits until a resourceVersion=0 list (the watch cache's view, what a reflector's first list
     * reads, as upstream's) holds {@code count} objects: only then do objects written just before
     * an informer starts reach it through its initial list rather than as watch events.
     */
    static void awaitWatchCache(ResourceClient<ConfigMap> configMaps, String ns, int count) throws InterruptedException {
        await(() -> configMaps.list(ns, ListOptions.NONE.withResourceVersion("0")).items().size() == count,
                "the watch cache to hold the " + count + " objects");
    }

    /** key → resourceVersion of everything the server has in the namespace. */
    static Map<String, String> serverState(ResourceClient<ConfigMap> configMaps, String ns) {
        return configMaps.list(ns, ListOptions.NONE).items().stream().collect(Collectors.toMap(
                c -> Keys.of(ns, c.getMetadata().getName()), c -> c.getMetadata().getResourceVersion()));
    }

    static Map<String, String> cacheState(SharedInformer<ConfigMap> informer) {
        Map<String, String> state = new HashMap<>();
        informer.indexer().list().forEach(c -> state.put(Keys.of(c.getMetadata().getNamespace(), c.getMetadata().getName()),
                c.getMetadata().getResourceVersion()));
        return state;
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aThousandRapidUpdatesToOneObjectEndAtTheFinalState(String transport) throws Exception {
        ApiClient client = client(transport);
        String ns = namespace(client, "burst-one-" + transport);
        ResourceClient<ConfigMap> configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        configMaps.create(ns, configMap("hot", "-1"));
        awaitWatchCache(configMaps, ns, 1);
        try (InformerFactory factory = new InformerFactory(client, InformerOptions.DEFAULTS.inNamespace(ns))) {
            SharedInformer<ConfigMap> informer = factory.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            Recorder recorder = new Recorder();
            Registration registration = informer.addEventHandler(recorder);
            factory.start();
            assertTrue(factory.waitForSync(WAIT));
            await(registration::hasSynced, "the handler's initial list");
            assertEquals(List.of(new Recorder.Seen("add", ns + "/hot", "-1", true)), recorder.seen);

            String last = null;
            for (int i = 0; i < 1000; i++) {
                last = configMaps.patch(ns, "hot", PatchType.MERGE, "{\"data\":{\"n\":\"" + i + "\"}}")
                        .getMetadata().getResourceVersion();
            }
            String finalVersion = last;
            await(() -> informer.indexer().get(ns, "hot").map(c -> c.getMetadata().getResourceVersion())
                    .orElse("").equals(finalVersion), "the final version in the cache");
            assertEquals("999", informer.indexer().get(ns, "hot").orElseThrow().getData().get("n"));
            await(() -> recorder.seen.size() == 1001, "every update delivered to the handler");
            List<String> values = recorder.of("update").stream().map(Recorder.Seen::value).toList();
            for (int i = 0; i < 1000; i++) {
                assertEquals(Integer.toString(i), values.get(i), "updates arrive in order, none skipped");
            }
            assertEquals(finalVersion, informer.lastSyncResourceVersion());
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void burstsOverManyObjectsEndExactlyAtTheServerState(String transport) throws Exception {
        ApiClient client = client(transport);
        String ns = namespace(client, "burst-many-" + transport);
        ResourceClient<ConfigMap> configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        try (InformerFactory factory = new InformerFactory(client, InformerOptions.DEFAULTS.inNamespace(ns));
             ExecutorService writers = Executors.newFixedThreadPool(8, Thread.ofVirtual().factory())) {
            SharedInformer<ConfigMap> informer = factory.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            Recorder recorder = new Recorder();
            informer.addEventHandler(recorder);
            factory.start();
            assertTrue(informer.waitForSync(WAIT));

            // 200 objects, each created, updated four times; every other one deleted: 1,100 writes from 8 writers
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String name = "cm-" + i;
                boolean delete = i % 2 == 0;
                writes.add(writers.submit(() -> {
                    configMaps.create(ns, configMap(name, "0"));
                    for (int v = 1; v <= 4; v++) {
                        configMaps.patch(ns, name, PatchType.MERGE, "{\"data\":{\"n\":\"" + v + "\"}}");
                    }
                    if (delete) {
                        configMaps.delete(ns, name, DeleteOptions.NONE);
                    }
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get(5, TimeUnit.MINUTES);
            }
            Map<String, String> expected = serverState(configMaps, ns);
            assertEquals(100, expected.size());
            await(() -> cacheState(informer).equals(expected), "the cache to equal the server's state");
            Set<String> deleted = new java.util.HashSet<>();
            for (int i = 0; i < 200; i += 2) {
                deleted.add(ns + "/cm-" + i);
            }
            await(() -> recorder.of("delete").size() == 100, "every delete delivered");
            assertEquals(deleted, recorder.of("delete").stream().map(Recorder.Seen::key).collect(Collectors.toSet()));
            assertTrue(recorder.of("delete").stream().noneMatch(Recorder.Seen::flag), "deletes came from the watch, not a relist");
            assertTrue(recorder.of("delete").stream().allMatch(d -> "4".equals(d.value())), "deletes carry the final state");
            assertEquals(200, recorder.of("add").size());
            assertEquals(800, recorder.of("update").size());
            assertEquals(100, informer.indexer().byNamespace(ns).size());
        }
    }

    @Test
    void watchesThatTimeOutAreReopenedWithoutARelist() throws Exception {
        FlakyTransport transport = new FlakyTransport(server.inProcessTransport(new User("test", List.of("system:masters", "system:authenticated"))));
        ApiClient client = new ApiClient(transport);
        String ns = namespace(inProcess, "rewatch");
        ResourceClient<ConfigMap> configMaps = inProcess.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        try (InformerFactory factory = new InformerFactory(client, InformerOptions.DEFAULTS.inNamespace(ns)
                .withMinWatchTimeout(Duration.ofSeconds(1)))) {
            SharedInformer<ConfigMap> informer = factory.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            factory.start();
            assertTrue(informer.waitForSync(WAIT));
            for (int i = 0; i < 20; i++) {
                configMaps.create(ns, configMap("cm-" + i, "x"));
                Thread.sleep(250);
            }
            await(() -> transport.watches.get() >= 3, "watches ending and reopening");
            Map<String, String> expected = serverState(configMaps, ns);
            await(() -> cacheState(informer).equals(expected), "the cache to equal the server's state");
            assertEquals(1, transport.lists.get(), "a watch that ends is reopened from the last version, not relisted");
        }
    }

    @Test
    void aHandlerAddedLaterGetsTheCacheOnceThenChanges() throws Exception {
        String ns = namespace(inProcess, "late-handler");
        ResourceClient<ConfigMap> configMaps = inProcess.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        for (int i = 0; i < 5; i++) {
            configMaps.create(ns, configMap("cm-" + i, "0"));
        }
        awaitWatchCache(configMaps, ns, 5);
        try (InformerFactory factory = new InformerFactory(inProcess, InformerOptions.DEFAULTS.inNamespace(ns))) {
            SharedInformer<ConfigMap> informer = factory.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            assertSame(informer, factory.typed(Resources.CONFIG_MAPS, ConfigMap.class), "one informer per resource");
            assertNotSame(informer, factory.generic(Resources.CONFIG_MAPS));
            factory.start();
            assertTrue(factory.waitForSync(WAIT));
            Recorder late = new Recorder();
            Registration registration = informer.addEventHandler(late);
            await(registration::hasSynced, "the late handler's initial state");
            assertEquals(5, late.seen.size());
            assertTrue(late.seen.stream().allMatch(s -> s.type().equals("add") && s.flag()));
            configMaps.patch(ns, "cm-0", PatchType.MERGE, "{\"data\":{\"n\":\"1\"}}");
            await(() -> late.seen.size() == 6, "the change after the initial state");
            assertEquals(new Recorder.Seen("update", ns + "/cm-0", "1", false), late.seen.get(5));
            registration.remove();
            configMaps.patch(ns, "cm-0", PatchType.MERGE, "{\"data\":{\"n\":\"2\"}}");
            await(() -> informer.indexer().get(ns, "cm-0").orElseThrow().getData().get("n").equals("2"), "the cache");
            Thread.sleep(200);
            assertEquals(6, late.seen.size(), "a removed handler hears nothing more");
        }
    }

    @Test
    void indexesResyncAndMetadataInformers() throws Exception {
        String ns = namespace(inProcess, "indexes");
        ResourceClient<ConfigMap> configMaps = inProcess.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        for (int i = 0; i < 6; i++) {
            configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
                    .addToLabels("shard", Integer.toString(i % 3)).endMetadata().build());
        }
        try (InformerFactory factory = new InformerFactory(inProcess, InformerOptions.DEFAULTS.inNamespace(ns)
                .withResync(Duration.ofMillis(200)).withPageSize(2))) {
            SharedInformer<ConfigMap> informer = factory.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            informer.indexer().addIndex("shard", c -> List.of(c.getMetadata().getLabels().get("shard")));
            Recorder recorder = new Recorder();
            informer.addEventHandler(recorder);
            SharedInformer<PartialObjectMetadata> metadata = factory.metadata(Resources.CONFIG_MAPS);
            factory.start();
            assertTrue(factory.waitForSync(WAIT));
            assertEquals(Set.of("cm-1", "cm-4"), informer.indexer().byIndex("shard", "1").stream()
                    .map(c -> c.getMetadata().getName()).collect(Collectors.toSet()));
            configMaps.patch(ns, "cm-1", PatchType.MERGE, "{\"metadata\":{\"labels\":{\"shard\":\"2\"}}}");
            await(() -> informer.indexer().byIndex("shard", "1").size() == 1, "the index to follow a label change");
            assertEquals(3, informer.indexer().byIndex("shard", "2").size());
            await(() -> recorder.of("update").size() >= 13, "two resyncs of six objects");
            assertEquals(6, metadata.indexer().size());
            assertEquals("2", metadata.indexer().get(ns, "cm-1").orElseThrow().getMetadata().getLabels().get("shard"));
            assertFalse(informer.indexer().byNamespace(ns).isEmpty());
        }
    }
}
