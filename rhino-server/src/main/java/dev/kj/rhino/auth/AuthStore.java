package dev.kj.rhino.auth;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.authpb.Permission;
import dev.kj.rhino.api.authpb.Role;
import dev.kj.rhino.api.authpb.User;
import dev.kj.rhino.api.authpb.UserAddOptions;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.EtcdException;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.mvcc.WriteContext;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's auth store (server/auth/store.go): users, roles and their key permissions, the enabled
 * flag and the auth revision, kept as records outside the keyspace. Every change runs through the
 * store's writer, so it is ordered with KV writes and durable before it is acknowledged, and it
 * never moves the KV revision. Reads and permission checks use an immutable in-memory {@link AuthState}
 * replaced after each committed change. Passwords are bcrypt hashes ("$2a$" with
 * {@code --bcrypt-cost}, as etcd writes them); hashing and checking happen off the writer thread.
 *
 * <p>Permissions are checked when a request arrives, against the state of that moment (etcd
 * checks again when it applies the request and can answer "revision of auth store is old"; a
 * single writer makes that race too narrow to model). On a backend shared by several Rhino
 * processes each keeps its own state and tokens, read at start.
 */
public final class AuthStore {
    static final String ROOT = AuthState.ROOT;

    /** Who a request is from, with the auth revision it was checked at. */
    public record AuthInfo(String username, long revision) {
    }

    private static final System.Logger LOG = System.getLogger(AuthStore.class.getName());
    private static final long SHARED_REFRESH_MILLIS = 1_000;

    private final MvccStore store;
    private final boolean clientCertAuth;
    private final SimpleTokens tokens;
    private final Passwords passwords;
    private volatile AuthState state;
    private final Thread refresher;

    public AuthStore(MvccStore store, boolean clientCertAuth, AuthOptions options, Clock clock) {
        this.store = store;
        this.clientCertAuth = clientCertAuth;
        this.tokens = new SimpleTokens(clock, options.tokenTtl());
        this.passwords = new Passwords(options.bcryptCost());
        try (ReadTxn txn = store.beginRead()) {
            this.state = AuthState.load(txn);
        }
        this.refresher = store.backend().shared()
                ? Thread.ofPlatform().name("rhino-auth-refresh").daemon(true).start(this::refreshLoop)
                : null;
    }

