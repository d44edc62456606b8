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
import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
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
    private final AuthStore auth;

    KvService(MvccStore store, Alarms alarms, Executor blocking, AuthStore auth) {
        this.store = store;
        this.alarms = alarms;
        this.blocking = blocking;
        this.auth = auth;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        Calls.unary(observer, () -> {
            auth.checkRange(Caller.current(), request.getKey(), request.getRangeEnd());
            return store.range(request);
        });
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkSpace();
            auth.checkPut(Caller.current(), request);
            return store.put(request);
        });
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkCorrupt();
            auth.checkDeleteRange(Caller.current(), request);
            return store.deleteRange(request);
        });
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        Caller caller = Caller.current();
        if (KvOps.isReadOnly(request)) {
            // Served like a range from a snapshot, past any alarm (as etcd does).
            blocking.execute(() -> Calls.unaryAsync(observer, () -> {
                auth.checkTxn(caller, request);
                return store.txn(request);
            }));
            return;
        }
        Calls.unaryAsync(observer, () -> {
            alarms.checkSpace();
            auth.checkTxn(caller, request);
            return store.txn(request);
        });
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkCorrupt();
            auth.authInfo(Caller.current()); // etcd needs no permission, but refuses a bad token
            return store.compact(request);
        });
    }
}
