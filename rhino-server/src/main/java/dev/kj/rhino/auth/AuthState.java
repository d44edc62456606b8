package dev.kj.rhino.auth;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kj.rhino.api.authpb.Role;
import dev.kj.rhino.api.authpb.User;
import dev.kj.rhino.backend.ReadTxn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the auth store holds, as of one auth revision, read from the backend's records:
 * bucket {@value #USERS} (name → authpb.User), {@value #ROLES} (name → authpb.Role) and
 * {@value #BUCKET} (the enabled flag and the auth revision), plus each user's merged permissions.
 */
record AuthState(boolean enabled, long revision, SortedMap<String, User> users, SortedMap<String, Role> roles,
                 Map<String, KeyPermissions> permissions) {
    static final String ROOT = "root";
    static final String BUCKET = "auth";
    static final String USERS = "authUsers";
    static final String ROLES = "authRoles";
    static final String ENABLED = "enabled";
    static final String REVISION = "revision";

    static AuthState load(ReadTxn txn) {
        byte[] enabled = txn.record(BUCKET, ENABLED);
        byte[] revision = txn.record(BUCKET, REVISION);
        SortedMap<String, User> users = new TreeMap<>();
        txn.records(USERS).forEach((name, bytes) -> users.put(name, parse(bytes, User::parseFrom)));
        SortedMap<String, Role> roles = new TreeMap<>();
        txn.records(ROLES).forEach((name, bytes) -> roles.put(name, parse(bytes, Role::parseFrom)));
        Map<String, KeyPermissions> permissions = new HashMap<>();
        for (User user : users.values()) {
            List<Role> granted = new ArrayList<>();
            for (String role : user.getRolesList()) {
                Role r = roles.get(role);
                if (r != null) {
                    granted.add(r);
                }
            }
            permissions.put(user.getName().toStringUtf8(), KeyPermissions.of(granted));
        }
        // etcd starts the auth revision at 1, so 0 can mean "no user" in an AuthInfo
        return new AuthState(enabled != null && enabled.length == 1 && enabled[0] == 1,
                revision == null ? 1 : ByteBuffer.wrap(revision).getLong(),
                users, roles, permissions);
    }

    User user(String name) {
        return users.get(name);
    }

    boolean hasRootRole(User user) {
        return user.getRolesList().contains(ROOT);
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(byte[] bytes, Parser<T> parser) {
        try {
            return parser.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt auth record", e);
        }
    }
}
