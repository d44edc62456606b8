package dev.kj.rhino.jetcd;

import static dev.kj.rhino.jetcd.InProcessRhino.bytes;
import static dev.kj.rhino.jetcd.InProcessRhino.text;
import static dev.kj.rhino.jetcd.InProcessRhino.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.GetOption.SortOrder;
import io.etcd.jetcd.options.GetOption.SortTarget;
import io.etcd.jetcd.options.PutOption;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jetcd's KV client against Rhino. The checklist is jetcd's own KVTest (names in the comments),
 * plus limit/sort/revision/compaction cases its suite leaves to etcd's.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KvTest {
    static InProcessRhino rhino;
    static KV kv;

    @BeforeAll
    static void start() {
        rhino = InProcessRhino.start();
        kv = rhino.newClient().getKVClient();
    }

    @AfterAll
    static void stop() {
        if (rhino != null) {
            rhino.close();
        }
    }

    // testPut
    @Test
    void putAnswersWithHeaderAndNoPrevKv() throws Exception {
        PutResponse response = kv.put(bytes(unique("put")), bytes("v")).get();
        assertTrue(response.getHeader().getRevision() > 1, "revision " + response.getHeader().getRevision());
        assertNotEquals(0, response.getHeader().getClusterId());
        assertNotEquals(0, response.getHeader().getMemberId());
        assertFalse(response.hasPrevKv());
    }

    @Test
    void putWithPrevKvReturnsTheReplacedValue() throws Exception {
        ByteSequence key = bytes(unique("prev"));
        kv.put(key, bytes("old")).get();
        PutResponse response = kv.put(key, bytes("new"), PutOption.builder().withPrevKV().build()).get();
        assertTrue(response.hasPrevKv());
        assertEquals("old", text(response.getPrevKv().getValue()));
    }

    // testPutWithNotExistLease
    @Test
    void putWithUnknownLeaseFailsWithEtcdsText() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> kv.put(bytes(unique("lease")), bytes("v"), PutOption.builder().withLeaseId(99999).build()).get());
        assertTrue(e.getMessage().endsWith("etcdserver: requested lease not found"), e.getMessage());
    }

    // testGet
    @Test
    void getReturnsWhatWasPut() throws Exception {
        ByteSequence key = bytes(unique("get"));
        PutResponse put = kv.put(key, bytes("value2")).get();
        GetResponse response = kv.get(key).get();
        assertEquals(1, response.getKvs().size());
        KeyValue kvPair = response.getKvs().get(0);
        assertEquals("value2", text(kvPair.getValue()));
        assertEquals(put.getHeader().getRevision(), kvPair.getModRevision());
        assertEquals(put.getHeader().getRevision(), kvPair.getCreateRevision());
        assertEquals(1, kvPair.getVersion());
        assertFalse(response.isMore());
    }

    // testGetWithRev
    @Test
    void getAtAnOlderRevisionSeesTheOlderValue() throws Exception {
        ByteSequence key = bytes(unique("rev"));
        PutResponse first = kv.put(key, bytes("one")).get();
        kv.put(key, bytes("two")).get();
        GetResponse old = kv.get(key, GetOption.builder().withRevision(first.getHeader().getRevision()).build()).get();
        assertEquals(1, old.getKvs().size());
        assertEquals("one", text(old.getKvs().get(0).getValue()));
        GetResponse now = kv.get(key).get();
        assertEquals("two", text(now.getKvs().get(0).getValue()));
        assertEquals(2, now.getKvs().get(0).getVersion());
    }

    @Test
    void getAtAFutureRevisionFails() throws Exception {
        long current = kv.put(bytes(unique("future")), bytes("v")).get().getHeader().getRevision();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> kv.get(bytes("x"), GetOption.builder().withRevision(current + 1000).build()).get());
        assertTrue(e.getMessage().endsWith("etcdserver: mvcc: required revision is a future revision"), e.getMessage());
    }

    // testGetSortedPrefix
    @Test
    void getPrefixSortedByKeyDescending() throws Exception {
        String prefix = unique("sorted");
        putKeysWithPrefix(prefix, 3);
        GetResponse response = kv.get(bytes(prefix), GetOption.builder().withSortField(SortTarget.KEY)
                .withSortOrder(SortOrder.DESCEND).isPrefix(true).build()).get();
        assertEquals(3, response.getKvs().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(prefix + (2 - i), text(response.getKvs().get(i).getKey()));
            assertEquals(String.valueOf(2 - i), text(response.getKvs().get(i).getValue()));
        }
    }

    @Test
    void limitCutsTheResultButCountsEverything() throws Exception {
        String prefix = unique("limit");
        putKeysWithPrefix(prefix, 5);
        GetResponse response = kv.get(bytes(prefix), GetOption.builder().isPrefix(true).withLimit(2).build()).get();
        assertEquals(List.of(prefix + "0", prefix + "1"), response.getKvs().stream().map(k -> text(k.getKey())).toList());
        assertTrue(response.isMore());
        assertEquals(5, response.getCount());
    }

    @Test
    void sortByValueAndByModRevision() throws Exception {
        String prefix = unique("sortvalue");
        kv.put(bytes(prefix + "a"), bytes("3")).get();
        kv.put(bytes(prefix + "b"), bytes("1")).get();
        kv.put(bytes(prefix + "c"), bytes("2")).get();
        kv.put(bytes(prefix + "a"), bytes("3")).get();
        GetResponse byValue = kv.get(bytes(prefix), GetOption.builder().isPrefix(true)
                .withSortField(SortTarget.VALUE).withSortOrder(SortOrder.ASCEND).build()).get();
        assertEquals(List.of("b", "c", "a"), suffixes(prefix, byValue));
        GetResponse byModDescending = kv.get(bytes(prefix), GetOption.builder().isPrefix(true)
                .withSortField(SortTarget.MOD).withSortOrder(SortOrder.DESCEND).build()).get();
        assertEquals(List.of("a", "c", "b"), suffixes(prefix, byModDescending));
        GetResponse byCreate = kv.get(bytes(prefix), GetOption.builder().isPrefix(true)
                .withSortField(SortTarget.CREATE).withSortOrder(SortOrder.ASCEND).build()).get();
        assertEquals(List.of("a", "b", "c"), suffixes(prefix, byCreate));
    }

    @Test
    void countOnlyAndKeysOnly() throws Exception {
        String prefix = unique("count");
        putKeysWithPrefix(prefix, 4);
        GetResponse count = kv.get(bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build()).get();
        assertEquals(4, count.getCount());
        assertTrue(count.getKvs().isEmpty());
        GetResponse keys = kv.get(bytes(prefix), GetOption.builder().isPrefix(true).withKeysOnly(true).build()).get();
        assertEquals(4, keys.getKvs().size());
        assertTrue(keys.getKvs().stream().allMatch(k -> k.getValue().isEmpty()));
    }

    // testDelete
    @Test
    void deleteCountsWhatItDeleted() throws Exception {
        ByteSequence key = bytes(unique("delete"));
        kv.put(key, bytes("v")).get();
        DeleteResponse deleted = kv.delete(key, DeleteOption.builder().withPrevKV(true).build()).get();
        assertEquals(1, deleted.getDeleted());
        assertEquals("v", text(deleted.getPrevKvs().get(0).getValue()));
        assertEquals(0, kv.get(key).get().getCount());
        assertEquals(0, kv.delete(key).get().getDeleted());
    }

    // testGetAndDeleteWithPrefix
    @Test
    void getAndDeleteWithPrefix() throws Exception {
        String prefix = unique("prefix");
        putKeysWithPrefix(prefix, 10);
        kv.put(bytes(prefix.substring(0, prefix.length() - 1)), bytes("outside")).get();
        assertEquals(10, kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get().getCount());
        assertEquals(10, kv.delete(bytes(prefix), DeleteOption.builder().isPrefix(true).build()).get().getDeleted());
        assertEquals(0, kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get().getCount());
        assertEquals(1, kv.get(bytes(prefix.substring(0, prefix.length() - 1))).get().getCount());
    }

    // testTxn
    @Test
    void txnTakesThenWhenTheValueIsGreater() throws Exception {
        ByteSequence key = bytes(unique("txn"));
        kv.put(key, bytes("xyz")).get();
        TxnResponse response = kv.txn().If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.value(bytes("abc"))))
                .Then(Op.put(key, bytes("XYZ"), PutOption.DEFAULT))
                .Else(Op.put(key, bytes("ABC"), PutOption.DEFAULT)).commit().get();
        assertTrue(response.isSucceeded());
        assertEquals("XYZ", text(kv.get(key).get().getKvs().get(0).getValue()));
    }

    @Test
    void txnTakesElseWhenTheCompareFails() throws Exception {
        ByteSequence key = bytes(unique("txnelse"));
        kv.put(key, bytes("abc")).get();
        TxnResponse response = kv.txn().If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.value(bytes("xyz"))))
                .Then(Op.put(key, bytes("XYZ"), PutOption.DEFAULT))
                .Else(Op.put(key, bytes("ABC"), PutOption.DEFAULT)).commit().get();
        assertFalse(response.isSucceeded());
        assertEquals("ABC", text(kv.get(key).get().getKvs().get(0).getValue()));
    }

    // testTxnGetAndDeleteWithPrefix
    @Test
    void txnElseGetsAndDeletesAPrefix() throws Exception {
        String prefix = unique("txnprefix");
        ByteSequence key = bytes(prefix);
        putKeysWithPrefix(prefix, 10);
        ByteSequence other = bytes(unique("other"));
        TxnResponse response = kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(bytes("not_exists"))))
                .Then(Op.put(other, bytes("other_value"), PutOption.DEFAULT))
                .Else(Op.get(key, GetOption.builder().isPrefix(true).build()),
                        Op.delete(key, DeleteOption.builder().isPrefix(true).withPrevKV(true).build()))
                .commit().get();
        assertEquals(1, response.getGetResponses().size());
        assertEquals(10, response.getGetResponses().get(0).getKvs().size());
        assertEquals(1, response.getDeleteResponses().size());
        assertEquals(10, response.getDeleteResponses().get(0).getDeleted());
        assertTrue(response.getDeleteResponses().get(0).getPrevKvs().stream().allMatch(k -> k.getKey().startsWith(key)));
        assertTrue(response.getPutResponses().isEmpty());
        assertEquals(0, kv.get(other).get().getCount());
    }

    // testTxnForCmpOpNotEqual
    @Test
    void txnNotEqual() throws Exception {
        ByteSequence key = bytes(unique("txnne"));
        kv.put(key, bytes("xyz")).get();
        kv.txn().If(new Cmp(key, Cmp.Op.NOT_EQUAL, CmpTarget.value(bytes("abc"))))
                .Then(Op.put(key, bytes("XYZ"), PutOption.DEFAULT))
                .Else(Op.put(key, bytes("ABC"), PutOption.DEFAULT)).commit().get();
        assertEquals("XYZ", text(kv.get(key).get().getKvs().get(0).getValue()));
    }

    // testNestedTxn
    @Test
    void nestedTxn() throws Exception {
        String base = unique("nested");
        ByteSequence foo = bytes(base + "foo");
        ByteSequence abc = bytes(base + "abc");
        TxnResponse response = kv.txn().If(new Cmp(foo, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(foo, bytes("bar"), PutOption.DEFAULT),
                        Op.txn(null, new Op[] {Op.put(abc, bytes("123"), PutOption.DEFAULT)}, null))
                .Else(Op.put(foo, bytes("barz"), PutOption.DEFAULT)).commit().get();
        assertTrue(response.isSucceeded());
        assertEquals(1, response.getTxnResponses().size());
        assertEquals("bar", text(kv.get(foo).get().getKvs().get(0).getValue()));
        assertEquals("123", text(kv.get(abc).get().getKvs().get(0).getValue()));
        // one transaction, one revision
        assertEquals(kv.get(foo).get().getKvs().get(0).getModRevision(), kv.get(abc).get().getKvs().get(0).getModRevision());
    }

    @Test
    void compactionDropsOlderRevisionsOnly() throws Exception {
        ByteSequence key = bytes(unique("compact"));
        long first = kv.put(key, bytes("v1")).get().getHeader().getRevision();
        long second = kv.put(key, bytes("v2")).get().getHeader().getRevision();
        kv.put(key, bytes("v3")).get();
        kv.compact(second).get();

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> kv.get(key, GetOption.builder().withRevision(first).build()).get());
        assertTrue(e.getMessage().endsWith("etcdserver: mvcc: required revision has been compacted"), e.getMessage());
        assertEquals("v2", text(kv.get(key, GetOption.builder().withRevision(second).build()).get()
                .getKvs().get(0).getValue()));
        assertEquals("v3", text(kv.get(key).get().getKvs().get(0).getValue()));

        ExecutionException again = assertThrows(ExecutionException.class, () -> kv.compact(second).get());
        assertTrue(again.getMessage().endsWith("etcdserver: mvcc: required revision has been compacted"),
                again.getMessage());
    }

    private static List<String> suffixes(String prefix, GetResponse response) {
        return response.getKvs().stream().map(k -> text(k.getKey()).substring(prefix.length())).toList();
    }

    private static void putKeysWithPrefix(String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            kv.put(bytes(prefix + i), bytes(String.valueOf(i))).get();
        }
    }
}
