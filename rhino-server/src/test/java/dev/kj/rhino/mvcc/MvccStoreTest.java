package dev.kj.rhino.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.CompactionRequest;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import dev.kj.rhino.watch.WatchStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store-level etcd semantics on a real SQLite file (the gRPC-level suites run etcdctl and jetcd). */
class MvccStoreTest {
    @TempDir
    Path dir;
    MvccStore store;

    @BeforeEach
    void open() {
        store = MvccStore.open(SqliteBackend.open(dir.resolve("rhino.db")),
                new MvccStore.Options(Duration.ofMillis(200), Duration.ofMillis(100)));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    long put(String k, String v) {
        return store.put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build()).join().getHeader().getRevision();
    }

    RangeResponse get(String k, String end, long rev) {
        RangeRequest.Builder r = RangeRequest.newBuilder().setKey(b(k)).setRevision(rev);
        if (end != null) {
            r.setRangeEnd(b(end));
        }
        return store.range(r.build());
    }

    @Test
    void freshStoreIsAtRevisionOne() {
        assertEquals(1, store.currentRevision());
        assertEquals(0, get("a", "\0", 0).getCount());
    }

    @Test
    void putsAdvanceRevisionAndVersion() {
        assertEquals(2, put("a", "1"));
        assertEquals(3, put("a", "2"));
        assertEquals(4, put("b", "1"));
        var a = get("a", null, 0).getKvs(0);
        assertEquals(2, a.getCreateRevision());
        assertEquals(3, a.getModRevision());
        assertEquals(2, a.getVersion());
        assertEquals("1", get("a", null, 2).getKvs(0).getValue().toStringUtf8());
        assertEquals(4, get("a", null, 2).getHeader().getRevision(), "header carries the current revision");
        assertEquals(2, get("a", "c", 0).getCount());
    }

