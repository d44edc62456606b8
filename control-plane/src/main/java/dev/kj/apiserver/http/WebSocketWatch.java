package dev.kj.apiserver.http;

import dev.kj.apiserver.endpoints.ApiResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A watch over WebSocket, as upstream's API server serves one when the request asks to upgrade (Java
 * clients such as fabric8 watch so): after the handshake each event is one text message holding its
 * JSON; the server closes the socket when the watch ends, and a client's close frame ends the watch.
 * Only JSON watches upgrade; other streams stay chunked HTTP.
 */
final class WebSocketWatch {
    private static final int MAX_FRAME_BYTES = 64 * 1024;

    private WebSocketWatch() {
    }

    static boolean isUpgrade(FullHttpRequest http) {
        return http.protocolVersion().equals(HttpVersion.HTTP_1_1)
                && http.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && http.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** The request without its body, kept for the handshake after the original is released. */
    static FullHttpRequest headersOnly(FullHttpRequest http) {
        return new DefaultFullHttpRequest(http.protocolVersion(), http.method(), http.uri(), Unpooled.EMPTY_BUFFER,
                http.headers().copy(), EmptyHttpHeaders.INSTANCE);
    }

    static boolean carries(ApiResponse.Stream stream) {
        return stream.contentType().startsWith("application/json");
    }

    static void serve(ChannelHandlerContext ctx, FullHttpRequest upgrade, ApiResponse.Stream stream) {
        String location = "wss://" + upgrade.headers().get(HttpHeaderNames.HOST, "localhost") + upgrade.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, null, false, MAX_FRAME_BYTES)
                .newHandshaker(upgrade);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.pipeline().addLast("websocket-control", new Control(handshaker));
        handshaker.handshake(ctx.channel(), upgrade).addListener(done -> {
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            start(ctx, stream);
            ctx.channel().config().setAutoRead(true);
        });
    }

    private static void start(ChannelHandlerContext ctx, ApiResponse.Stream stream) {
        AtomicBoolean ended = new AtomicBoolean();
        AtomicLong unsent = new AtomicLong();
        AutoCloseable producer;
        try {
            producer = stream.source().start(new ApiResponse.StreamSink() {
                @Override
                public void send(byte[] event) {
                    if (ended.get()) {
                        return;
                    }
                    if (unsent.addAndGet(event.length) > MAX_UNSENT_BYTES) {
                        ended.set(true);
                        ctx.close();
                        return;
                    }
                    ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(event)),
                            ApiChannelHandler.completion(ctx, f -> unsent.addAndGet(-event.length)));
                }

                @Override
                public void end() {
                    if (ended.compareAndSet(false, true)) {
                        // a normal closure, as upstream's handler returning does
                        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                }
            });
        } catch (RuntimeException e) {
            System.getLogger(WebSocketWatch.class.getName()).log(System.Logger.Level.ERROR, "watch failed to start", e);
            ctx.close();
            return;
        }
        ctx.channel().closeFuture().addListener(f -> {
            ended.set(true);
            ApiChannelHandler.closeQuietly(producer);
        });
    }

    /** Answers pings and a client's close; other messages from the client are ignored, as upstream does. */
    private static final class Control extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final WebSocketServerHandshaker handshaker;

        Control(WebSocketServerHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            switch (frame) {
                case CloseWebSocketFrame close -> handshaker.close(ctx.channel(), close.retain());
                case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                default -> {
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final long MAX_UNSENT_BYTES = ApiResponse.StreamSink.MAX_UNSENT_BYTES;
}
