package dev.kj.rhino.jetcd;

import static dev.kj.rhino.jetcd.InProcessRhino.bytes;
import static dev.kj.rhino.jetcd.InProcessRhino.text;
import static dev.kj.rhino.jetcd.InProcessRhino.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.Watch.Watcher;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchEvent.EventType;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jetcd's Watch client against Rhino, following jetcd's WatchTest (names in the comments), each case
 * with a plain and a namespaced client as upstream does; plus prefix, prev_kv, historical start and
 * resuming after a compaction error.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WatchTest {
    static final long WAIT_SECONDS = 10;
    static final ByteSequence NAMESPACE = bytes("test-namespace/");
    static InProcessRhino rhino;
    static Client plain;
    static Client namespaced;

    @BeforeAll
    static void start() {
        rhino = InProcessRhino.start();
        plain = rhino.newClient();
        namespaced = rhino.newClient(NAMESPACE);
    }

    @AfterAll
    static void stop() {
        if (rhino != null) {
            rhino.close();
        }
    }

    static Stream<Arguments> clients() {
        return Stream.of(Arguments.of(Named.plain), Arguments.of(Named.namespaced));
    }

    enum Named {
        plain, namespaced;

        Client client() {
            return this == plain ? WatchTest.plain : WatchTest.namespaced;
        }
    }

    /** Collects responses and errors of one watcher. */
    static final class Recorder implements Watch.Listener {
        final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final CountDownLatch completed = new CountDownLatch(1);
        final CountDownLatch failed = new CountDownLatch(1);
        final CountDownLatch created = new CountDownLatch(1);
        volatile boolean swallowCreated;

        @Override
        public void onNext(WatchResponse response) {
            if (swallowCreated && response.isCreatedNotify()) {
                created.countDown();
                return;
            }
            responses.add(response);
        }

        @Override
        public void onError(Throwable throwable) {
            error.set(throwable);
            failed.countDown();
        }

        @Override
        public void onCompleted() {
            completed.countDown();
        }

        WatchResponse next() throws InterruptedException {
            WatchResponse response = responses.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(response, "no watch response within " + WAIT_SECONDS + " s; error: " + error.get());
            return response;
        }

        /** The next {@code count} events, across however many responses carry them. */
        List<WatchEvent> events(int count) throws InterruptedException {
            List<WatchEvent> events = new ArrayList<>();
            while (events.size() < count) {
                events.addAll(next().getEvents());
            }
            assertEquals(count, events.size(), "more events than expected: " + events);
            return events;
        }

        void assertQuiet(long millis) throws InterruptedException {
            WatchResponse extra = responses.poll(millis, TimeUnit.MILLISECONDS);
            assertNull(extra, () -> "unexpected watch response: " + extra.getEvents());
        }
    }

    /**
     * Watches and returns once the server has created the watch, so a write that follows cannot
     * reach the server first (upstream's tests race here; a loaded machine loses that race).
     */
    static Watcher watchCreated(Client client, ByteSequence key, WatchOption.Builder option, Recorder recorder)
            throws InterruptedException {
        recorder.swallowCreated = true;
        Watcher watcher = client.getWatchClient().watch(key, option.withCreateNotify(true).build(), recorder);
        assertTrue(recorder.created.await(WAIT_SECONDS, TimeUnit.SECONDS), "watch not created");
        return watcher;
    }

    // testNamespacedAndNotNamespacedClient
    @Test
    void namespacedWatcherSeesKeysWrittenUnderItsNamespace() throws Exception {
        ByteSequence key = bytes(unique("ns"));
        Recorder recorder = new Recorder();
        try (Watcher ignored = watchCreated(namespaced, key, WatchOption.builder(), recorder)) {
            plain.getKVClient().put(NAMESPACE.concat(key), bytes("v")).get();
            List<WatchEvent> events = recorder.events(1);
            assertEquals(EventType.PUT, events.get(0).getEventType());
            assertEquals(key, events.get(0).getKeyValue().getKey());
        }
    }

    // testWatchOnPut
    @ParameterizedTest
    @MethodSource("clients")
    void watchOnPut(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("put"));
        Recorder recorder = new Recorder();
        try (Watcher ignored = watchCreated(client, key, WatchOption.builder(), recorder)) {
            long revision = client.getKVClient().put(key, bytes("value")).get().getHeader().getRevision();
            WatchResponse response = recorder.next();
            assertEquals(1, response.getEvents().size());
            WatchEvent event = response.getEvents().get(0);
            assertEquals(EventType.PUT, event.getEventType());
            assertEquals(key, event.getKeyValue().getKey());
            assertEquals("value", text(event.getKeyValue().getValue()));
            assertEquals(revision, event.getKeyValue().getModRevision());
            assertEquals(revision, response.getHeader().getRevision());
        }
    }

    // testMultipleWatch
    @ParameterizedTest
    @MethodSource("clients")
    void twoWatchersOnOneKeyBothSeeTheEvent(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("multi"));
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        try (Watcher w1 = watchCreated(client, key, WatchOption.builder(), first);
             Watcher w2 = watchCreated(client, key, WatchOption.builder(), second)) {
            client.getKVClient().put(key, bytes("v")).get();
            WatchEvent a = first.events(1).get(0);
            WatchEvent b = second.events(1).get(0);
            // jetcd's KeyValue has no equals: compare what identifies the event
            assertEquals(key, a.getKeyValue().getKey());
            assertEquals(a.getKeyValue().getKey(), b.getKeyValue().getKey());
            assertEquals(a.getKeyValue().getModRevision(), b.getKeyValue().getModRevision());
            assertEquals(a.getKeyValue().getValue(), b.getKeyValue().getValue());
            assertEquals(EventType.PUT, a.getEventType());
        }
    }

    // testWatchOnDelete
    @ParameterizedTest
    @MethodSource("clients")
    void watchOnDelete(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("delete"));
        client.getKVClient().put(key, bytes("v")).get();
        Recorder recorder = new Recorder();
        try (Watcher ignored = watchCreated(client, key, WatchOption.builder(), recorder)) {
            long revision = client.getKVClient().delete(key).get().getHeader().getRevision();
            WatchEvent event = recorder.events(1).get(0);
            assertEquals(EventType.DELETE, event.getEventType());
            assertEquals(key, event.getKeyValue().getKey());
            assertEquals(revision, event.getKeyValue().getModRevision());
        }
    }

    @ParameterizedTest
    @MethodSource("clients")
    void prefixWatchSeesOnlyKeysUnderThePrefix(Named which) throws Exception {
        Client client = which.client();
        String prefix = unique("prefix");
        KV kv = client.getKVClient();
        Recorder recorder = new Recorder();
        try (Watcher ignored = watchCreated(client, bytes(prefix),
                WatchOption.builder().isPrefix(true), recorder)) {
            kv.put(bytes(prefix + "a"), bytes("1")).get();
            kv.put(bytes(prefix.substring(0, prefix.length() - 1)), bytes("outside")).get();
            kv.put(bytes(unique("elsewhere")), bytes("outside")).get();
            kv.put(bytes(prefix + "b"), bytes("2")).get();
            kv.delete(bytes(prefix + "a")).get();
            List<WatchEvent> events = recorder.events(3);
            assertEquals(List.of("PUT a", "PUT b", "DELETE a"), events.stream()
                    .map(e -> e.getEventType() + " " + text(e.getKeyValue().getKey()).substring(prefix.length()))
                    .toList());
            recorder.assertQuiet(300);
        }
    }

    @ParameterizedTest
    @MethodSource("clients")
    void prevKvCarriesTheValueBeforeEachEvent(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("prevkv"));
        client.getKVClient().put(key, bytes("first")).get();
        Recorder recorder = new Recorder();
        try (Watcher ignored = watchCreated(client, key, WatchOption.builder().withPrevKV(true),
                recorder)) {
            client.getKVClient().put(key, bytes("second")).get();
            client.getKVClient().delete(key).get();
            List<WatchEvent> events = recorder.events(2);
            assertEquals("second", text(events.get(0).getKeyValue().getValue()));
            assertEquals("first", text(events.get(0).getPrevKV().getValue()));
            assertEquals(EventType.DELETE, events.get(1).getEventType());
            assertEquals("second", text(events.get(1).getPrevKV().getValue()));
        }
    }

    @ParameterizedTest
    @MethodSource("clients")
    void watchFromAnOldRevisionReplaysHistoryInOrder(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("history"));
        KV kv = client.getKVClient();
        long first = kv.put(key, bytes("1")).get().getHeader().getRevision();
        kv.put(bytes(unique("noise")), bytes("x")).get();
        long second = kv.put(key, bytes("2")).get().getHeader().getRevision();
        long third = kv.delete(key).get().getHeader().getRevision();
        Recorder recorder = new Recorder();
        try (Watcher ignored = client.getWatchClient().watch(key, WatchOption.builder().withRevision(first).build(),
                recorder)) {
            List<WatchEvent> events = recorder.events(3);
            assertEquals(List.of(first, second, third),
                    events.stream().map(e -> e.getKeyValue().getModRevision()).toList());
            assertEquals(List.of(EventType.PUT, EventType.PUT, EventType.DELETE),
                    events.stream().map(WatchEvent::getEventType).toList());
            long live = kv.put(key, bytes("3")).get().getHeader().getRevision();
            assertEquals(live, recorder.events(1).get(0).getKeyValue().getModRevision());
        }
    }

    // testWatchCompacted
    @ParameterizedTest
    @MethodSource("clients")
    void watchFromACompactedRevisionReportsCompactedException(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("compacted"));
        long compactedAt = compactedRevision(client, key);
        Recorder recorder = new Recorder();
        try (Watcher ignored = client.getWatchClient().watch(key,
                WatchOption.builder().withRevision(compactedAt - 1).build(), recorder)) {
            assertTrue(recorder.failed.await(WAIT_SECONDS, TimeUnit.SECONDS), "no error reported");
            CompactedException error = assertInstanceOf(CompactedException.class, recorder.error.get());
            assertEquals(compactedAt, error.getCompactedRevision());
        }
    }

    // testCancelledWatchGetsClosed
    @ParameterizedTest
    @MethodSource("clients")
    void aWatchCancelledForCompactionIsCompleted(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("closed"));
        long compactedAt = compactedRevision(client, key);
        Recorder recorder = new Recorder();
        try (Watcher ignored = client.getWatchClient().watch(key,
                WatchOption.builder().withRevision(compactedAt - 1).build(), recorder)) {
            assertTrue(recorder.failed.await(WAIT_SECONDS, TimeUnit.SECONDS), "no error reported");
            assertInstanceOf(CompactedException.class, recorder.error.get());
            assertTrue(recorder.completed.await(WAIT_SECONDS, TimeUnit.SECONDS), "onCompleted not called");
        }
    }

    @ParameterizedTest
    @MethodSource("clients")
    void rewatchFromTheCompactRevisionResumes(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("resume"));
        KV kv = client.getKVClient();
        kv.put(key, bytes("a")).get();
        kv.put(key, bytes("b")).get();
        long kept = kv.put(key, bytes("c")).get().getHeader().getRevision();
        long after = kv.put(key, bytes("d")).get().getHeader().getRevision();
        kv.compact(kept).get();

        Recorder stale = new Recorder();
        long compactRevision;
        try (Watcher ignored = client.getWatchClient().watch(key, WatchOption.builder().withRevision(2).build(),
                stale)) {
            assertTrue(stale.failed.await(WAIT_SECONDS, TimeUnit.SECONDS), "no error reported");
            compactRevision = assertInstanceOf(CompactedException.class, stale.error.get()).getCompactedRevision();
        }
        assertEquals(kept, compactRevision);

        Recorder resumed = new Recorder();
        try (Watcher ignored = client.getWatchClient().watch(key,
                WatchOption.builder().withRevision(compactRevision).build(), resumed)) {
            List<WatchEvent> events = resumed.events(2);
            assertEquals(List.of("c", "d"), events.stream().map(e -> text(e.getKeyValue().getValue())).toList());
            assertEquals(List.of(kept, after), events.stream().map(e -> e.getKeyValue().getModRevision()).toList());
            assertNull(resumed.error.get());
        }
    }

    // testWatchClose
    @ParameterizedTest
    @MethodSource("clients")
    void aClosedWatcherGetsNoMoreEvents(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("close"));
        Recorder recorder = new Recorder();
        try (Watcher ignored = watchCreated(client, key, WatchOption.builder(), recorder)) {
            client.getKVClient().put(key, bytes("seen")).get();
            assertEquals("seen", text(recorder.events(1).get(0).getKeyValue().getValue()));
        }
        client.getKVClient().put(key, bytes("unseen")).get();
        recorder.assertQuiet(500);
    }

    // testProgressRequest
    @ParameterizedTest
    @MethodSource("clients")
    void progressRequestBringsIdleWatchersToTheCurrentRevision(Named which) throws Exception {
        Client client = which.client();
        // A client of its own: progress requests go to every watcher of one stream.
        Client own = which == Named.plain ? rhino.newClient() : rhino.newClient(NAMESPACE);
        Watch watch = own.getWatchClient();
        ByteSequence key = bytes(unique("progress"));
        Recorder active = new Recorder();
        Recorder idle = new Recorder();
        // Created notifications first: the new client's stream may reach the server after the put.
        WatchOption created = WatchOption.builder().withCreateNotify(true).build();
        try (Watcher w1 = watch.watch(key, created, active);
             Watcher w2 = watch.watch(key.concat(bytes("-idle")), created, idle)) {
            assertTrue(active.next().isCreatedNotify());
            assertTrue(idle.next().isCreatedNotify());
            long revision = client.getKVClient().put(key, bytes("v")).get().getHeader().getRevision();
            assertEquals(1, active.next().getEvents().size());
            watch.requestProgress();
            WatchResponse activeProgress = active.next();
            WatchResponse idleProgress = idle.next();
            assertTrue(activeProgress.isProgressNotify());
            assertTrue(idleProgress.isProgressNotify());
            assertEquals(revision, activeProgress.getHeader().getRevision());
            assertEquals(revision, idleProgress.getHeader().getRevision());
        }
    }

    // testWatchFutureRevisionIsNotOverwrittenOnCreation (without the restart)
    @ParameterizedTest
    @MethodSource("clients")
    void watchFromTheNextRevisionSeesNothingOld(Named which) throws Exception {
        Client client = which.client();
        ByteSequence key = bytes(unique("future"));
        long last = client.getKVClient().put(key, bytes("old")).get().getHeader().getRevision();
        Recorder recorder = new Recorder();
        try (Watcher ignored = client.getWatchClient().watch(key, WatchOption.builder().withRevision(last + 1).build(),
                recorder)) {
            recorder.assertQuiet(500);
            client.getKVClient().put(key, bytes("new")).get();
            assertEquals("new", text(recorder.events(1).get(0).getKeyValue().getValue()));
        }
    }

    // testWatchWithCreatedNotify
    @ParameterizedTest
    @MethodSource("clients")
    void createdNotify(Named which) throws Exception {
        Client client = which.client();
        Recorder recorder = new Recorder();
        try (Watcher ignored = client.getWatchClient().watch(bytes(unique("created")),
                WatchOption.builder().withCreateNotify(true).build(), recorder)) {
            WatchResponse response = recorder.next();
            assertTrue(response.isCreatedNotify());
            assertTrue(response.getEvents().isEmpty());
        }
    }

    /** Puts {@code key} twice and compacts at the second put; returns that revision. */
    private static long compactedRevision(Client client, ByteSequence key) throws Exception {
        client.getKVClient().put(key, bytes("1")).get();
        long revision = client.getKVClient().put(key, bytes("2")).get().getHeader().getRevision();
        client.getKVClient().compact(revision).get();
        return revision;
    }
}
