package dev.kj.rhino.testing;

import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Rhino server on a free loopback port in a temp dir, with a plaintext gRPC channel to it. */
public final class GrpcRhino implements AutoCloseable {
    private final Path dir;
    private final RhinoServer server;
    private final ManagedChannel channel;

    private GrpcRhino(Path dir, RhinoServer server, ManagedChannel channel) {
        this.dir = dir;
        this.server = server;
        this.channel = channel;
    }

    public static GrpcRhino start() throws IOException {
        Path dir = Files.createTempDirectory("rhino-test-");
        RhinoServer server = RhinoServer.start(TestBackends.config(dir)
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        ManagedChannel channel = NettyChannelBuilder.forAddress(server.clientAddresses().get(0)).usePlaintext().build();
        return new GrpcRhino(dir, server, channel);
    }

    public RhinoServer server() {
        return server;
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** Grants a 60 s lease through the gRPC API. */
    public long lease() {
        return LeaseGrpc.newBlockingStub(channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        TempDirs.deleteRecursively(dir);
    }
}
