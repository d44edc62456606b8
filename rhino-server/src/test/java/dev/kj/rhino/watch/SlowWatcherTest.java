package dev.kj.rhino.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.CompactionRequest;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import dev.kj.rhino.mvcc.MvccStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that stops reading must not lose events: its watchers fall back to catching up from
 * history, or are canceled with the compaction revision when that history is gone.
 */
class SlowWatcherTest {
    private static final int WRITES = 2_000; // far more responses than a stream may queue

    @TempDir
    Path dir;
    MvccStore store;

    @BeforeEach
    void open() {
        store = MvccStore.open(SqliteBackend.open(dir.resolve("rhino.db")),
                new MvccStore.Options(Duration.ofMinutes(10), Duration.ofMillis(50)));
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** A sink that blocks every send until released, like a client that stopped reading. */
    private static final class StalledClient implements WatchSink {
        final CountDownLatch release = new CountDownLatch(1);
        final LinkedBlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();

        @Override
        public void send(WatchResponse response) throws InterruptedException {
            received.put(response);
            release.await();
        }
    }

    private void writeMany() {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < WRITES; i++) {
            acks.add(store.put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("slow/" + (i % 50)))
                    .setValue(ByteString.copyFromUtf8("v" + i))
                    .build()));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void stalledWatcherIsCaughtUpFromHistoryWithEveryEventInOrder() throws Exception {
        StalledClient client = new StalledClient();
        try (WatchStream stream = store.watchHub().openStream(client)) {
            stream.create(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("slow/")).setRangeEnd(ByteString.copyFromUtf8("slow0"))
                    .setPrevKv(true).build());
            writeMany();
            client.release.countDown();

            long expected = 2;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long lastHeader = 0;
            while (expected <= WRITES + 1 && System.nanoTime() < deadline) {
                WatchResponse r = client.received.poll(1, TimeUnit.SECONDS);
                if (r == null) {
                    continue;
                }
                assertFalse(r.getCanceled(), "not canceled: history is all there");
                assertTrue(r.getHeader().getRevision() >= lastHeader, "header revisions never go backwards");
                lastHeader = r.getHeader().getRevision();
                for (Event e : r.getEventsList()) {
                    assertEquals(expected, e.getKv().getModRevision(), "events arrive once each, in order");
                    if (e.getKv().getVersion() > 1) {
                        assertTrue(e.hasPrevKv(), "prev_kv kept on the catch-up path");
                    }
                    expected++;
                }
            }
            assertEquals(WRITES + 2, expected, "every write was delivered");
        }
    }

    @Test
    void stalledWatcherWhoseHistoryWasCompactedIsCanceledWithTheRevision() throws Exception {
        StalledClient client = new StalledClient();
        try (WatchStream stream = store.watchHub().openStream(client)) {
            stream.create(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("slow/")).setRangeEnd(ByteString.copyFromUtf8("slow0")).build());
            writeMany();
            long compactTo = store.currentRevision();
            store.compact(CompactionRequest.newBuilder().setRevision(compactTo).setPhysical(true).build()).join();
            client.release.countDown();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long next = 2;
            while (System.nanoTime() < deadline) {
                WatchResponse r = client.received.poll(1, TimeUnit.SECONDS);
                if (r == null) {
                    continue;
                }
                for (Event e : r.getEventsList()) {
                    assertEquals(next++, e.getKv().getModRevision(), "no event skipped before the cancel");
                }
                if (r.getCanceled()) {
                    assertEquals(compactTo, r.getCompactRevision());
                    return;
                }
            }
            // Everything may have been queued before the compaction: then all events must be there.
            assertEquals(WRITES + 2, next, "neither canceled nor complete");
        }
    }
}
