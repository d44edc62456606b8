package dev.kj.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.core.namespace.NamespaceLifecycle;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.ListPage;
import dev.kj.apiserver.storage.ListRequest;
import dev.kj.apiserver.storage.Storage;
import dev.kj.apiserver.storage.StorageEvent;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.storage.Watch;
import dev.kj.apiserver.storage.WatchRequest;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates start from the watch cache's copy of the object, which may lag etcd: whatever the cache
 * holds, an update must decide as it would on etcd's current value (no false conflicts, no missed
 * ones, no write skipped as a no-op). The cache here is held back on purpose: it keeps the value
 * the test pins while Rhino moves on.
 */
class StaleCacheUpdateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private RhinoServer rhino;
    private EtcdStorage etcd;
    private LaggingCache storage;
    private GenericStore configMaps;

    /** etcd, with a "cache" that answers {@link #cached} with values the test pinned. */
    private static final class LaggingCache implements Storage {
        private final EtcdStorage etcd;
        private final Map<String, StoredValue> pinned = new ConcurrentHashMap<>();

        LaggingCache(EtcdStorage etcd) {
            this.etcd = etcd;
        }

        void pin(String key) {
            pinned.put(key, etcd.get(key).orElseThrow());
        }

        @Override
        public Optional<StoredValue> cached(String key) {
            return Optional.ofNullable(pinned.get(key));
        }

        @Override
        public Optional<StoredValue> get(String key) {
            return etcd.get(key);
        }

        @Override
        public long create(String key, byte[] value, long lease) {
            return etcd.create(key, value, lease);
        }

        @Override
        public long update(String key, byte[] value, long expectedModRevision, long lease) {
            return etcd.update(key, value, expectedModRevision, lease);
        }

        @Override
        public StorageEvent.Delete delete(String key, long expectedModRevision) {
            return etcd.delete(key, expectedModRevision);
        }

        @Override
        public ListPage list(String prefix, ListRequest request) {
            return etcd.list(prefix, request);
        }

        @Override
        public Watch watch(String prefix, WatchRequest request, Consumer<StorageEvent> events) {
            return etcd.watch(prefix, request, events);
        }

        @Override
        public long grantLease(long ttlSeconds) {
            return etcd.grantLease(ttlSeconds);
        }
    }

    private static final String KEY = "/registry/configmaps/default/a";

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        etcd = new EtcdStorage(rhino.newInProcessChannel());
        storage = new LaggingCache(etcd);
        ResourceCatalog catalog = BuiltInResources.catalog();
        ResourceDescription ns = catalog.find("", "v1", "namespaces").orElseThrow();
        GenericStore.NamespaceLookup lookup = new NamespaceLifecycle(etcd, null, ns, JSON);
        new GenericStore(ns, storage, JSON, CLOCK, lookup).create(null, object("{\"metadata\":{\"name\":\"default\"}}"), false);
        configMaps = new GenericStore(catalog.find("", "v1", "configmaps").orElseThrow(), storage, JSON, CLOCK, lookup);
    }

    @AfterEach
    void stop() {
        etcd.close();
        rhino.close();
    }

    /** Creates the configmap with data k=1, pins that state as the cache's, then moves etcd on to k=2. */
    private ObjectNode staleCache() {
        configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"1\"}}"), false);
        storage.pin(KEY);
        ObjectNode current = configMaps.get("default", "a");
        current.with("data").put("k", "2");
        return configMaps.update("default", "a", current, false);
    }

    @Test
    void anUpdateAtEtcdsVersionIsNoConflictWhenTheCacheIsBehind() {
        ObjectNode second = staleCache();
        ObjectNode third = second.deepCopy();
        third.with("data").put("k", "3");
        ObjectNode written = configMaps.update("default", "a", third, false);
        assertEquals("3", written.path("data").path("k").asText());
        assertEquals(Long.toString(etcd.get(KEY).orElseThrow().modRevision()), written.path("metadata").path("resourceVersion").asText());
    }

    @Test
    void anUpdateAtTheCachesOldVersionStillConflicts() {
        ObjectNode second = staleCache();
        ObjectNode old = second.deepCopy();
        old.with("metadata").put("resourceVersion", Long.toString(storage.cached(KEY).orElseThrow().modRevision()));
        old.with("data").put("k", "3");
        StatusException conflict = assertThrows(StatusException.class, () -> configMaps.update("default", "a", old, false));
        assertEquals(409, conflict.code());
        assertEquals("Conflict", conflict.reason());
        assertEquals("2", configMaps.get("default", "a").path("data").path("k").asText());
    }

    @Test
    void anUpdateBackToTheCachedStateIsWrittenNotTakenForANoOp() {
        staleCache();
        long before = etcd.get(KEY).orElseThrow().modRevision();
        ObjectNode back = configMaps.get("default", "a");
        back.with("data").put("k", "1");
        back.with("metadata").remove("resourceVersion");
        ObjectNode written = configMaps.update("default", "a", back, false);
        assertEquals("1", written.path("data").path("k").asText());
        assertNotEquals(before, etcd.get(KEY).orElseThrow().modRevision(), "the write reached etcd");
        assertEquals("1", configMaps.get("default", "a").path("data").path("k").asText());
    }

    @Test
    void aRealNoOpIsStillNotWritten() {
        ObjectNode second = staleCache();
        storage.pin(KEY); // the cache has caught up
        long before = etcd.get(KEY).orElseThrow().modRevision();
        configMaps.update("default", "a", second, false);
        assertEquals(before, etcd.get(KEY).orElseThrow().modRevision());
    }

    @Test
    void aPatchAppliesToEtcdsValueWhenTheCacheIsBehind() {
        staleCache();
        ObjectNode patched = configMaps.patch("default", "a", GenericStore.PatchType.MERGE_PATCH,
                object("{\"data\":{\"x\":\"y\"}}"), false);
        assertEquals("2", patched.path("data").path("k").asText(), "patched over k=2, not the cache's k=1");
        assertEquals("y", patched.path("data").path("x").asText());
        assertEquals("2", configMaps.get("default", "a").path("data").path("k").asText());
    }

    @Test
    void aPatchBackToTheCachedStateIsWritten() {
        staleCache();
        long before = etcd.get(KEY).orElseThrow().modRevision();
        ObjectNode patched = configMaps.patch("default", "a", GenericStore.PatchType.MERGE_PATCH,
                object("{\"data\":{\"k\":\"1\"}}"), false);
        assertEquals("1", patched.path("data").path("k").asText());
        assertNotEquals(before, etcd.get(KEY).orElseThrow().modRevision(), "the write reached etcd");
    }

    @Test
    void aPatchWithTheCachesOldVersionConflicts() {
        staleCache();
        String old = Long.toString(storage.cached(KEY).orElseThrow().modRevision());
        StatusException conflict = assertThrows(StatusException.class, () -> configMaps.patch("default", "a",
                GenericStore.PatchType.MERGE_PATCH, object("{\"metadata\":{\"resourceVersion\":\"" + old
                        + "\"},\"data\":{\"k\":\"3\"}}"), false));
        assertEquals(409, conflict.code());
        assertEquals("2", configMaps.get("default", "a").path("data").path("k").asText());
    }

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
