package dev.kj.rhino.v3election;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.ResponseHeader;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.api.mvccpb.KeyValue;
import dev.kj.rhino.api.v3electionpb.CampaignRequest;
import dev.kj.rhino.api.v3electionpb.CampaignResponse;
import dev.kj.rhino.api.v3electionpb.ElectionGrpc;
import dev.kj.rhino.api.v3electionpb.LeaderKey;
import dev.kj.rhino.api.v3electionpb.LeaderRequest;
import dev.kj.rhino.api.v3electionpb.LeaderResponse;
import dev.kj.rhino.api.v3electionpb.ProclaimRequest;
import dev.kj.rhino.api.v3electionpb.ProclaimResponse;
import dev.kj.rhino.api.v3electionpb.ResignRequest;
import dev.kj.rhino.api.v3electionpb.ResignResponse;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.v3lock.BlockingWatch;
import dev.kj.rhino.v3lock.Recipes;
import dev.kj.rhino.v3rpc.Calls;
import dev.kj.rhino.v3rpc.FlowControlledSender;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;

/**
 * v3electionpb.Election: etcd's election recipe run in the server. Candidates queue as
 * {@code name/<lease hex>} keys; the oldest key is the leader and its value the proclamation.
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
    /** v3election.ErrMissingLeaderKey. */
    static final Status MISSING_LEADER_KEY = Status.UNKNOWN.withDescription("\"leader\" field must be provided");

    private final MvccStore store;
    private final AuthStore auth;

    /**
     * With auth enabled the recipe runs as the caller, as etcd's does through its in-process client:
     * each request it sends is checked with the caller's permissions.
     */
    public ElectionService(MvccStore store, AuthStore auth) {
        this.store = store;
        this.auth = auth;
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> observer) {
        Calls.recipe(observer, () -> {
            try {
                return campaign(request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            }
        });
    }

    private CampaignResponse campaign(CampaignRequest request) throws InterruptedException {
        long lease = Recipes.sessionLease(store, request.getLease());
        ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
        ByteString myKey = Recipes.ownKey(prefix, lease);
        TxnRequest enqueue = TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(myKey, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(myKey).setValue(request.getValue()).setLease(lease)))
                .addFailure(Recipes.op(Recipes.get(myKey)))
                .build();
        auth.checkTxn(Caller.current(), enqueue);
        auth.checkRange(Caller.current(), prefix, Recipes.prefixEnd(prefix));
        TxnResponse txn = Calls.await(store.txn(enqueue));
        long myRevision = txn.getHeader().getRevision();
        if (!txn.getSucceeded()) {
            // Campaigning again with the same lease: keep the place in the queue, update the value.
            KeyValue existing = txn.getResponses(0).getResponseRange().getKvs(0);
            myRevision = existing.getCreateRevision();
            if (!existing.getValue().equals(request.getValue())) {
                try {
                    proclaim(myKey, myRevision, lease, request.getValue());
                } catch (RuntimeException notLeader) {
                    resign(myKey, myRevision);
                    throw notLeader;
                }
            }
        }
        try {
            Recipes.waitDeletes(store, prefix, myRevision - 1);
        } catch (CancellationException | InterruptedException abandoned) {
            resign(myKey, myRevision);
            throw abandoned;
        }
        return CampaignResponse.newBuilder()
                .setHeader(txn.getHeader())
                .setLeader(LeaderKey.newBuilder().setName(request.getName()).setKey(myKey)
                        .setRev(myRevision).setLease(lease))
                .build();
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> observer) {
        Calls.recipe(observer, () -> {
            if (!request.hasLeader()) {
                throw MISSING_LEADER_KEY.asRuntimeException();
            }
            LeaderKey leader = request.getLeader();
            long lease = Recipes.sessionLease(store, leader.getLease());
            ResponseHeader header = proclaim(leader.getKey(), leader.getRev(), lease, request.getValue());
            return ProclaimResponse.newBuilder().setHeader(header).build();
        });
    }

    /** Overwrites the leader's value if {@code key} still leads with {@code revision}. */
    private ResponseHeader proclaim(ByteString key, long revision, long lease, ByteString value) {
        TxnRequest overwrite = TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(key, revision))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                .build();
        auth.checkTxn(Caller.current(), overwrite);
        TxnResponse txn = Calls.await(store.txn(overwrite));
        if (!txn.getSucceeded()) {
            throw EtcdError.ELECTION_NOT_LEADER.exception();
        }
        return txn.getHeader();
    }

    /** Resigning when no longer leader is not an error (etcd's recipe just finds nothing to delete). */
    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> observer) {
        Calls.recipe(observer, () -> {
            if (!request.hasLeader()) {
                throw MISSING_LEADER_KEY.asRuntimeException();
            }
            ResponseHeader header = resign(request.getLeader().getKey(), request.getLeader().getRev());
            return ResignResponse.newBuilder().setHeader(header).build();
        });
    }

    private ResponseHeader resign(ByteString key, long revision) {
        TxnRequest delete = TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(key, revision))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder().setKey(key)))
                .build();
        auth.checkTxn(Caller.current(), delete);
        return Calls.await(store.txn(delete)).getHeader();
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        Calls.recipe(observer, () -> {
            ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
            auth.checkRange(Caller.current(), prefix, Recipes.prefixEnd(prefix));
            RangeResponse leader = store.range(Recipes.firstCreated(prefix));
            if (leader.getKvsCount() == 0) {
                throw EtcdError.ELECTION_NO_LEADER.exception();
            }
            return LeaderResponse.newBuilder().setHeader(leader.getHeader()).setKv(leader.getKvs(0)).build();
        });
    }

    /**
     * Streams the current leader, every proclamation it makes, and each successor, until the
     * client cancels.
     */
    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        FlowControlledSender<LeaderResponse> sender = new FlowControlledSender<>(observer, null);
        // Run off the call's executor so onReady callbacks can reach the sender meanwhile.
        Thread.ofVirtual().name("rhino-election-observe").start(Context.current().wrap(() -> {
            try {
                observe(request.getName().concat(ByteString.copyFromUtf8("/")), sender);
                sender.complete();
            } catch (CancellationException | InterruptedException e) {
                sender.fail(Status.CANCELLED.withDescription("context canceled"));
            } catch (Throwable failure) {
                sender.fail(Calls.toRecipeStatus(failure).getStatus());
            }
        }));
    }

    private void observe(ByteString prefix, FlowControlledSender<LeaderResponse> sender) throws InterruptedException {
        auth.checkRange(Caller.current(), prefix, Recipes.prefixEnd(prefix));
        while (!sender.isCancelled()) {
            RangeResponse current = store.range(Recipes.firstCreated(prefix));
            ResponseHeader header;
            KeyValue leader;
            if (current.getKvsCount() > 0) {
                header = current.getHeader();
                leader = current.getKvs(0);
            } else {
                // No leader yet: wait for the first candidate to appear.
                WatchCreateRequest candidates = WatchCreateRequest.newBuilder().setKey(prefix)
                        .setRangeEnd(Recipes.prefixEnd(prefix))
                        .setStartRevision(current.getHeader().getRevision()).build();
                KeyValue first = null;
                ResponseHeader firstHeader = null;
                try (BlockingWatch watch = BlockingWatch.open(store.watchHub(), candidates)) {
                    while (first == null) {
                        WatchResponse response = watch.nextEvents();
                        for (Event event : response.getEventsList()) {
                            if (event.getType() == Event.EventType.PUT) {
                                first = event.getKv();
                                firstHeader = response.getHeader().toBuilder()
                                        .setRevision(first.getModRevision()).build();
                                break;
                            }
                        }
                    }
                }
                header = firstHeader;
                leader = first;
            }
            if (!sender.send(LeaderResponse.newBuilder().setHeader(header).setKv(leader).build())) {
                return;
            }
            // Follow this leader's proclamations until its key is deleted.
            WatchCreateRequest leaderKey = WatchCreateRequest.newBuilder().setKey(leader.getKey())
                    .setStartRevision(header.getRevision() + 1).build();
            try (BlockingWatch watch = BlockingWatch.open(store.watchHub(), leaderKey)) {
                boolean deleted = false;
                while (!deleted) {
                    WatchResponse response = watch.nextEvents();
                    for (Event event : response.getEventsList()) {
                        if (event.getType() == Event.EventType.DELETE) {
                            deleted = true;
                            break;
                        }
                        if (!sender.send(LeaderResponse.newBuilder()
                                .setHeader(response.getHeader()).setKv(event.getKv()).build())) {
                            return;
                        }
                    }
                }
            }
        }
    }
}
