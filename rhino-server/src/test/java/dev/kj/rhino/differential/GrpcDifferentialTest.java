package dev.kj.rhino.differential;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import dev.kj.rhino.api.authpb.Permission;
import dev.kj.rhino.api.authpb.UserAddOptions;
import dev.kj.rhino.api.etcdserverpb.AuthDisableRequest;
import dev.kj.rhino.api.etcdserverpb.AuthEnableRequest;
import dev.kj.rhino.api.etcdserverpb.AuthGrpc;
import dev.kj.rhino.api.etcdserverpb.AuthRoleAddRequest;
import dev.kj.rhino.api.etcdserverpb.AuthRoleGetRequest;
import dev.kj.rhino.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.kj.rhino.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserAddRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserDeleteRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserGrantRoleRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserListRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserRevokeRoleRequest;
import dev.kj.rhino.api.etcdserverpb.AuthenticateRequest;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.HashRequest;
import dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What etcdctl 3.4 cannot send (more than 128 ops, lease compares, nested txns, count_only, the
 * revision filters), sent with grpc-java to a fresh real etcd and a fresh Rhino; the transcripts
 * of responses (protobuf text, IDs masked) and errors (gRPC code and message) must be equal.
 * Lease IDs are chosen by the client, so they are equal on both servers.
 */
class GrpcDifferentialTest {

    /** One scripted exchange; {@code script} talks to one server and returns its transcript. */
    record Case(String name, Script script) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Script {
        void run(Client client);
    }

    /** Blocking stubs plus the transcript they write. */
    static final class Client {
        private final ManagedChannel channel;
        private final KVGrpc.KVBlockingStub kv;
        private final LeaseGrpc.LeaseBlockingStub lease;
        final List<String> transcript = new ArrayList<>();

        Client(ManagedChannel channel) {
            this.channel = channel;
            this.kv = KVGrpc.newBlockingStub(channel);
            this.lease = LeaseGrpc.newBlockingStub(channel);
        }

        /** The Auth service, sending {@code token} as etcd's clients do (none when null). */
        AuthGrpc.AuthBlockingStub auth(String token) {
            return withToken(AuthGrpc.newBlockingStub(channel), token);
        }

        KVGrpc.KVBlockingStub kv(String token) {
            return withToken(KVGrpc.newBlockingStub(channel), token);
        }

        MaintenanceGrpc.MaintenanceBlockingStub maintenance(String token) {
            return withToken(MaintenanceGrpc.newBlockingStub(channel), token);
        }

        private static <S extends io.grpc.stub.AbstractStub<S>> S withToken(S stub, String token) {
            S timed = stub.withDeadlineAfter(10, TimeUnit.SECONDS);
            if (token == null) {
                return timed;
            }
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
            return timed.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }

        KVGrpc.KVBlockingStub kv() {
            return kv.withDeadlineAfter(10, TimeUnit.SECONDS);
        }

        LeaseGrpc.LeaseBlockingStub lease() {
            return lease.withDeadlineAfter(10, TimeUnit.SECONDS);
        }

        /** Records what a call answered, or the status it failed with. */
        void call(String what, Supplier<? extends MessageOrBuilder> call) {
            transcript.add("> " + what);
            try {
                String text = TextFormat.printer().escapingNonAscii(true).printToString(call.get());
                for (String line : text.split("\n")) {
                    transcript.add(line.replaceAll("(cluster_id|member_id|raft_term): \\d+", "$1: <masked>"));
                }
            } catch (StatusRuntimeException e) {
                transcript.add("error " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            }
        }
    }

