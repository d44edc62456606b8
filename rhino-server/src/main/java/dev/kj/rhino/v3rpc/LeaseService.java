package dev.kj.rhino.v3rpc;

import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseGrantResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseLeasesRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseLeasesResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseRevokeRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseRevokeResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseTimeToLiveResponse;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.EtcdException;
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.stub.StreamObserver;

/** etcdserverpb.Lease over the store's lessor. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final MvccStore store;
    private final Alarms alarms;
    private final AuthStore auth;

    LeaseService(MvccStore store, Alarms alarms, AuthStore auth) {
        this.store = store;
        this.alarms = alarms;
        this.auth = auth;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkSpace();
            auth.authInfo(Caller.current()); // etcd needs no permission, but refuses a bad token
            return store.lessor().grant(request.getID(), request.getTTL());
        });
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
        Calls.unaryAsync(observer, () -> {
            alarms.checkCorrupt();
            auth.checkLeaseRevoke(Caller.current(), request.getID());
            return store.lessor().revoke(request.getID());
        });
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
        Calls.unary(observer, () -> store.lessor().timeToLive(request.getID(), request.getKeys()));
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
        Calls.unary(observer, () -> store.lessor().leases());
    }

    /**
     * One response per request, in order. As in etcd, renewing a lease that does not exist is not
     * an error: the response carries TTL 0, which clients read as "expired".
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> observer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                LeaseKeepAliveResponse response;
                try {
                    response = renew(request.getID());
                } catch (RuntimeException failure) {
                    observer.onError(Calls.toStatus(failure));
                    return;
                }
                try {
                    observer.onNext(response);
                } catch (RuntimeException clientGone) {
                    // cancelled between requests; onError/onCompleted follows
                }
            }

            @Override
            public void onError(Throwable clientCancelled) {
                // nothing held per stream
            }

            @Override
            public void onCompleted() {
                observer.onCompleted();
            }
        };
    }

    private LeaseKeepAliveResponse renew(long id) {
        // The header is taken before renewing so its revision never postdates the renewal.
        var header = store.header();
        try {
            return store.lessor().keepAlive(id);
        } catch (EtcdException e) {
            if (e.error() != EtcdError.LEASE_NOT_FOUND) {
                throw e;
            }
            return LeaseKeepAliveResponse.newBuilder().setHeader(header).setID(id).setTTL(0).build();
        }
    }
}
