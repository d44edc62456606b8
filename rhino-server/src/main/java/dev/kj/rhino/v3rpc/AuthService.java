package dev.kj.rhino.v3rpc;

import dev.kj.rhino.api.etcdserverpb.*;
import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.stub.StreamObserver;

/**
 * etcdserverpb.Auth over the {@link AuthStore}. Every method may hash or check a bcrypt password or
 * wait for the writer, so all run on call threads, never on the transport.
 */
final class AuthService extends AuthGrpc.AuthImplBase {
    private final MvccStore store;
    private final AuthStore auth;

    AuthService(MvccStore store, AuthStore auth) {
        this.store = store;
        this.auth = auth;
    }

    @Override
    public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.enable(Caller.current())
                .thenApply(done -> AuthEnableResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.disable(Caller.current())
                .thenApply(done -> AuthDisableResponse.newBuilder().setHeader(store.header()).build()));
    }

    /** etcd 3.5's AuthStatus (no permission needed); etcd 3.4 clients never call it. */
    @Override
    public void authStatus(AuthStatusRequest request, StreamObserver<AuthStatusResponse> observer) {
        Calls.unary(observer, () -> AuthStatusResponse.newBuilder().setHeader(store.header())
                .setEnabled(auth.enabled()).setAuthRevision(auth.revision()).build());
    }

    @Override
    public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> observer) {
        Calls.unary(observer, () -> AuthenticateResponse.newBuilder().setHeader(store.header())
                .setToken(auth.authenticate(request.getName(), request.getPassword())).build());
    }

    @Override
    public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.userAdd(Caller.current(), request.getName(), request.getPassword(),
                        request.getHashedPassword(), request.getOptions())
                .thenApply(done -> AuthUserAddResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> observer) {
        Calls.unary(observer, () -> AuthUserGetResponse.newBuilder().setHeader(store.header())
                .addAllRoles(auth.userGet(Caller.current(), request.getName())).build());
    }

    @Override
    public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> observer) {
        Calls.unary(observer, () -> AuthUserListResponse.newBuilder().setHeader(store.header())
                .addAllUsers(auth.userList(Caller.current())).build());
    }

    @Override
    public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.userDelete(Caller.current(), request.getName())
                .thenApply(done -> AuthUserDeleteResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest request,
                                   StreamObserver<AuthUserChangePasswordResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.userChangePassword(Caller.current(), request.getName(),
                        request.getPassword(), request.getHashedPassword())
                .thenApply(done -> AuthUserChangePasswordResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.userGrantRole(Caller.current(), request.getUser(), request.getRole())
                .thenApply(done -> AuthUserGrantRoleResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest request, StreamObserver<AuthUserRevokeRoleResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.userRevokeRole(Caller.current(), request.getName(), request.getRole())
                .thenApply(done -> AuthUserRevokeRoleResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.roleAdd(Caller.current(), request.getName())
                .thenApply(done -> AuthRoleAddResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> observer) {
        Calls.unary(observer, () -> AuthRoleGetResponse.newBuilder().setHeader(store.header())
                .addAllPerm(auth.roleGet(Caller.current(), request.getRole())).build());
    }

    @Override
    public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> observer) {
        Calls.unary(observer, () -> AuthRoleListResponse.newBuilder().setHeader(store.header())
                .addAllRoles(auth.roleList(Caller.current())).build());
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.roleDelete(Caller.current(), request.getRole())
                .thenApply(done -> AuthRoleDeleteResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
                                    StreamObserver<AuthRoleGrantPermissionResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.roleGrantPermission(Caller.current(), request.getName(), request.getPerm())
                .thenApply(done -> AuthRoleGrantPermissionResponse.newBuilder().setHeader(store.header()).build()));
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
                                     StreamObserver<AuthRoleRevokePermissionResponse> observer) {
        Calls.unaryAsync(observer, () -> auth.roleRevokePermission(Caller.current(), request.getRole(),
                        request.getKey(), request.getRangeEnd())
                .thenApply(done -> AuthRoleRevokePermissionResponse.newBuilder().setHeader(store.header()).build()));
    }
}
