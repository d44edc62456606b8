package dev.kj.rhino.v3lock;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.ResponseHeader;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.api.v3lockpb.LockGrpc;
import dev.kj.rhino.api.v3lockpb.LockRequest;
import dev.kj.rhino.api.v3lockpb.LockResponse;
import dev.kj.rhino.api.v3lockpb.UnlockRequest;
import dev.kj.rhino.api.v3lockpb.UnlockResponse;
import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.v3rpc.Calls;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;

/**
 * v3lockpb.Lock: etcd's mutex recipe run in the server. The lock key is {@code name/<lease hex>},
 * created with the lease; the caller owns the lock once every key under {@code name/} created
 * before it has been deleted. Waiters block a virtual thread each.
 */
public final class LockService extends LockGrpc.LockImplBase {
    /** concurrency.ErrSessionExpired: the lock key vanished (lease expired) while waiting. */
    static final Status SESSION_EXPIRED = Status.UNKNOWN.withDescription("mutex: session is expired");

    private final MvccStore store;
    private final AuthStore auth;

    /**
     * With auth enabled the recipe runs as the caller, as etcd's does through its in-process client:
     * each request it sends is checked with the caller's permissions.
     */
    public LockService(MvccStore store, AuthStore auth) {
        this.store = store;
        this.auth = auth;
    }

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> observer) {
        Calls.recipe(observer, () -> {
            try {
                return acquire(request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            }
        });
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
        Calls.recipe(observer, () -> {
            DeleteRangeRequest delete = DeleteRangeRequest.newBuilder().setKey(request.getKey()).build();
            auth.checkDeleteRange(Caller.current(), delete);
            return UnlockResponse.newBuilder().setHeader(Calls.await(store.deleteRange(delete)).getHeader()).build();
        });
    }

    private LockResponse acquire(LockRequest request) throws InterruptedException {
        long lease = Recipes.sessionLease(store, request.getLease());
        ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
        ByteString myKey = Recipes.ownKey(prefix, lease);

        RequestOp owner = Recipes.op(Recipes.firstCreated(prefix));
        TxnRequest enqueue = TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(myKey, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(myKey).setLease(lease)))
                .addSuccess(owner)
                .addFailure(Recipes.op(Recipes.get(myKey)))
                .addFailure(owner)
                .build();
        auth.checkTxn(Caller.current(), enqueue);
        TxnResponse txn = Calls.await(store.txn(enqueue));
        long myRevision = txn.getSucceeded()
                ? txn.getHeader().getRevision()
                : txn.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
        RangeResponse ownerRange = txn.getResponses(1).getResponseRange();
        if (ownerRange.getKvsCount() == 0 || ownerRange.getKvs(0).getCreateRevision() == myRevision) {
            return response(txn.getHeader(), myKey);
        }

        try {
            Recipes.waitDeletes(store, prefix, myRevision - 1);
        } catch (InterruptedException | RuntimeException abandoned) {
            // The caller gave up (or the wait broke): leave the queue so later waiters are not stuck.
            release(myKey);
            throw abandoned;
        }
        RangeResponse mine = store.range(Recipes.get(myKey));
        if (mine.getKvsCount() == 0) {
            throw SESSION_EXPIRED.asRuntimeException();
        }
        return response(mine.getHeader(), myKey);
    }

    private void release(ByteString key) {
        try {
            Calls.await(store.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build()));
        } catch (RuntimeException e) {
            System.getLogger(LockService.class.getName())
                    .log(System.Logger.Level.WARNING, "could not release abandoned lock key", e);
        }
    }

    private static LockResponse response(ResponseHeader header, ByteString key) {
        return LockResponse.newBuilder().setHeader(header).setKey(key).build();
    }
}
