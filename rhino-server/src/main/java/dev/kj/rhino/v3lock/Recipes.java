package dev.kj.rhino.v3lock;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.v3rpc.Calls;

/**
 * The building blocks of etcd's client-side concurrency recipes (mutex, election), run inside the
 * server on the store directly: the same keys, comparisons and waits, so server-side and
 * client-side lockers interoperate on one prefix.
 */
public final class Recipes {
    /** etcd's default session TTL, used when a request names no lease. */
    public static final long DEFAULT_SESSION_TTL_SECONDS = 60;

    private Recipes() {}

    /** The request's lease, or (like etcd's session with no lease) a fresh one of 60 s. */
    public static long sessionLease(MvccStore store, long requested) {
        if (requested != 0) {
            return requested;
        }
        return Calls.await(store.lessor().grant(0, DEFAULT_SESSION_TTL_SECONDS)).getID();
    }

    /** {@code prefix + lease}, the lease in lowercase hex as Go's {@code %x} prints it. */
    public static ByteString ownKey(ByteString prefix, long lease) {
        String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
        return prefix.concat(ByteString.copyFromUtf8(hex));
    }

    /** The range end covering every key that starts with {@code prefix}. */
    public static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0}); // all 0xff: to the end of the keyspace
    }

    public static Compare createRevisionIs(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
    }

    public static RangeRequest get(ByteString key) {
        return RangeRequest.newBuilder().setKey(key).build();
    }

    /** The oldest key under {@code prefix} (client's {@code WithFirstCreate}). */
    public static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND)
                .setLimit(1).build();
    }

    public static RequestOp op(RangeRequest range) {
        return RequestOp.newBuilder().setRequestRange(range).build();
    }

    /** Blocks until every key under {@code prefix} created at or before {@code maxCreateRevision} is gone. */
    public static void waitDeletes(MvccStore store, ByteString prefix, long maxCreateRevision)
            throws InterruptedException {
        RangeRequest newestOlder = RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setLimit(1).setMaxCreateRevision(maxCreateRevision).build();
        while (true) {
            RangeResponse older = store.range(newestOlder);
            if (older.getKvsCount() == 0) {
                return;
            }
            waitDelete(store, older.getKvs(0).getKey(), older.getHeader().getRevision());
        }
    }

    /** Blocks until {@code key} is deleted at or after {@code fromRevision}. */
    public static void waitDelete(MvccStore store, ByteString key, long fromRevision) throws InterruptedException {
        WatchCreateRequest request = WatchCreateRequest.newBuilder().setKey(key).setStartRevision(fromRevision).build();
        try (BlockingWatch watch = BlockingWatch.open(store.watchHub(), request)) {
            while (true) {
                WatchResponse response = watch.nextEvents();
                for (Event event : response.getEventsList()) {
                    if (event.getType() == Event.EventType.DELETE) {
                        return;
                    }
                }
            }
        }
    }
}