    @Test
    void limitKeepsTotalCount() {
        for (int i = 0; i < 5; i++) {
            put("k" + i, "v");
        }
        RangeResponse r = store.range(RangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).setLimit(2).build());
        assertEquals(2, r.getKvsCount());
        assertEquals(5, r.getCount());
        assertTrue(r.getMore());
    }

    @Test
    void futureAndCompactedRevisions() {
        put("a", "1");
        put("a", "2");
        put("a", "3");
        EtcdException future = assertThrows(EtcdException.class, () -> get("a", null, 100));
        assertEquals(EtcdError.FUTURE_REV, future.error());
        store.compact(CompactionRequest.newBuilder().setRevision(3).setPhysical(true).build()).join();
        EtcdException compacted = assertThrows(EtcdException.class, () -> get("a", null, 2));
        assertEquals(EtcdError.COMPACTED, compacted.error());
        assertEquals("2", get("a", null, 3).getKvs(0).getValue().toStringUtf8());
        assertEquals("3", get("a", null, 0).getKvs(0).getValue().toStringUtf8());
        CompletionException again = assertThrows(CompletionException.class,
                () -> store.compact(CompactionRequest.newBuilder().setRevision(3).build()).join());
        assertEquals(EtcdError.COMPACTED, ((EtcdException) again.getCause()).error());
    }

    @Test
    void txnComparesAndDuplicateKeys() {
        put("a", "1");
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b("a")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(b("1")))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("a")).setValue(b("2"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("b")).setValue(b("2"))))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("a"))))
                .build();
        TxnResponse first = store.txn(txn).join();
        assertTrue(first.getSucceeded());
        assertEquals(3, first.getHeader().getRevision(), "one revision for the whole txn");
        TxnResponse second = store.txn(txn).join();
        assertFalse(second.getSucceeded());
        assertEquals("2", second.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8());

        TxnRequest dup = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("x"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("x"))))
                .build();
        CompletionException e = assertThrows(CompletionException.class, () -> store.txn(dup).join());
        assertEquals(EtcdError.DUPLICATE_KEY, ((EtcdException) e.getCause()).error());
    }

    @Test
    void leaseExpiryDeletesKeysInOneRevision() throws Exception {
        long lease = store.lessor().grant(0, 2).join().getID();
        store.put(PutRequest.newBuilder().setKey(b("l1")).setLease(lease).build()).join();
        store.put(PutRequest.newBuilder().setKey(b("l2")).setLease(lease).build()).join();
        long before = store.currentRevision();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        while (get("l", "m", 0).getCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, get("l", "m", 0).getCount());
        assertEquals(before + 1, store.currentRevision());
        assertEquals(-1, store.lessor().timeToLive(lease, false).getTTL());
    }

    @Test
    void watchReplaysHistoryThenFollowsLive() throws Exception {
        put("w/a", "1");
        put("w/b", "1");
        BlockingQueue<WatchResponse> got = new LinkedBlockingQueue<>();
        try (WatchStream s = store.watchHub().openStream(got::put)) {
            s.create(WatchCreateRequest.newBuilder().setKey(b("w/")).setRangeEnd(b("w0"))
                    .setStartRevision(2).setPrevKv(true).build());
            WatchResponse created = got.poll(5, TimeUnit.SECONDS);
            assertTrue(created.getCreated());
            int seen = 0;
            while (seen < 2) {
                seen += got.poll(5, TimeUnit.SECONDS).getEventsCount();
            }
            put("w/a", "2");
            store.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("w/b")).build()).join();
            WatchResponse live = got.poll(5, TimeUnit.SECONDS);
            assertEquals(4, live.getEvents(0).getKv().getModRevision());
            assertEquals("1", live.getEvents(0).getPrevKv().getValue().toStringUtf8());
            WatchResponse del = got.poll(5, TimeUnit.SECONDS);
            assertEquals(Event.EventType.DELETE, del.getEvents(0).getType());
            assertEquals(5, del.getHeader().getRevision());
        }
    }

    @Test
    void aLargeDeleteRangeGivesPrevKvWatchersTheirPreviousValuesFromHistory() throws Exception {
        int keys = KvOps.LARGE_DELETE_KEYS;
        for (int from = 0; from < keys; from += 100) {
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int i = from; i < from + 100; i++) {
                txn.addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(b(String.format("big/%05d", i))).setValue(b("v" + i))));
            }
            store.txn(txn.build()).join();
        }
        BlockingQueue<WatchResponse> withPrevious = new LinkedBlockingQueue<>();
        BlockingQueue<WatchResponse> without = new LinkedBlockingQueue<>();
        try (WatchStream a = store.watchHub().openStream(withPrevious::put);
             WatchStream c = store.watchHub().openStream(without::put)) {
            a.create(WatchCreateRequest.newBuilder().setKey(b("big/")).setRangeEnd(b("big0")).setPrevKv(true).build());
            c.create(WatchCreateRequest.newBuilder().setKey(b("big/")).setRangeEnd(b("big0")).build());
            assertTrue(withPrevious.poll(5, TimeUnit.SECONDS).getCreated());
            assertTrue(without.poll(5, TimeUnit.SECONDS).getCreated());
            long revision = store.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("big/")).setRangeEnd(b("big0"))
                    .build()).join().getHeader().getRevision();
            int seen = 0;
            while (seen < keys) {
                WatchResponse r = withPrevious.poll(10, TimeUnit.SECONDS);
                for (Event e : r.getEventsList()) {
                    assertEquals(Event.EventType.DELETE, e.getType());
                    assertEquals(revision, e.getKv().getModRevision());
                    assertEquals("v" + seen, e.getPrevKv().getValue().toStringUtf8(), "previous value read back");
                    seen++;
                }
            }
            seen = 0;
            while (seen < keys) {
                WatchResponse r = without.poll(10, TimeUnit.SECONDS);
                for (Event e : r.getEventsList()) {
                    assertFalse(e.hasPrevKv());
                    seen++;
                }
            }
        }
    }

    @Test
    void restartKeepsData() {
        put("a", "1");
        long lease = store.lessor().grant(0, 100).join().getID();
        store.close();
        store = MvccStore.open(SqliteBackend.open(dir.resolve("rhino.db")), MvccStore.Options.defaults());
        assertEquals(2, store.currentRevision(), "a lease grant does not take a revision");
        assertEquals("1", get("a", null, 0).getKvs(0).getValue().toStringUtf8());
        long ttl = store.lessor().timeToLive(lease, false).getTTL();
        assertTrue(ttl > 90 && ttl <= 100, "lease survived with its remaining TTL: " + ttl);
    }
}