    /** Stops re-reading shared auth state (before the store closes). */
    public void close() {
        if (refresher != null) {
            refresher.interrupt();
            try {
                refresher.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * On a shared datastore, other processes change users, roles and the enabled flag; this process
     * re-reads them once a second, as an etcd member applies committed auth changes shortly after
     * the member that took them. Tokens stay per process, as etcd's simple tokens are per member.
     */
    private void refreshLoop() {
        while (true) {
            try {
                Thread.sleep(SHARED_REFRESH_MILLIS);
                try (ReadTxn txn = store.beginRead()) {
                    state = AuthState.load(txn);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "re-reading auth state failed; retrying", e);
            }
        }
    }

    public boolean enabled() {
        return state.enabled();
    }

    public long revision() {
        return state.revision();
    }

    // ---- who is calling

    /**
     * etcd's AuthInfoFromCtx: the token's user (an unknown or expired token fails with "invalid auth
     * token", also while auth is disabled), else with {@code --client-cert-auth} the certificate's
     * common name, else nobody (null).
     */
    public AuthInfo authInfo(Caller caller) {
        AuthState current = state;
        if (caller.token() != null) {
            String user = tokens.user(caller.token());
            if (user == null) {
                throw EtcdError.INVALID_AUTH_TOKEN.exception();
            }
            return new AuthInfo(user, current.revision());
        }
        if (clientCertAuth && caller.certificateCommonName() != null) {
            return new AuthInfo(caller.certificateCommonName(), current.revision());
        }
        return null;
    }

    // ---- permission checks (etcd's authApplierV3 and v3_server checks)

    public void checkRange(Caller caller, ByteString key, ByteString rangeEnd) {
        if (!enabled() && caller.token() == null) {
            return;
        }
        checkKeys(authInfo(caller), key, rangeEnd, false);
    }

    /** Put: write on the key, read too with prev_kv, and write on every key already on its lease. */
    public void checkPut(Caller caller, PutRequest request) {
        if (!enabled() && caller.token() == null) {
            return;
        }
        AuthInfo info = authInfo(caller);
        checkKeys(info, request.getKey(), ByteString.EMPTY, true);
        checkLeaseKeys(info, request.getLease());
        if (request.getPrevKv()) {
            checkKeys(info, request.getKey(), ByteString.EMPTY, false);
        }
    }

    public void checkDeleteRange(Caller caller, DeleteRangeRequest request) {
        if (!enabled() && caller.token() == null) {
            return;
        }
        AuthInfo info = authInfo(caller);
        checkKeys(info, request.getKey(), request.getRangeEnd(), true);
        if (request.getPrevKv()) {
            checkKeys(info, request.getKey(), request.getRangeEnd(), false);
        }
    }

    /**
     * etcd's checkTxnAuth: read on every compare, then every op of both branches. Nested txns are
     * checked too, as newer etcd does ("enforce auth checks for nested txn ops"; 3.4.23 let them through).
     */
    public void checkTxn(Caller caller, TxnRequest request) {
        if (!enabled() && caller.token() == null) {
            return;
        }
        checkTxn(authInfo(caller), request);
    }

    private void checkTxn(AuthInfo info, TxnRequest request) {
        for (Compare compare : request.getCompareList()) {
            checkKeys(info, compare.getKey(), compare.getRangeEnd(), false);
        }
        checkOps(info, request.getSuccessList());
        checkOps(info, request.getFailureList());
    }

    private void checkOps(AuthInfo info, List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> checkKeys(info, op.getRequestRange().getKey(), op.getRequestRange().getRangeEnd(), false);
                case REQUEST_PUT -> checkKeys(info, op.getRequestPut().getKey(), ByteString.EMPTY, true);
                case REQUEST_DELETE_RANGE -> {
                    DeleteRangeRequest delete = op.getRequestDeleteRange();
                    if (delete.getPrevKv()) {
                        checkKeys(info, delete.getKey(), delete.getRangeEnd(), false);
                    }
                    checkKeys(info, delete.getKey(), delete.getRangeEnd(), true);
                }
                case REQUEST_TXN -> checkTxn(info, op.getRequestTxn());
                case REQUEST_NOT_SET -> { }
            }
        }
    }

    /** LeaseRevoke deletes the lease's keys, so it needs write permission on each of them. */
    public void checkLeaseRevoke(Caller caller, long lease) {
        if (!enabled() && caller.token() == null) {
            return;
        }
        checkLeaseKeys(authInfo(caller), lease);
    }

    private void checkLeaseKeys(AuthInfo info, long lease) {
        if (lease == 0 || !enabled()) {
            return;
        }
        List<byte[]> keys;
        try (ReadTxn txn = store.beginRead()) {
            keys = txn.keysWithLease(lease);
        }
        for (byte[] key : keys) {
            checkKeys(info, ByteString.copyFrom(key), ByteString.EMPTY, true);
        }
    }

    /** etcd's isOpPermitted. */
    private void checkKeys(AuthInfo info, ByteString key, ByteString rangeEnd, boolean write) {
        AuthState current = state;
        if (!current.enabled()) {
            return;
        }
        if (info == null || info.revision() == 0) {
            throw EtcdError.USER_EMPTY.exception();
        }
        User user = current.user(info.username());
        if (user == null) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
        if (current.hasRootRole(user)) {
            return;
        }
        KeyPermissions permissions = current.permissions().get(info.username());
        if (permissions == null || !permissions.permits(write, key, rangeEnd)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    /** etcd's IsAdminPermitted (Maintenance's Snapshot, Defragment, Hash, HashKV, MoveLeader; user and role management). */
    public void checkAdmin(Caller caller) {
        if (!enabled() && caller.token() == null) {
            return;
        }
        requireAdmin(state, authInfo(caller));
    }

    /**
     * The admin check of etcd's Maintenance server (Snapshot, Defragment, Hash, HashKV, MoveLeader),
     * which returns the auth package's own errors unmapped: clients see UNKNOWN with "auth: ..." texts.
     */
    public void checkMaintenanceAdmin(Caller caller) {
        try {
            checkAdmin(caller);
        } catch (EtcdException e) {
            String text = switch (e.error()) {
                case USER_EMPTY -> "auth: user name is empty";
                case USER_NOT_FOUND -> "auth: user not found";
                case INVALID_AUTH_TOKEN -> "auth: invalid auth token";
                default -> "auth: permission denied";
            };
            throw Status.UNKNOWN.withDescription(text).asRuntimeException();
        }
    }

    private static void requireAdmin(AuthState current, AuthInfo info) {
        if (!current.enabled()) {
            return;
        }
        if (info == null || info.username().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        User user = current.user(info.username());
        if (user == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!current.hasRootRole(user)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    // ---- the Auth service

    /** etcd's Authenticate: check the password (off the writer), then hand out a simple token. */
    public String authenticate(String name, String password) {
        AuthState current = state;
        if (!current.enabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        User user = current.user(name);
        if (user == null) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        if (user.getOptions().getNoPassword()) {
            throw EtcdError.NO_PASSWORD_USER.exception();
        }
        if (!passwords.matches(password, user.getPassword().toByteArray())) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        return tokens.assign(name);
    }

    public CompletableFuture<Void> enable(Caller caller) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            if (current.enabled()) {
                return false; // etcd ignores a second enable
            }
            User root = current.user(ROOT);
            if (root == null) {
                throw EtcdError.ROOT_USER_NOT_EXIST.exception();
            }
            if (!current.hasRootRole(root)) {
                throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
            }
            txn.putRecord(AuthState.BUCKET, AuthState.ENABLED, new byte[] {1});
            return false; // etcd's AuthEnable does not bump the auth revision
        });
    }

    public CompletableFuture<Void> disable(Caller caller) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            if (!current.enabled()) {
                return false;
            }
            txn.putRecord(AuthState.BUCKET, AuthState.ENABLED, new byte[] {0});
            return true;
        }).thenRun(tokens::clear);
    }

    /** Hashes off the writer thread, then adds the user through it. */
    public CompletableFuture<Void> userAdd(Caller caller, String name, String password, String hashedPassword,
                                           UserAddOptions options) {
        if (name.isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        AuthInfo info = authInfo(caller);
        byte[] hash = options.getNoPassword() ? new byte[0] : hash(password, hashedPassword);
        return change(info, (txn, current) -> {
            if (current.user(name) != null) {
                throw EtcdError.USER_ALREADY_EXIST.exception();
            }
            putUser(txn, User.newBuilder().setName(ByteString.copyFromUtf8(name)).setPassword(ByteString.copyFrom(hash))
                    .setOptions(options).build());
            return true;
        });
    }

    public CompletableFuture<Void> userDelete(Caller caller, String name) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            if (current.enabled() && name.equals(ROOT)) {
                throw EtcdError.INVALID_AUTH_MGMT.exception();
            }
            if (current.user(name) == null) {
                throw EtcdError.USER_NOT_FOUND.exception();
            }
            txn.deleteRecord(AuthState.USERS, name);
            return true;
        }).thenRun(() -> tokens.invalidateUser(name));
    }

    public CompletableFuture<Void> userChangePassword(Caller caller, String name, String password,
                                                      String hashedPassword) {
        AuthInfo info = authInfo(caller);
        byte[] hash = hash(password, hashedPassword);
        return change(info, (txn, current) -> {
            User user = current.user(name);
            if (user == null) {
                throw EtcdError.USER_NOT_FOUND.exception();
            }
            putUser(txn, user.toBuilder().setPassword(ByteString.copyFrom(hash)).build());
            return true;
        }).thenRun(() -> tokens.invalidateUser(name));
    }

    public CompletableFuture<Void> userGrantRole(Caller caller, String name, String role) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            User user = current.user(name);
            if (user == null) {
                throw EtcdError.USER_NOT_FOUND.exception();
            }
            if (!role.equals(ROOT) && !current.roles().containsKey(role)) {
                throw EtcdError.ROLE_NOT_FOUND.exception();
            }
            if (user.getRolesList().contains(role)) {
                return false;
            }
            List<String> roles = new ArrayList<>(user.getRolesList());
            roles.add(role);
            roles.sort(Comparator.naturalOrder());
            putUser(txn, user.toBuilder().clearRoles().addAllRoles(roles).build());
            return true;
        });
    }

    public CompletableFuture<Void> userRevokeRole(Caller caller, String name, String role) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            if (current.enabled() && name.equals(ROOT) && role.equals(ROOT)) {
                throw EtcdError.INVALID_AUTH_MGMT.exception();
            }
            User user = current.user(name);
            if (user == null) {
                throw EtcdError.USER_NOT_FOUND.exception();
            }
            List<String> roles = new ArrayList<>(user.getRolesList());
            if (!roles.removeIf(role::equals)) {
                throw EtcdError.ROLE_NOT_GRANTED.exception();
            }
            putUser(txn, user.toBuilder().clearRoles().addAllRoles(roles).build());
            return true;
        });
    }

    /** The user's roles; root, or the user asking about itself. */
    public List<String> userGet(Caller caller, String name) {
        AuthState current = state;
        AuthInfo info = authInfo(caller);
        try {
            requireAdmin(current, info);
        } catch (RuntimeException notAdmin) {
            if (info == null || !name.equals(info.username())) {
                throw notAdmin;
            }
        }
        User user = current.user(name);
        if (user == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        return user.getRolesList();
    }

    public List<String> userList(Caller caller) {
        AuthState current = state;
        requireAdmin(current, authInfo(caller));
        return List.copyOf(current.users().keySet());
    }

    public CompletableFuture<Void> roleAdd(Caller caller, String name) {
        if (name.isEmpty()) {
            throw EtcdError.ROLE_EMPTY.exception();
        }
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            if (current.roles().containsKey(name)) {
                throw EtcdError.ROLE_ALREADY_EXIST.exception();
            }
            putRole(txn, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
            return true;
        });
    }

    public CompletableFuture<Void> roleDelete(Caller caller, String name) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            if (current.enabled() && name.equals(ROOT)) {
                throw EtcdError.INVALID_AUTH_MGMT.exception();
            }
            if (!current.roles().containsKey(name)) {
                throw EtcdError.ROLE_NOT_FOUND.exception();
            }
            txn.deleteRecord(AuthState.ROLES, name);
            for (User user : current.users().values()) {
                if (user.getRolesList().contains(name)) {
                    List<String> roles = new ArrayList<>(user.getRolesList());
                    roles.removeIf(name::equals);
                    putUser(txn, user.toBuilder().clearRoles().addAllRoles(roles).build());
                }
            }
            return true;
        });
    }

    /** The role's permissions; root, or a user holding the role. */
    public List<Permission> roleGet(Caller caller, String name) {
        AuthState current = state;
        AuthInfo info = authInfo(caller);
        try {
            requireAdmin(current, info);
        } catch (RuntimeException notAdmin) {
            User user = info == null ? null : current.user(info.username());
            if (user == null || !user.getRolesList().contains(name)) {
                throw notAdmin;
            }
        }
        Role role = current.roles().get(name);
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        return role.getKeyPermissionList();
    }

    public List<String> roleList(Caller caller) {
        AuthState current = state;
        requireAdmin(current, authInfo(caller));
        return List.copyOf(current.roles().keySet());
    }

    /** Adds the permission, or changes the type of one with the same key and range end; kept sorted by key. */
    public CompletableFuture<Void> roleGrantPermission(Caller caller, String name, Permission perm) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            Role role = current.roles().get(name);
            if (role == null) {
                throw EtcdError.ROLE_NOT_FOUND.exception();
            }
            List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
            boolean updated = false;
            for (int i = 0; i < perms.size(); i++) {
                Permission p = perms.get(i);
                if (p.getKey().equals(perm.getKey()) && p.getRangeEnd().equals(perm.getRangeEnd())) {
                    perms.set(i, p.toBuilder().setPermType(perm.getPermType()).build());
                    updated = true;
                    break;
                }
            }
            if (!updated) {
                perms.add(Permission.newBuilder().setKey(perm.getKey()).setRangeEnd(perm.getRangeEnd())
                        .setPermType(perm.getPermType()).build());
                perms.sort((a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey()));
            }
            putRole(txn, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
            return true;
        });
    }

    public CompletableFuture<Void> roleRevokePermission(Caller caller, String name, ByteString key, ByteString rangeEnd) {
        AuthInfo info = authInfo(caller);
        return change(info, (txn, current) -> {
            Role role = current.roles().get(name);
            if (role == null) {
                throw EtcdError.ROLE_NOT_FOUND.exception();
            }
            List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
            if (!perms.removeIf(p -> p.getKey().equals(key) && p.getRangeEnd().equals(rangeEnd))) {
                throw EtcdError.PERMISSION_NOT_GRANTED.exception();
            }
            putRole(txn, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
            return true;
        });
    }

    // ---- writing

    @FunctionalInterface
    private interface Change {
        /** Applies the change to {@code txn}; returns whether the auth revision moves. */
        boolean apply(WriteTxn txn, AuthState current);
    }

    /**
     * Runs {@code change} in the writer against the state as the transaction sees it (earlier changes
     * of the same batch included), after etcd's admin check (which passes while auth is off). The new
     * state is published after the commit. No KV revision is allocated.
     */
    private CompletableFuture<Void> change(AuthInfo info, Change change) {
        return store.write((WriteContext ctx) -> {
            WriteTxn txn = ctx.txn();
            AuthState current = AuthState.load(txn);
            requireAdmin(current, info);
            if (change.apply(txn, current)) {
                txn.putRecord(AuthState.BUCKET, AuthState.REVISION, ByteBuffer.allocate(Long.BYTES).putLong(current.revision() + 1).array());
            }
            AuthState next = AuthState.load(txn);
            ctx.afterCommit(() -> state = next);
            return null;
        });
    }

    private static void putUser(WriteTxn txn, User user) {
        txn.putRecord(AuthState.USERS, user.getName().toStringUtf8(), user.toByteArray());
    }

    private static void putRole(WriteTxn txn, Role role) {
        txn.putRecord(AuthState.ROLES, role.getName().toStringUtf8(), role.toByteArray());
    }

    /** A bcrypt hash of the password, or the hash a 3.5+ client computed itself (hashedPassword). */
    private byte[] hash(String password, String hashedPassword) {
        if (!hashedPassword.isEmpty()) {
            return hashedPassword.getBytes(StandardCharsets.UTF_8);
        }
        return passwords.hash(password);
    }
}
