package dev.kj.apiserver.storage.cacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.Freshness;
import dev.kj.apiserver.storage.ListPage;
import dev.kj.apiserver.storage.ListRequest;
import dev.kj.apiserver.storage.Selection;
import dev.kj.apiserver.storage.StorageEvent;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.storage.Watch;
import dev.kj.apiserver.storage.WatchRequest;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch cache over an in-process Rhino: what it answers from memory, and how its watches behave. */
class CacherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/registry/things/";

    @TempDir
    Path dir;

    private RhinoServer rhino;
    private EtcdStorage etcd;
    private final Map<String, AtomicLong> storageCalls = new ConcurrentHashMap<>();
    private Cachers cachers;

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        etcd = new EtcdStorage(rhino.newInProcessChannel(),
                (operation, key, nanos, failed) -> storageCalls.computeIfAbsent(operation, o -> new AtomicLong()).incrementAndGet());
    }

    private void cache(CacherConfig config) {
        cachers = new Cachers(etcd, config, CacherMetrics.unregistered());
        cachers.start(PREFIX, "things", CacherTest::attributes);
    }

    @AfterEach
    void stop() {
        if (cachers != null) {
            cachers.close();
        }
        etcd.close();
        rhino.close();
    }

    /** Labels from metadata.labels; the one field, spec.color. */
    private static Selection.Attributes attributes(StoredValue value) {
        try {
            JsonNode object = JSON.readTree(value.value());
            Map<String, String> labels = new HashMap<>();
            object.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            return new Selection.Attributes(labels, Map.of("spec.color", object.path("spec").path("color").asText("")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] thing(String app, String color) {
        return ("{\"metadata\":{\"labels\":{\"app\":\"" + app + "\"}},\"spec\":{\"color\":\"" + color + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Selection app(String app) {
        return attributes -> app.equals(attributes.labels().get("app"));
    }

    private long calls(String operation) {
        return storageCalls.getOrDefault(operation, new AtomicLong()).get();
    }

    @Test
    void listsAtAnyOrAConsistentRevisionComeFromMemory() {
        etcd.create(PREFIX + "ns/a", thing("x", "red"), 0);
        cache(CacherConfig.DEFAULT);
        assertTrue(cachers.consistentReads(), "Rhino's progress notifications follow its events");
        long rangesBefore = calls("list");
        long written = etcd.create(PREFIX + "ns/b", thing("y", "blue"), 0);

        // a consistent read sees the write just made (it waits for the cache to reach etcd's revision)
        ListPage consistent = cachers.list(PREFIX, new ListRequest(null, 0, Freshness.CONSISTENT, 0, Selection.EVERYTHING));
        assertEquals(List.of(PREFIX + "ns/a", PREFIX + "ns/b"), consistent.items().stream().map(StoredValue::key).toList());
        assertTrue(consistent.revision() >= written);
        ListPage any = cachers.list(PREFIX + "ns/", new ListRequest(null, 0, Freshness.ANY, 0, app("y")));
        assertEquals(List.of(PREFIX + "ns/b"), any.items().stream().map(StoredValue::key).toList(), "selection in the cache");
        assertEquals(rangesBefore, calls("list"), "no range read of etcd");

        // paging from memory: the limit counts matching items; later pages read etcd at the page's revision
        ListPage first = cachers.list(PREFIX, new ListRequest(null, 1, Freshness.ANY, 0, Selection.EVERYTHING));
        assertEquals(1, first.items().size());
        assertTrue(first.more());
        cachers.list(PREFIX, new ListRequest(PREFIX + "ns/a\0", 1, Freshness.EXACT, first.revision(), Selection.EVERYTHING));
        assertEquals(rangesBefore + 1, calls("list"), "an exact revision is etcd's to answer");
    }

    @Test
    void oneEtcdWatchFansOutToEveryWatcher() throws Exception {
        cache(CacherConfig.DEFAULT);
        List<BlockingQueue<StorageEvent>> received = List.of(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>(),
                new LinkedBlockingQueue<>());
        List<Watch> watches = received.stream().map(queue -> cachers.watch(PREFIX, new WatchRequest(
                WatchRequest.Start.NOW, 0, Freshness.ANY, false, false, Selection.EVERYTHING), queue::add)).toList();
        assertEquals(3, cachers.watchers(), "each client watch is served by the cache");
        long revision = etcd.create(PREFIX + "ns/a", thing("x", "red"), 0);
        for (BlockingQueue<StorageEvent> queue : received) {
            StorageEvent.Put put = assertInstanceOf(StorageEvent.Put.class, queue.poll(5, TimeUnit.SECONDS));
            assertEquals(revision, put.current().modRevision());
            assertNull(put.previous());
        }
        watches.forEach(Watch::close);
        assertEquals(0, cachers.watchers());
    }

    @Test
    void watchesFromTheWindowAndTooOldOnesExpire() throws Exception {
        cache(new CacherConfig(5, 100, Duration.ofMinutes(1), Duration.ofSeconds(3)));
        long created = etcd.create(PREFIX + "ns/a", thing("x", "red"), 0);
        long last = created;
        for (int i = 0; i < 9; i++) {
            last = etcd.update(PREFIX + "ns/a", thing("x", "c" + i), last, 0);
        }
        awaitCacheAt(last);
        BlockingQueue<StorageEvent> old = new LinkedBlockingQueue<>();
        cachers.watch(PREFIX, WatchRequest.after(created), old::add);
        StorageEvent.Expired expired = assertInstanceOf(StorageEvent.Expired.class, old.poll(5, TimeUnit.SECONDS));
        assertEquals(created + 1, expired.requestedRevision());
        assertTrue(expired.compactRevision() > created, "the newest revision pushed out of the window");

        BlockingQueue<StorageEvent> recent = new LinkedBlockingQueue<>();
        long from = last - 2;
        try (Watch watch = cachers.watch(PREFIX, WatchRequest.after(from), recent::add)) {
            assertEquals(from + 1, assertInstanceOf(StorageEvent.Put.class, recent.poll(5, TimeUnit.SECONDS)).current().modRevision());
            assertEquals(from + 2, assertInstanceOf(StorageEvent.Put.class, recent.poll(5, TimeUnit.SECONDS)).current().modRevision());
            assertNull(recent.poll(200, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void futureRevisionsWaitThenFailAsTooLarge() throws Exception {
        cache(new CacherConfig(100, 100, Duration.ofMinutes(1), Duration.ofMillis(300)));
        long now = etcd.create(PREFIX + "ns/a", thing("x", "red"), 0);
        BlockingQueue<StorageEvent> events = new LinkedBlockingQueue<>();
        cachers.watch(PREFIX, WatchRequest.after(now + 100), events::add);
        StorageEvent.TooLargeResourceVersion tooLarge = assertInstanceOf(StorageEvent.TooLargeResourceVersion.class,
                events.poll(5, TimeUnit.SECONDS));
        assertEquals(now + 100, tooLarge.requested());
        assertEquals(now, tooLarge.current());
    }

    @Test
    void initialEventsEndWithAMarkedBookmarkAndPeriodicBookmarksFollow() throws Exception {
        etcd.create(PREFIX + "ns/a", thing("x", "red"), 0);
        etcd.create(PREFIX + "ns/b", thing("y", "red"), 0);
        long last = etcd.create(PREFIX + "other/c", thing("x", "red"), 0);
        cache(new CacherConfig(100, 100, Duration.ofMillis(100), Duration.ofSeconds(3)));
        BlockingQueue<StorageEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = cachers.watch(PREFIX + "ns/", new WatchRequest(WatchRequest.Start.STATE, 0,
                Freshness.CONSISTENT, true, true, app("x")), events::add)) {
            assertEquals(PREFIX + "ns/a", assertInstanceOf(StorageEvent.Put.class, events.poll(5, TimeUnit.SECONDS)).current().key());
            StorageEvent.Bookmark end = assertInstanceOf(StorageEvent.Bookmark.class, events.poll(5, TimeUnit.SECONDS));
            assertTrue(end.initialEventsEnd());
            assertEquals(last, end.revision());
            StorageEvent.Bookmark periodic = assertInstanceOf(StorageEvent.Bookmark.class, events.poll(5, TimeUnit.SECONDS));
            assertFalse(periodic.initialEventsEnd());
        }
    }

    @Test
    void selectionsSeeObjectsLeaveAndTheRestIsFiltered() throws Exception {
        cache(CacherConfig.DEFAULT);
        BlockingQueue<StorageEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = cachers.watch(PREFIX, new WatchRequest(WatchRequest.Start.NOW, 0, Freshness.ANY, false, false,
                attributes -> attributes.fields().get("spec.color").equals("red")), events::add)) {
            long blue = etcd.create(PREFIX + "ns/blue", thing("x", "blue"), 0);
            long red = etcd.create(PREFIX + "ns/red", thing("x", "red"), 0);
            etcd.update(PREFIX + "ns/red", thing("x", "green"), red, 0);
            etcd.update(PREFIX + "ns/blue", thing("x", "green"), blue, 0);
            StorageEvent.Put added = assertInstanceOf(StorageEvent.Put.class, events.poll(5, TimeUnit.SECONDS));
            assertEquals(PREFIX + "ns/red", added.current().key());
            StorageEvent.Put left = assertInstanceOf(StorageEvent.Put.class, events.poll(5, TimeUnit.SECONDS));
            assertNotNull(left.previous(), "the change that took it out of the selection (the registry makes it DELETED)");
            assertNull(events.poll(300, TimeUnit.MILLISECONDS), "blue and green objects never concerned this watch");
        }
    }

    @Test
    void aSlowWatcherIsEndedWhileOthersKeepUp() throws Exception {
        cache(new CacherConfig(1000, 3, Duration.ofMinutes(1), Duration.ofSeconds(3)));
        CountDownLatch unblock = new CountDownLatch(1);
        BlockingQueue<StorageEvent> slow = new LinkedBlockingQueue<>();
        BlockingQueue<StorageEvent> fast = new LinkedBlockingQueue<>();
        WatchRequest now = new WatchRequest(WatchRequest.Start.NOW, 0, Freshness.ANY, false, false, Selection.EVERYTHING);
        cachers.watch(PREFIX, now, event -> {
            slow.add(event);
            try {
                unblock.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Watch watch = cachers.watch(PREFIX, now, fast::add)) {
            for (int i = 0; i < 20; i++) {
                etcd.create(PREFIX + "ns/o" + i, thing("x", "red"), 0);
            }
            for (int i = 0; i < 20; i++) {
                assertInstanceOf(StorageEvent.Put.class, fast.poll(5, TimeUnit.SECONDS), "event " + i);
            }
            assertEquals(1, cachers.watchers(), "the slow watcher was let go");
            unblock.countDown();
            StorageEvent last = null;
            for (StorageEvent event = slow.poll(5, TimeUnit.SECONDS); event != null; event = slow.poll(500, TimeUnit.MILLISECONDS)) {
                last = event;
            }
            assertInstanceOf(StorageEvent.Terminated.class, last);
        }
    }

    @Test
    void consistentReadsNeedARecentEtcd() {
        assertTrue(Cachers.supportsConsistentReads("3.5.21"));
        assertTrue(Cachers.supportsConsistentReads("3.4.31"));
        assertTrue(Cachers.supportsConsistentReads("3.6.0"));
        assertFalse(Cachers.supportsConsistentReads("3.4.23"));
        assertFalse(Cachers.supportsConsistentReads("3.5.12"));
        assertFalse(Cachers.supportsConsistentReads("unknown"));
    }

    private void awaitCacheAt(long revision) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (cachers.list(PREFIX, new ListRequest(null, 0, Freshness.ANY, 0, Selection.EVERYTHING)).revision() >= revision) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the cache never reached " + revision);
    }
}
