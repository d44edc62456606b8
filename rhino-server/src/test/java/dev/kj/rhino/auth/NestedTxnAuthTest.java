package dev.kj.rhino.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.authpb.Permission;
import dev.kj.rhino.api.etcdserverpb.AuthEnableRequest;
import dev.kj.rhino.api.etcdserverpb.AuthGrpc;
import dev.kj.rhino.api.etcdserverpb.AuthRoleAddRequest;
import dev.kj.rhino.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserAddRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserGrantRoleRequest;
import dev.kj.rhino.api.etcdserverpb.AuthenticateRequest;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.testing.GrpcRhino;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;

/** A txn nested in a txn is checked op by op, like the outer one (etcd fixed 3.4's gap later). */
class NestedTxnAuthTest {
    private static ByteString utf8(String text) {
        return ByteString.copyFromUtf8(text);
    }

    private static TxnRequest nestedPut(String key) {
        TxnRequest inner = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(utf8(key)).setValue(utf8("v")))).build();
        return TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(inner)).build();
    }

    @Test
    void nestedOpsNeedTheirPermissions() throws Exception {
        try (GrpcRhino rhino = GrpcRhino.start()) {
            AuthGrpc.AuthBlockingStub admin = AuthGrpc.newBlockingStub(rhino.channel());
            admin.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
            admin.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            admin.roleAdd(AuthRoleAddRequest.newBuilder().setName("app").build());
            admin.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("app").setPerm(
                    Permission.newBuilder().setPermType(Permission.Type.READWRITE)
                            .setKey(utf8("app/")).setRangeEnd(utf8("app0"))).build());
            admin.userAdd(AuthUserAddRequest.newBuilder().setName("app").setPassword("apppw").build());
            admin.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("app").setRole("app").build());
            admin.authEnable(AuthEnableRequest.getDefaultInstance());

            String token = admin.authenticate(AuthenticateRequest.newBuilder().setName("app").setPassword("apppw")
                    .build()).getToken();
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
            KVGrpc.KVBlockingStub app = KVGrpc.newBlockingStub(rhino.channel())
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));

            assertTrue(app.txn(nestedPut("app/inner")).getSucceeded());
            StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, () -> app.txn(nestedPut("secret")));
            assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
            assertEquals("etcdserver: permission denied", denied.getStatus().getDescription());
            assertEquals(0, app.range(RangeRequest.newBuilder().setKey(utf8("app/")).setRangeEnd(utf8("app0"))
                    .setCountOnly(true).build()).getCount() - 1, "only the permitted nested put happened");
        }
    }
}
