package dev.kj.rhino.v3rpc;

import dev.kj.rhino.api.etcdserverpb.CompactionRequest;
import dev.kj.rhino.api.etcdserverpb.CompactionResponse;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeResponse;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.PutResponse;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.mvcc.KvOps;
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/**
 * etcdserverpb.KV: the store validates and executes; this layer adds the alarm checks. (So with an
 * alarm active, an invalid write reports the alarm where etcd would report the validation error.)
 *
 * <p>Writes only queue on the store's writer, so their calls run directly on the transport thread
 * (see {@link #DIRECT_METHODS}); anything that reads the backend moves to {@code blocking}.
 */
final class KvService extends KVGrpc.KVImplBase {
    /** Methods whose handlers never block, served without an executor hand-off. */
    static final java.util.Set<String> DIRECT_METHODS = java.util.Set.of(
            KVGrpc.getPutMethod().getFullMethodName(),
            KVGrpc.getDeleteRangeMethod().getFullMethodName(),
            KVGrpc.getTxnMethod().getFullMethodName());

    private final MvccStore store;
    private final Alarms alarms;
    private final Executor blocking;

    KvService(MvccStore store, Alarms alarms, Executor blocking) {
        this.store = store;
        this.alarms = alarms;
        this.blocking = blocking;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        Calls.unary(observer, () -> store.range(request));
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkSpace();
            return store.put(request);
        });
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkCorrupt();
            return store.deleteRange(request);
        });
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        if (KvOps.isReadOnly(request)) {
            // Served like a range from a snapshot, past any alarm (as etcd does).
            blocking.execute(() -> Calls.unaryAsync(observer, () -> store.txn(request)));
            return;
        }
        Calls.unaryAsync(observer, () -> {
            alarms.checkSpace();
            return store.txn(request);
        });
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkCorrupt();
            return store.compact(request);
        });
    }
}
