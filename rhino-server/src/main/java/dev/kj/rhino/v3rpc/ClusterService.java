package dev.kj.rhino.v3rpc;

import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.api.etcdserverpb.ClusterGrpc;
import dev.kj.rhino.api.etcdserverpb.Member;
import dev.kj.rhino.api.etcdserverpb.MemberAddRequest;
import dev.kj.rhino.api.etcdserverpb.MemberAddResponse;
import dev.kj.rhino.api.etcdserverpb.MemberListRequest;
import dev.kj.rhino.api.etcdserverpb.MemberListResponse;
import dev.kj.rhino.api.etcdserverpb.MemberPromoteRequest;
import dev.kj.rhino.api.etcdserverpb.MemberPromoteResponse;
import dev.kj.rhino.api.etcdserverpb.MemberRemoveRequest;
import dev.kj.rhino.api.etcdserverpb.MemberRemoveResponse;
import dev.kj.rhino.api.etcdserverpb.MemberUpdateRequest;
import dev.kj.rhino.api.etcdserverpb.MemberUpdateResponse;
import dev.kj.rhino.api.etcdserverpb.ResponseHeader;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.List;
import java.util.function.Supplier;

/**
 * etcdserverpb.Cluster for a cluster of exactly one member that cannot change. Rhino scales out by
 * sharing a database, never by adding members, so requests that would change membership fail with
 * the error etcd gives a lone member where one exists, and UNIMPLEMENTED otherwise.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    static final Status MEMBER_NOT_ENOUGH_STARTED = EtcdError.MEMBER_NOT_ENOUGH_STARTED.status();
    static final Status MEMBER_NOT_LEARNER = EtcdError.MEMBER_NOT_LEARNER.status();
    static final Status MEMBER_BAD_URLS = EtcdError.MEMBER_BAD_URLS.status();
    static final Status MEMBERSHIP_FIXED = Status.UNIMPLEMENTED
            .withDescription("rhino: membership changes are not supported (rhino is a single member;"
                    + " run more rhino servers on one shared database instead)");

    private final MvccStore store;
    private final String name;
    private final Supplier<List<URI>> clientUrls;
    private final List<URI> peerUrls;
    private final AuthStore auth;

    /** @param clientUrls read per call: ports chosen at bind time (port 0) are only known later */
    ClusterService(MvccStore store, String name, Supplier<List<URI>> clientUrls, List<URI> peerUrls, AuthStore auth) {
        this.store = store;
        this.name = name;
        this.clientUrls = clientUrls;
        this.peerUrls = List.copyOf(peerUrls);
        this.auth = auth;
    }

    /** etcd's checkMembershipOperationPermission: with auth on, only root may change membership. */
    private boolean permitted(StreamObserver<?> observer) {
        try {
            auth.checkAdmin(Caller.current());
            return true;
        } catch (RuntimeException denied) {
            observer.onError(Calls.toStatus(denied));
            return false;
        }
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        Calls.unary(observer, () -> MemberListResponse.newBuilder()
                .setHeader(header()).addMembers(self()).build());
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
        for (String url : request.getPeerURLsList()) {
            if (!isValidUrl(url)) {
                observer.onError(MEMBER_BAD_URLS.asRuntimeException());
                return;
            }
        }
        if (permitted(observer)) {
            observer.onError(MEMBERSHIP_FIXED.asRuntimeException());
        }
    }

    /** Removing the only member would leave no quorum: etcd's strict reconfig check refuses it. */
    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
        if (!permitted(observer)) {
            return;
        }
        observer.onError(request.getID() == store.memberId()
                ? MEMBER_NOT_ENOUGH_STARTED.asRuntimeException()
                : EtcdError.MEMBER_NOT_FOUND.status().asRuntimeException());
    }

    @Override
    public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
        if (!permitted(observer)) {
            return;
        }
        observer.onError(request.getID() == store.memberId()
                ? MEMBERSHIP_FIXED.asRuntimeException()
                : EtcdError.MEMBER_NOT_FOUND.status().asRuntimeException());
    }

    @Override
    public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
        if (!permitted(observer)) {
            return;
        }
        observer.onError(request.getID() == store.memberId()
                ? MEMBER_NOT_LEARNER.asRuntimeException()
                : EtcdError.MEMBER_NOT_FOUND.status().asRuntimeException());
    }

    /** etcd's cluster responses carry no revision: membership is not part of the keyspace. */
    private ResponseHeader header() {
        return store.header().toBuilder().clearRevision().build();
    }

    private Member self() {
        Member.Builder member = Member.newBuilder().setID(store.memberId()).setName(name);
        peerUrls.forEach(url -> member.addPeerURLs(url.toString()));
        clientUrls.get().forEach(url -> member.addClientURLs(url.toString()));
        return member.build();
    }

    private static boolean isValidUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.getScheme() != null && uri.getHost() != null && uri.getPort() > 0
                    && (uri.getPath() == null || uri.getPath().isEmpty());
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }
}