    static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static RequestOp put(String key, String value) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value))).build();
    }

    static RequestOp get(String key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes(key))).build();
    }

    static RequestOp del(String key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(key)).setPrevKv(true)).build();
    }

    static RequestOp txn(TxnRequest.Builder txn) {
        return RequestOp.newBuilder().setRequestTxn(txn).build();
    }

    static Compare.Builder compare(String key, Compare.CompareTarget target, Compare.CompareResult result) {
        return Compare.newBuilder().setKey(bytes(key)).setTarget(target).setResult(result);
    }

    static TxnRequest.Builder puts(int count) {
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < count; i++) {
            txn.addSuccess(put(String.format("op/%03d", i), "v"));
        }
        return txn;
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("txn with 128 ops is accepted, 129 is too many", c -> {
                    c.call("txn 129 puts", () -> c.kv().txn(puts(129).build()));
                    c.call("txn 128 puts", () -> c.kv().txn(puts(128).build()).toBuilder().clearResponses());
                    c.call("count op/", () -> c.kv().range(RangeRequest.newBuilder().setKey(bytes("op/")).setRangeEnd(bytes("op0")).setCountOnly(true).build()));
                }),
                new Case("lease compare", c -> {
                    c.call("grant lease 7", () -> c.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(100).build()));
                    c.call("put k with lease 7", () -> c.kv().put(PutRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v")).setLease(7).build()));
                    c.call("put plain without lease", () -> c.kv().put(PutRequest.newBuilder().setKey(bytes("plain")).setValue(bytes("v")).build()));
                    c.call("lease(k) == 7", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("k", Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL).setLease(7))
                            .addSuccess(get("k")).build()));
                    c.call("lease(k) == 0", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("k", Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL).setLease(0))
                            .addSuccess(put("x", "1")).addFailure(get("k")).build()));
                    c.call("lease(plain) == 0 and lease(missing) == 0", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("plain", Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL).setLease(0))
                            .addCompare(compare("missing", Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL).setLease(0))
                            .addSuccess(put("x", "2")).build()));
                    c.call("lease(k) > 6", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("k", Compare.CompareTarget.LEASE, Compare.CompareResult.GREATER).setLease(6))
                            .addSuccess(get("x")).build()));
                }),
                new Case("nested txn", c -> {
                    c.call("put a 1", () -> c.kv().put(PutRequest.newBuilder().setKey(bytes("a")).setValue(bytes("1")).build()));
                    TxnRequest.Builder inner = TxnRequest.newBuilder()
                            .addCompare(compare("a", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL).setValue(bytes("1")))
                            .addSuccess(put("b", "inner-success")).addSuccess(get("a"))
                            .addFailure(put("b", "inner-failure"));
                    c.call("outer success with nested txn", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("a", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL).setVersion(1))
                            .addSuccess(put("c", "outer")).addSuccess(txn(inner)).build()));
                    TxnRequest.Builder innerFails = TxnRequest.newBuilder()
                            .addCompare(compare("a", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL).setValue(bytes("nope")))
                            .addSuccess(put("d", "x")).addFailure(del("c"));
                    c.call("outer failure branch holds a nested txn that fails", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("a", Compare.CompareTarget.VERSION, Compare.CompareResult.GREATER).setVersion(5))
                            .addFailure(txn(innerFails)).build()));
                    c.call("same key put in outer and nested txn", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addSuccess(put("e", "1")).addSuccess(txn(TxnRequest.newBuilder().addSuccess(put("e", "2")))).build()));
                    c.call("same key put in both branches of a nested txn", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addSuccess(put("e", "1")).addSuccess(txn(TxnRequest.newBuilder().addFailure(put("e", "2")))).build()));
                    c.call("range everything", () -> c.kv().range(RangeRequest.newBuilder().setKey(bytes("\0")).setRangeEnd(bytes("\0")).build()));
                }),
                new Case("compare over a key range", c -> {
                    for (String k : List.of("r/1", "r/2", "r/3")) {
                        c.call("put " + k, () -> c.kv().put(PutRequest.newBuilder().setKey(bytes(k)).setValue(bytes("v")).build()));
                    }
                    c.call("version(r/ .. r0) == 1 for all", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("r/", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL).setVersion(1).setRangeEnd(bytes("r0")))
                            .addSuccess(put("r/2", "w")).build()));
                    c.call("version(r/ .. r0) == 1 now false", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("r/", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL).setVersion(1).setRangeEnd(bytes("r0")))
                            .addFailure(get("r/2")).build()));
                    c.call("mod(r/ ..) < 10 from-key", () -> c.kv().txn(TxnRequest.newBuilder()
                            .addCompare(compare("r/", Compare.CompareTarget.MOD, Compare.CompareResult.LESS).setModRevision(10).setRangeEnd(bytes("\0")))
                            .addSuccess(get("r/3")).build()));
                }),
                new Case("range filters etcdctl 3.4 cannot set", c -> {
                    for (String k : List.of("f/a", "f/b", "f/c", "f/a", "f/d", "f/b")) {
                        c.call("put " + k, () -> c.kv().put(PutRequest.newBuilder().setKey(bytes(k)).setValue(bytes(k + "!")).build()));
                    }
                    RangeRequest all = RangeRequest.newBuilder().setKey(bytes("f/")).setRangeEnd(bytes("f0")).build();
                    c.call("count_only", () -> c.kv().range(all.toBuilder().setCountOnly(true).build()));
                    c.call("count_only with limit", () -> c.kv().range(all.toBuilder().setCountOnly(true).setLimit(1).build()));
                    c.call("keys_only limit 2", () -> c.kv().range(all.toBuilder().setKeysOnly(true).setLimit(2).build()));
                    c.call("min_mod_revision 5", () -> c.kv().range(all.toBuilder().setMinModRevision(5).setKeysOnly(true).build()));
                    c.call("max_mod_revision 4", () -> c.kv().range(all.toBuilder().setMaxModRevision(4).setKeysOnly(true).build()));
                    c.call("min_create_revision 3 max_create_revision 4", () -> c.kv().range(all.toBuilder()
                            .setMinCreateRevision(3).setMaxCreateRevision(4).setKeysOnly(true).build()));
                    c.call("min_mod_revision 5 with limit 1", () -> c.kv().range(all.toBuilder().setMinModRevision(5).setLimit(1).build()));
                    c.call("sort by mod desc limit 2", () -> c.kv().range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.MOD)
                            .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(2).build()));
                    c.call("sort target without order", () -> c.kv().range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.VERSION).setKeysOnly(true).build()));
                    c.call("revision 3 count_only", () -> c.kv().range(all.toBuilder().setRevision(3).setCountOnly(true).build()));
                    c.call("serializable", () -> c.kv().range(all.toBuilder().setSerializable(true).setLimit(1).build()));
                }),
                new Case("auth: status codes, root rules, tokens, no KV revision change", c -> {
                    c.call("put seed", () -> c.kv().put(PutRequest.newBuilder().setKey(bytes("seed")).setValue(bytes("0")).build()));
                    c.call("authenticate while disabled", () -> c.auth(null).authenticate(
                            AuthenticateRequest.newBuilder().setName("root").setPassword("x").build()));
                    c.call("enable without root", () -> c.auth(null).authEnable(AuthEnableRequest.getDefaultInstance()));
                    c.call("add user with empty name", () -> c.auth(null).userAdd(AuthUserAddRequest.newBuilder().setPassword("x").build()));
                    c.call("add role with empty name", () -> c.auth(null).roleAdd(AuthRoleAddRequest.getDefaultInstance()));
                    c.call("add root", () -> c.auth(null).userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build()));
                    c.call("enable with root lacking the root role", () -> c.auth(null).authEnable(AuthEnableRequest.getDefaultInstance()));
                    c.call("grant root to root (no root role exists)", () -> c.auth(null).userGrantRole(
                            AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build()));
                    c.call("get role root", () -> c.auth(null).roleGet(AuthRoleGetRequest.newBuilder().setRole("root").build()));
                    c.call("add role app", () -> c.auth(null).roleAdd(AuthRoleAddRequest.newBuilder().setName("app").build()));
                    c.call("grant app/ readwrite", () -> c.auth(null).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder()
                            .setName("app").setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE)
                                    .setKey(bytes("app/")).setRangeEnd(bytes("app0"))).build()));
                    c.call("grant key a read", () -> c.auth(null).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder()
                            .setName("app").setPerm(Permission.newBuilder().setKey(bytes("a"))).build()));
                    c.call("regrant app/ as write", () -> c.auth(null).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder()
                            .setName("app").setPerm(Permission.newBuilder().setPermType(Permission.Type.WRITE)
                                    .setKey(bytes("app/")).setRangeEnd(bytes("app0"))).build()));
                    c.call("get role app", () -> c.auth(null).roleGet(AuthRoleGetRequest.newBuilder().setRole("app").build()));
                    c.call("add user app with no password", () -> c.auth(null).userAdd(AuthUserAddRequest.newBuilder().setName("app")
                            .setOptions(UserAddOptions.newBuilder().setNoPassword(true)).build()));
                    c.call("grant app to app", () -> c.auth(null).userGrantRole(
                            AuthUserGrantRoleRequest.newBuilder().setUser("app").setRole("app").build()));
                    c.call("enable", () -> c.auth(null).authEnable(AuthEnableRequest.getDefaultInstance()));
                    c.call("range without a user", () -> c.kv().range(RangeRequest.newBuilder().setKey(bytes("seed")).build()));
                    c.call("range with a made-up token", () -> c.kv("madeup.1").range(RangeRequest.newBuilder().setKey(bytes("seed")).build()));
                    c.call("hash without a user", () -> c.maintenance(null).hash(HashRequest.getDefaultInstance()));
                    c.call("authenticate with a wrong password", () -> c.auth(null).authenticate(
                            AuthenticateRequest.newBuilder().setName("root").setPassword("wrong").build()));
                    c.call("authenticate a no-password user", () -> c.auth(null).authenticate(
                            AuthenticateRequest.newBuilder().setName("app").setPassword("x").build()));
                    String root = c.auth(null).authenticate(
                            AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw").build()).getToken();
                    c.call("range as root", () -> c.kv(root).range(RangeRequest.newBuilder().setKey(bytes("seed")).build()));
                    c.call("list users as root", () -> c.auth(root).userList(AuthUserListRequest.getDefaultInstance()));
                    c.call("delete root", () -> c.auth(root).userDelete(AuthUserDeleteRequest.newBuilder().setName("root").build()));
                    c.call("revoke root from root", () -> c.auth(root).userRevokeRole(
                            AuthUserRevokeRoleRequest.newBuilder().setName("root").setRole("root").build()));
                    c.call("revoke a permission not granted", () -> c.auth(root).roleRevokePermission(
                            AuthRoleRevokePermissionRequest.newBuilder().setRole("app").setKey(bytes("b")).build()));
                    c.call("disable", () -> c.auth(root).authDisable(AuthDisableRequest.getDefaultInstance()));
                    c.call("range with the old token", () -> c.kv(root).range(RangeRequest.newBuilder().setKey(bytes("seed")).build()));
                    c.call("range without a user", () -> c.kv().range(RangeRequest.newBuilder().setKey(bytes("seed")).build()));
                }),
                new Case("binary keys, empty values, prev_kv on delete", c -> {
                    c.call("put \\0\\xff key", () -> c.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0, (byte) 0xff}))
                            .setValue(ByteString.EMPTY).build()));
                    c.call("put \\xff\\xfe key", () -> c.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xfe}))
                            .setValue(bytes("hi")).build()));
                    c.call("put key with empty value", () -> c.kv().put(PutRequest.newBuilder().setKey(bytes("empty")).setPrevKv(true).build()));
                    c.call("range all", () -> c.kv().range(RangeRequest.newBuilder().setKey(bytes("\0")).setRangeEnd(bytes("\0")).build()));
                    c.call("range from \\xff", () -> c.kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {(byte) 0xff}))
                            .setRangeEnd(bytes("\0")).build()));
                    c.call("delete all with prev_kv", () -> c.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("\0"))
                            .setRangeEnd(bytes("\0")).setPrevKv(true).build()));
                    c.call("empty key", () -> c.kv().put(PutRequest.newBuilder().setKey(ByteString.EMPTY).setValue(bytes("v")).build()));
                    c.call("range with empty key", () -> c.kv().range(RangeRequest.newBuilder().setKey(ByteString.EMPTY).build()));
                    c.call("delete with empty key", () -> c.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.EMPTY).build()));
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameResponses(Case c) throws Exception {
        Path work = Files.createTempDirectory("kj-grpc-differential-");
        try {
            List<String> expected;
            String expectedLabel;
            try (Target etcd = Target.realEtcd()) {
                expectedLabel = etcd.label();
                expected = play(c, etcd);
            }
            List<String> actual;
            String actualLabel;
            try (Target other = Target.underTest(Target.privateDirectory(work.resolve("data")))) {
                actualLabel = other.label();
                actual = play(c, other);
            }
            if (!expected.equals(actual)) {
                String diff = UnifiedDiff.diff(expectedLabel, expected, actualLabel, actual);
                System.err.println("=== grpc case " + c.name() + ": transcripts differ\n" + diff);
                fail("grpc case '" + c.name() + "': " + actualLabel + " differs from " + expectedLabel + "\n" + diff);
            }
            if (Boolean.getBoolean("kj.differential.print")) {
                System.out.println("=== grpc case " + c.name() + "\n" + String.join("\n", expected));
            }
        } finally {
            TempDirs.deleteRecursively(work);
        }
    }

    private static List<String> play(Case c, Target target) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target.endpoint()).usePlaintext().build();
        try {
            Client client = new Client(channel);
            c.script().run(client);
            return client.transcript;
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
