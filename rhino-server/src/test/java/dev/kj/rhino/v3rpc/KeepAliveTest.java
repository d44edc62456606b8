package dev.kj.rhino.v3rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Clients that ping often (grpc-java's floor is 10 s; a kube-apiserver pings every 30 s) must not be
 * cut off with GOAWAY "too_many_pings", which is what a grpc-java server does by default (it only
 * permits a ping every 5 minutes). Takes about 35 s: three pings past the default's two strikes.
 */
class KeepAliveTest {
    @Test
    void frequentClientPingsKeepAWatchAlive() throws Exception {
        Path dir = Files.createTempDirectory("rhino-keepalive-test-");
        try (RhinoServer server = RhinoServer.start(RhinoConfig.defaults(dir)
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(server.clientAddresses().get(0)).usePlaintext()
                    .keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(true).build();
            try {
                BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                var requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                    @Override public void onNext(WatchResponse value) { responses.add(value); }
                    @Override public void onError(Throwable t) { failure.set(t); }
                    @Override public void onCompleted() { }
                });
                requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("ka"))).build());
                assertTrue(responses.poll(5, TimeUnit.SECONDS).getCreated());

                Thread.sleep(35_000);
                assertNull(failure.get(), "the watch was cut off");
                KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("ka"))
                        .setValue(ByteString.copyFromUtf8("still here")).build());
                WatchResponse event = responses.poll(5, TimeUnit.SECONDS);
                assertNull(failure.get(), "the watch was cut off");
                assertEquals("still here", event.getEvents(0).getKv().getValue().toStringUtf8());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }
}
