package dev.kj.kubelet.cri;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel to a CRI runtime's unix socket. The runtime and image services may share one
 * (containerd serves both on its socket) or each have their own, as upstream's
 * --image-service-endpoint allows.
 */
public final class CriConnection implements AutoCloseable {
    /** The largest message the kubelet accepts from a runtime, upstream's 16 MiB. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final CriEndpoint endpoint;
    private final EventLoopGroup eventLoop;
    private final ManagedChannel channel;

    private CriConnection(CriEndpoint endpoint, EventLoopGroup eventLoop, ManagedChannel channel) {
        this.endpoint = endpoint;
        this.eventLoop = eventLoop;
        this.channel = channel;
    }

    /** Connects lazily: the first call dials, and a runtime that restarts is dialled again. */
    public static CriConnection open(CriEndpoint endpoint) {
        EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(endpoint.socket().toFile()))
                .eventLoopGroup(eventLoop)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // gRPC needs an authority; a socket path is not one.
                .overrideAuthority("localhost")
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        return new CriConnection(endpoint, eventLoop, channel);
    }

    public CriEndpoint endpoint() {
        return endpoint;
    }

    ManagedChannel channel() {
        return channel;
    }

    /** A runtime service client over this connection; {@code timeout} bounds each call (upstream's --runtime-request-timeout). */
    public RuntimeClient runtime(Duration timeout) {
        return new RuntimeClient(this, timeout);
    }

    /** An image service client over this connection. */
    public ImageClient images(Duration timeout) {
        return new ImageClient(this, timeout);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
