package dev.kj.rhino.backend.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestPostgres;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Keys PostgreSQL cannot index are refused when the request arrives, with a clear error, and do not
 * fail other writes committed in the same batch.
 */
class PostgresKeyLimitTest {
    @Test
    void anUnindexableKeyIsRefusedAloneAndTheBatchCommits() throws Exception {
        Path dir = Files.createTempDirectory("kj-pg-keylimit-");
        try (RhinoServer server = RhinoServer.start(RhinoConfig.defaults(dir).withEndpoint(TestPostgres.freshDatabase())
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(server.clientAddresses().getFirst()).usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                byte[] random = new byte[PostgresBackend.MAX_KEY_BYTES + 1];
                new SecureRandom().nextBytes(random); // incompressible
                ByteString tooLong = ByteString.copyFrom(random);
                // Concurrent ordinary puts share group commits with the refused ones.
                CompletableFuture<?>[] others = new CompletableFuture<?>[50];
                for (int i = 0; i < others.length; i++) {
                    int n = i;
                    others[i] = CompletableFuture.runAsync(() -> kv.put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("/ok/" + n)).setValue(ByteString.copyFromUtf8("v")).build()));
                }
                var put = assertThrows(StatusRuntimeException.class, () -> kv.put(PutRequest.newBuilder()
                        .setKey(tooLong).setValue(ByteString.copyFromUtf8("v")).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, put.getStatus().getCode());
                assertEquals(EtcdError.KEY_TOO_LONG.message(), put.getStatus().getDescription());
                var txn = assertThrows(StatusRuntimeException.class, () -> kv.txn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(tooLong))).build()));
                assertEquals(EtcdError.KEY_TOO_LONG.message(), txn.getStatus().getDescription());
                CompletableFuture.allOf(others).get(30, TimeUnit.SECONDS);
                // The longest accepted key, incompressible, is stored.
                ByteString longest = tooLong.substring(1);
                kv.put(PutRequest.newBuilder().setKey(longest).setValue(ByteString.copyFromUtf8("v")).build());
                assertEquals(1, kv.range(dev.kj.rhino.api.etcdserverpb.RangeRequest.newBuilder().setKey(longest).build())
                        .getKvsCount());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }
}
