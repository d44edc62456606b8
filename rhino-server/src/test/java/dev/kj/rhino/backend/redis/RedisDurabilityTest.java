package dev.kj.rhino.backend.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.PutResponse;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.testing.PrivateRedis;
import dev.kj.rhino.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Acknowledged writes survive kill -9 of a Redis that rhino accepted as durable (its own private
 * server with appendonly yes, appendfsync always), and a server that would lose them is refused.
 */
class RedisDurabilityTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("rhino-redis-durable-");
    }

    @AfterEach
    void tearDown() {
        TempDirs.deleteRecursively(dir);
    }

    @Test
    void everyAcknowledgedPutSurvivesKillingRedis() throws Exception {
        try (PrivateRedis redis = PrivateRedis.start(dir, "--appendonly", "yes", "--appendfsync", "always")) {
            RhinoConfig config = RhinoConfig.defaults(dir.resolve("scratch")).withEndpoint(redis.url())
                    .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0")));
            List<PutResponse> acked = new ArrayList<>();
            RhinoServer server = RhinoServer.start(config);
            ManagedChannel channel = channel(server);
            try {
                KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(channel);
                List<CompletableFuture<PutResponse>> puts = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("durable/" + i))
                            .setValue(ByteString.copyFromUtf8("v" + i)).build();
                    CompletableFuture<PutResponse> f = new CompletableFuture<>();
                    com.google.common.util.concurrent.Futures.addCallback(kv.put(put),
                            new com.google.common.util.concurrent.FutureCallback<>() {
                                @Override
                                public void onSuccess(PutResponse r) {
                                    f.complete(r);
                                }

                                @Override
                                public void onFailure(Throwable t) {
                                    f.completeExceptionally(t);
                                }
                            }, Runnable::run);
                    puts.add(f);
                }
                for (CompletableFuture<PutResponse> f : puts) {
                    acked.add(f.get(30, TimeUnit.SECONDS));
                }
                redis.kill();
                redis.restart();
                // the running rhino reconnects on its next request
                PutResponse after = null;
                for (int attempt = 0; attempt < 50 && after == null; attempt++) {
                    try {
                        after = KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("after-restart")).setValue(ByteString.copyFromUtf8("x")).build());
                    } catch (io.grpc.StatusRuntimeException e) {
                        Thread.sleep(100);
                    }
                }
                assertTrue(after != null, "rhino writes again once Redis is back");
                long newest = acked.stream().mapToLong(r -> r.getHeader().getRevision()).max().orElseThrow();
                assertEquals(301, newest, "300 puts on a store at revision 1");
                assertEquals(newest + 1, after.getHeader().getRevision(), "no revision lost or reused");
            } finally {
                channel.shutdownNow();
                server.close();
            }
            RhinoServer fresh = RhinoServer.start(config);
            ManagedChannel freshChannel = channel(fresh);
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(freshChannel);
                for (int i = 0; i < acked.size(); i++) {
                    RangeResponse r = kv.range(RangeRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("durable/" + i)).build());
                    assertEquals(1, r.getKvsCount(), "durable/" + i + " survived");
                    assertEquals("v" + i, r.getKvs(0).getValue().toStringUtf8());
                    assertEquals(acked.get(i).getHeader().getRevision(), r.getKvs(0).getModRevision());
                }
            } finally {
                freshChannel.shutdownNow();
                fresh.close();
            }
        }
    }

    /** Before 7.2 nothing makes everysec durable, so it is refused; from 7.2 rhino waits with WAITAOF. */
    @Test
    void aServerThatFsyncsOnlyEverySecondIsRefusedUnlessItHasWaitAof() throws Exception {
        try (PrivateRedis redis = PrivateRedis.start(dir, "--appendonly", "yes", "--appendfsync", "everysec")) {
            String version = serverVersion(redis.url());
            if (RedisBackend.atLeast(version, 7, 2)) {
                try (RedisBackend backend = RedisBackend.open(redis.url())) {
                    assertEquals(new Durability.WaitAof(10_000), backend.durability());
                }
            } else {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedisBackend.open(redis.url()));
                assertTrue(e.getMessage().contains("appendfsync is everysec and Redis " + version + " has no WAITAOF"),
                        e.getMessage());
            }
        }
    }

    @Test
    void aServerWithoutAppendOnlyFileIsRefused() throws Exception {
        try (PrivateRedis redis = PrivateRedis.start(dir, "--appendonly", "no")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedisBackend.open(redis.url()));
            assertTrue(e.getMessage().contains("appendonly is off"), e.getMessage());
            try (RedisBackend accepted = RedisBackend.open(redis.url() + "?unsafe-no-fsync=true")) {
                assertEquals(new Durability.None(), accepted.durability());
            }
        }
    }

    private static String serverVersion(String url) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(url);
        try (var c = client.connect()) {
            return c.sync().info("server").lines().filter(l -> l.startsWith("redis_version:"))
                    .map(l -> l.substring("redis_version:".length()).strip()).findFirst().orElseThrow();
        } finally {
            client.shutdown();
        }
    }

    private static ManagedChannel channel(RhinoServer server) {
        return NettyChannelBuilder.forAddress(server.clientAddresses().get(0)).usePlaintext().build();
    }
}
