package dev.kj.rhino.gateway;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves gRPC and etcd's JSON gateway on one port, as etcd does (it uses cmux): each new connection
 * is classified by its first bytes. The HTTP/2 client preface goes to grpc-netty's own plaintext
 * negotiation, anything else is HTTP/1.x and gets the gateway's pipeline.
 *
 * <p>Why a protocol negotiator: grpc-java cannot adopt a connection accepted elsewhere, and
 * proxying every gRPC byte through a second hop would tax the hot path. The negotiator is the one
 * place grpc-netty lets code run on a connection before its HTTP/2 handler is installed (the API
 * is marked internal, so it is confined to this class). Consequences handled here: grpc's handshake
 * timeout would also kill a long HTTP/1.1 watch, so the server disables it and this sniffer keeps
 * the same 120 s bound on the silent start of a connection instead.
 *
 * <p>TLS would sit in front of the sniffer: after the handshake, ALPN {@code h2} goes to gRPC (with
 * the TLS session in the negotiation event) and {@code http/1.1} or no ALPN to the gateway.
 */
public final class SharedPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    /** grpc-java's default handshake timeout, applied to the time until the protocol is known. */
    static final long DETECT_TIMEOUT_SECONDS = 120;

    private final InternalProtocolNegotiator.ProtocolNegotiator grpc = InternalProtocolNegotiators.serverPlaintext();
    private final Consumer<ChannelHandlerContext> http1;

    /** @param http1 installs the HTTP/1.x handlers after the given context (the sniffer's) */
    public SharedPortNegotiator(Consumer<ChannelHandlerContext> http1) {
        this.http1 = http1;
    }

    @Override
    public AsciiString scheme() {
        return grpc.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new Sniffer(grpc.newHandler(grpcHandler), http1);
    }

    @Override
    public void close() {
        grpc.close();
    }

    /** Holds the first bytes and grpc's negotiation event until the protocol is known. */
    static final class Sniffer extends ChannelInboundHandlerAdapter {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

        private final ChannelHandler grpcNegotiation;
        private final Consumer<ChannelHandlerContext> http1;
        private Object negotiationEvent;
        private ByteBuf received;
        private ScheduledFuture<?> timeout;

        Sniffer(ChannelHandler grpcNegotiation, Consumer<ChannelHandlerContext> http1) {
            this.grpcNegotiation = grpcNegotiation;
            this.http1 = http1;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            received = ctx.alloc().buffer(PREFACE.readableBytes());
            timeout = ctx.executor().schedule(() -> ctx.close(), DETECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            timeout.cancel(false);
            if (received != null) {
                received.release();
                received = null;
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            // grpc's negotiation starts with an event its own handlers must see once we choose gRPC
            if (negotiationEvent == null && event instanceof ProtocolNegotiationEvent) {
                negotiationEvent = event;
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                received.writeBytes(bytes);
            } finally {
                bytes.release();
            }
            int compared = Math.min(received.readableBytes(), PREFACE.readableBytes());
            boolean prefaceSoFar = ByteBufUtil.equals(received, received.readerIndex(), PREFACE, 0, compared);
            if (prefaceSoFar && compared < PREFACE.readableBytes()) {
                return; // could still become either protocol
            }
            ByteBuf first = received;
            received = null;
            if (prefaceSoFar) {
                // Install grpc's chain, let it see the negotiation event (it then puts its HTTP/2
                // handler in place synchronously: the channel is active), then replay the bytes.
                ctx.pipeline().replace(this, null, grpcNegotiation);
                ctx.fireUserEventTriggered(negotiationEvent);
                ctx.fireChannelRead(first);
            } else {
                http1.accept(ctx);
                ctx.fireChannelRead(first);
                ctx.pipeline().remove(this);
            }
        }
    }
}
