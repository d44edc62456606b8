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
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.stub.StreamObserver;

/**
 * etcdserverpb.KV: the store validates and executes; this layer adds the alarm checks. (So with an
 * alarm active, an invalid write reports the alarm where etcd would report the validation error.)
 */
final class KvService extends KVGrpc.KVImplBase {
    private final MvccStore store;
    private final Alarms alarms;

    KvService(MvccStore store, Alarms alarms) {
        this.store = store;
        this.alarms = alarms;
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
        Calls.unaryAsync(observer, () -> {
            // Read-only txns are served like ranges, past any alarm (as etcd does).
            if (!RequestChecks.isReadOnly(request)) {
                alarms.checkSpace();
            }
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
