package dev.kj.api.informers;

import static dev.kj.api.informers.InformerTest.await;
import static dev.kj.api.informers.InformerTest.cacheState;
import static dev.kj.api.informers.InformerTest.configMap;
import static dev.kj.api.informers.InformerTest.namespace;
import static dev.kj.api.informers.InformerTest.serverState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ObjectList;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.client.Transport;
import dev.kj.api.client.Watch;
import dev.kj.api.client.WatchEvent;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.authn.User;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.RealEtcd;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients and informers do when etcd's history is compacted under them: the API server runs
 * on a real etcd, compacted with etcdctl at the moment the test chooses.
 */
class CompactionTest extends ClusterTest {
    private RealEtcd etcd;
    private Etcdctl etcdctl;

    @Override
    protected TestCluster startCluster(Path dir) throws IOException {
        etcd = RealEtcd.start();
        etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(Map.of("ETCDCTL_API", "3"));
        // compaction only when the test asks for it; watches are served by the watch cache, whose
        // window (one event here) decides what is too old for them, as etcd's compaction does for reads
        return TestCluster.on(ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(etcd.clientUrl()),
                "127.0.0.1", 0, Duration.ZERO, null, null).withControllers(TestCluster.CONTROLLERS).withWatchCache(
                        new dev.kj.apiserver.storage.cacher.CacherConfig(1, 1000, Duration.ofMinutes(1), Duration.ofSeconds(3)))));
    }

    @AfterAll
    void stopEtcd() {
        if (cluster != null) {
            cluster.close(); // before its etcd
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    /** Compacts etcd's history up to the current revision. */
    private void compact() {
        String revision = inProcess.generic(Resources.NAMESPACES).list(null, ListOptions.NONE).resourceVersion();
        Etcdctl.Result result = etcdctl.run("compact", revision);
        assertTrue(result.ok(), result.stderr());
    }

    @Test
    void watchesListsAndPagesFromCompactedHistory() throws Exception {
        String ns = namespace(inProcess, "compacted-client");
        ResourceClient<ConfigMap> configMaps = inProcess.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        String old = configMaps.create(ns, configMap("c", "0")).getMetadata().getResourceVersion();
        for (int i = 1; i <= 3; i++) {
            configMaps.patch(ns, "c", PatchType.MERGE, "{\"data\":{\"n\":\"" + i + "\"}}");
        }
        compact();

        try (Watch<ConfigMap> watch = configMaps.watch(ns, ListOptions.NONE.withResourceVersion(old))) {
            WatchEvent<ConfigMap> event = watch.next();
            ApiException expired = ((WatchEvent.Error<ConfigMap>) assertInstanceOf(WatchEvent.Error.class, event)).exception();
            assertEquals(410, expired.code());
            assertTrue(expired.isResourceExpired());
            assertTrue(expired.getMessage().startsWith("too old resource version: " + old + " ("), expired.getMessage());
            assertNull(watch.next(), "the server ends the stream after the error");
        }
        ApiException exact = assertThrows(ApiException.class, () -> configMaps.list(ns,
                ListOptions.NONE.withResourceVersion(old).withResourceVersionMatch("Exact")));
        assertTrue(exact.isResourceExpired(), exact.getMessage());

        // a continue token outliving its revision: the pager reads everything in one list instead
        for (int i = 0; i < 5; i++) {
            configMaps.create(ns, configMap("p-" + i, "x"));
        }
        AtomicBoolean compactAfterFirstPage = new AtomicBoolean(true);
        Transport compactingTransport = new Transport() {
            @Override
            public Response send(Request request) throws IOException {
                Response response = inProcess.transport().send(request);
                if (request.query().containsKey("limit") && compactAfterFirstPage.getAndSet(false)) {
                    configMaps.patch(ns, "c", PatchType.MERGE, "{\"data\":{\"n\":\"moved\"}}");
                    compact();
                }
                return response;
            }

            @Override
            public void close() {
            }
        };
        ResourceClient<ConfigMap> paged = new ApiClient(compactingTransport).typed(Resources.CONFIG_MAPS, ConfigMap.class);
        ObjectList<ConfigMap> first = configMaps.list(ns, ListOptions.NONE.withLimit(2));
        configMaps.patch(ns, "c", PatchType.MERGE, "{\"data\":{\"n\":\"4\"}}");
        compact();
        ApiException tooOld = assertThrows(ApiException.class,
                () -> configMaps.list(ns, ListOptions.NONE.withLimit(2).withContinue(first.continueToken())));
        assertTrue(tooOld.isResourceExpired(), tooOld.getMessage());
        assertEquals("The provided continue parameter is too old to display a consistent list result. You can start a new"
                + " list without the continue parameter.", tooOld.getMessage());
        ObjectList<ConfigMap> all = paged.listAll(ns, ListOptions.NONE, 2);
        assertEquals(6, all.items().size());
        assertEquals("moved", all.items().getFirst().getData().get("n"), "the fallback list reads the newest state");
    }

    /**
     * A partition long enough for the history to be compacted: the informer's watch resumes at a
     * compacted version, gets 410 Expired, relists, and tells handlers what the relist found:
     * updates, adds, and deletes of objects it never saw deleted (tombstones with their last known state).
     */
    @ParameterizedTest
    @MethodSource("transports")
    void anInformerRelistsAfterCompactionAndReportsTombstones(String transportName) throws Exception {
        // its own transport, so the test's partition cuts only the informer
        Transport base = transportName.equals(TestCluster.HTTPS) ? ApiClient.fromKubeconfig(server.kubeconfig()).transport()
                : server.inProcessTransport(new User("test", List.of("system:masters", "system:authenticated")));
        FlakyTransport transport = new FlakyTransport(base);
        String ns = namespace(inProcess, "partition-" + transportName);
        ResourceClient<ConfigMap> configMaps = inProcess.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        for (int i = 0; i < 10; i++) {
            configMaps.create(ns, configMap("a" + i, "0"));
        }
        // the informer's first list reads resourceVersion "0", which the watch cache may answer a
        // moment behind the writes (as upstream's): wait until it holds them all
        await(() -> configMaps.list(ns, ListOptions.NONE.withResourceVersion("0")).items().size() == 10,
                "the watch cache to hold the ten objects");
        try (InformerFactory factory = new InformerFactory(new ApiClient(transport), InformerOptions.DEFAULTS.inNamespace(ns)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200)))) {
            SharedInformer<ConfigMap> informer = factory.typed(Resources.CONFIG_MAPS, ConfigMap.class);
            InformerTest.Recorder recorder = new InformerTest.Recorder();
            informer.addEventHandler(recorder);
            factory.start();
            assertTrue(informer.waitForSync(Duration.ofSeconds(60)));
            await(() -> recorder.seen.size() == 10, "the initial list");
            assertEquals(1, transport.lists.get());

            transport.cut();
            for (int i = 0; i < 3; i++) {
                configMaps.patch(ns, "a" + i, PatchType.MERGE, "{\"data\":{\"n\":\"1\"}}");
                configMaps.delete(ns, "a" + (i + 3), DeleteOptions.NONE);
                configMaps.create(ns, configMap("b" + i, "new"));
            }
            compact();
            transport.heal();

            Map<String, String> expected = serverState(configMaps, ns);
            await(() -> cacheState(informer).equals(expected), "the cache to equal the server's state after the relist");
            assertTrue(transport.lists.get() >= 2, "relisted");
            await(() -> recorder.of("delete").size() == 3, "the deletes the relist found");
            assertEquals(Set.of(ns + "/a3", ns + "/a4", ns + "/a5"),
                    recorder.of("delete").stream().map(InformerTest.Recorder.Seen::key).collect(Collectors.toSet()));
            assertTrue(recorder.of("delete").stream().allMatch(d -> d.flag() && d.value().equals("0")),
                    "tombstones: final state unknown, last known state given");
            List<InformerTest.Recorder.Seen> added = recorder.of("add").stream().filter(a -> !a.flag()).toList();
            assertEquals(Set.of(ns + "/b0", ns + "/b1", ns + "/b2"),
                    added.stream().map(InformerTest.Recorder.Seen::key).collect(Collectors.toSet()));
            assertTrue(recorder.of("update").stream().filter(u -> u.value().equals("1")).map(InformerTest.Recorder.Seen::key)
                    .collect(Collectors.toSet()).containsAll(Set.of(ns + "/a0", ns + "/a1", ns + "/a2")));
        } finally {
            base.close();
        }
    }
}
