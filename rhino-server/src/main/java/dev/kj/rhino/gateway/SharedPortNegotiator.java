package dev.kj.rhino.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.internal.GrpcAttributes;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * Serves gRPC and etcd's JSON gateway on one port, as etcd does (it uses cmux): each new connection
 * is classified. In plaintext, by its first bytes: the HTTP/2 client preface goes to grpc-netty's
 * own negotiation, anything else is HTTP/1.x and gets the gateway's pipeline. With TLS, by ALPN
 * after the handshake: {@code h2} is gRPC, {@code http/1.1} the gateway, and a client that offered
 * no protocol is sniffed like a plaintext one.
 *
 * <p>Why a protocol negotiator: grpc-java cannot adopt a connection accepted elsewhere, and
 * proxying every gRPC byte through a second hop would tax the hot path. The negotiator is the one
 * place grpc-netty lets code run on a connection before its HTTP/2 handler is installed (the API
 * is marked internal, so it is confined to this class). Consequences handled here: grpc's handshake
 * timeout would also kill a long HTTP/1.1 watch, so the server disables it and this class bounds
 * the start of a connection (TLS handshake and first bytes) to the same 120 s instead.
 */
public final class SharedPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    /** grpc-java's default handshake timeout, applied to the time until the protocol is known. */
    static final long DETECT_TIMEOUT_SECONDS = 120;

    private final SslContext tls;
    private final Consumer<ChannelHandlerContext> http1;
    private final InternalProtocolNegotiator.ProtocolNegotiator grpcPlaintext = InternalProtocolNegotiators.serverPlaintext();

    private SharedPortNegotiator(SslContext tls, Consumer<ChannelHandlerContext> http1) {
        this.tls = tls;
        this.http1 = http1;
    }

    /** @param http1 installs the HTTP/1.x handlers after the given context */
    public static SharedPortNegotiator plaintext(Consumer<ChannelHandlerContext> http1) {
        return new SharedPortNegotiator(null, http1);
    }

    /**
     * TLS in front of both protocols. {@code sslContext} must be a server context whose ALPN
     * offers {@code h2} and {@code http/1.1} (grpc's GrpcSslContexts offers h2 only).
     */
    public static SharedPortNegotiator tls(SslContext sslContext, Consumer<ChannelHandlerContext> http1) {
        return new SharedPortNegotiator(sslContext, http1);
    }

    @Override
    public AsciiString scheme() {
        return tls == null ? AsciiString.of("http") : AsciiString.of("https");
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        if (tls == null) {
            return new Sniffer(grpcPlaintext.newHandler(grpcHandler), http1, null);
        }
        return new TlsStart(tls, grpcHandler, http1);
    }

    @Override
    public void close() {
        grpcPlaintext.close();
    }

    /** The TLS handshake, then the protocol ALPN chose. */
    static final class TlsStart extends ChannelInboundHandlerAdapter {
        private final SslContext sslContext;
        private final GrpcHttp2ConnectionHandler grpcHandler;
        private final Consumer<ChannelHandlerContext> http1;
        private ProtocolNegotiationEvent negotiationEvent = InternalProtocolNegotiationEvent.getDefault();
        private ScheduledFuture<?> timeout;

        TlsStart(SslContext sslContext, GrpcHttp2ConnectionHandler grpcHandler, Consumer<ChannelHandlerContext> http1) {
            this.sslContext = sslContext;
            this.grpcHandler = grpcHandler;
            this.http1 = http1;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addBefore(ctx.name(), null, sslContext.newHandler(ctx.alloc()));
            timeout = ctx.executor().schedule(() -> ctx.close(), DETECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            timeout.cancel(false);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof ProtocolNegotiationEvent pne) {
                negotiationEvent = pne;
                return;
            }
            if (!(event instanceof SslHandshakeCompletionEvent handshake)) {
                super.userEventTriggered(ctx, event);
                return;
            }
            if (!handshake.isSuccess()) {
                ctx.fireExceptionCaught(handshake.cause()); // grpc's exception handler closes the connection
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            ProtocolNegotiationEvent secured = secured(ctx, ssl.engine().getSession());
            ChannelHandler grpc = InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler);
            String protocol = ssl.applicationProtocol();
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                ctx.pipeline().replace(this, null, grpc);
                ctx.fireUserEventTriggered(secured);
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                http1.accept(ctx);
                ctx.pipeline().remove(this);
            } else {
                ctx.pipeline().replace(this, null, new Sniffer(grpc, http1, secured));
            }
        }

        /** What grpc's own TLS negotiation tells the transport: addresses, privacy, the session. */
        private ProtocolNegotiationEvent secured(ChannelHandlerContext ctx, SSLSession session) {
            Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(negotiationEvent).toBuilder()
                    .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ctx.channel().localAddress())
                    .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ctx.channel().remoteAddress())
                    .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY)
                    .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                    .build();
            return InternalProtocolNegotiationEvent.withSecurity(
                    InternalProtocolNegotiationEvent.withAttributes(negotiationEvent, attributes),
                    new InternalChannelz.Security(new InternalChannelz.Tls(session)));
        }
    }

    /** Holds the first bytes (and grpc's negotiation event) until the protocol is known. */
    static final class Sniffer extends ChannelInboundHandlerAdapter {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

        private final ChannelHandler grpcNegotiation;
        private final Consumer<ChannelHandlerContext> http1;
        private Object negotiationEvent;
        private ByteBuf received;
        private ScheduledFuture<?> timeout;

        /** @param negotiationEvent the event for grpc's handlers, or null to take it from the pipeline */
        Sniffer(ChannelHandler grpcNegotiation, Consumer<ChannelHandlerContext> http1, Object negotiationEvent) {
            this.grpcNegotiation = grpcNegotiation;
            this.http1 = http1;
            this.negotiationEvent = negotiationEvent;
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
