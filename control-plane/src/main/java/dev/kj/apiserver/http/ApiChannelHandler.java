package dev.kj.apiserver.http;

import dev.kj.apiserver.authn.RequestAuthenticator;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.endpoints.ApiRequest;
import dev.kj.apiserver.endpoints.ApiResponse;
import dev.kj.apiserver.endpoints.ApiRouter;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Netty ↔ {@link ApiRouter}: decodes a request into an {@link ApiRequest}, runs the router on a
 * virtual thread (storage calls block), and writes the answer, streaming chunks for watches. Reading
 * pauses while a request is handled, so responses leave in request order.
 */
final class ApiChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ApiRouter router;
    private final RequestAuthenticator authenticator;

    ApiChannelHandler(ApiRouter router, RequestAuthenticator authenticator) {
        this.router = router;
        this.authenticator = authenticator;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
        ApiRequest decoded = decode(ctx, http);
        Certificate[] chain = peerCertificates(ctx);
        boolean keepAlive = HttpUtil.isKeepAlive(http);
        java.util.List<Map.Entry<String, String>> rawHeaders = http.headers().entries(); // a spliced upgrade sends them on
        boolean head = decoded.method().equals("HEAD");
        // WebSocket upgrades exist on HTTP/1.1 connections only (an HTTP/2 stream's request reads as 1.1 here)
        FullHttpRequest upgrade = !(ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel)
                && WebSocketWatch.isUpgrade(http) ? WebSocketWatch.headersOnly(http) : null;
        ctx.channel().config().setAutoRead(false);
        Thread.ofVirtual().name("apiserver-request").start(() -> {
            // authenticated here, off the event loop: token checks read storage
            ApiResponse response = switch (authenticator.authenticate(chain, decoded.headers().get("authorization"))) {
                case RequestAuthenticator.Result.Authenticated ok -> router.handle(authenticatedAs(decoded, ok.user()));
                case RequestAuthenticator.Result.Unauthenticated none -> router.handle(decoded);
                case RequestAuthenticator.Result.Rejected rejected -> router.unauthorized(decoded);
            };
            switch (response) {
                case ApiResponse.Full full -> writeFull(ctx, full, keepAlive, head);
                case ApiResponse.Stream stream when upgrade != null && WebSocketWatch.carries(stream) ->
                        WebSocketWatch.serve(ctx, upgrade, stream);
                case ApiResponse.Stream stream -> writeStream(ctx, stream, keepAlive);
                case ApiResponse.Upgrade tunnel when !(ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel) ->
                        dev.kj.api.stream.Splice.join(ctx.channel(), java.util.List.of("api", "aggregate", "http"), tunnel.host(),
                                tunnel.port(), tunnel.tls(), dev.kj.api.stream.Splice.requestHead(decoded.method(),
                                        tunnel.pathAndQuery(), tunnel.host() + ":" + tunnel.port(), rawHeaders));
                case ApiResponse.Upgrade tunnel -> writeFull(ctx, ApiResponse.Full.text(400,
                        "Upgrade request required"), keepAlive, head);
            }
        });
    }

    private static ApiRequest decode(ChannelHandlerContext ctx, FullHttpRequest http) {
        QueryStringDecoder uri = new QueryStringDecoder(http.uri());
        Map<String, String> headers = new HashMap<>();
        http.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "," + b));
        byte[] body = ByteBufUtil.getBytes(http.content());
        return new ApiRequest(http.method().name(), uri.path(), uri.parameters(), headers, body, Optional.empty());
    }

    /** As upstream, a credential that authenticated is removed so nothing past authentication can reuse it. */
    private static ApiRequest authenticatedAs(ApiRequest request, User user) {
        Map<String, String> headers = new HashMap<>(request.headers());
        headers.remove("authorization");
        return new ApiRequest(request.method(), request.path(), request.query(), headers, request.body(), Optional.of(user));
    }

    private static Certificate[] peerCertificates(ChannelHandlerContext ctx) {
        // an HTTP/2 stream's TLS lives on its parent connection
        var connection = ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel stream
                ? stream.parent() : ctx.channel();
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        if (tls == null) {
            return null;
        }
        try {
            return tls.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException anonymous) {
            return null;
        }
    }

    private static void writeFull(ChannelHandlerContext ctx, ApiResponse.Full full, boolean keepAlive, boolean head) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(full.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(full.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, full.contentType());
        if (full.contentEncoding() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, full.contentEncoding());
            response.headers().add(HttpHeaderNames.VARY, "Accept-Encoding");
        }
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, full.body().length);
        response.headers().set("X-Content-Type-Options", "nosniff");
        full.headers().forEach(header -> response.headers().add(header.getKey(), header.getValue()));
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response, completion(ctx, keepAlive ? f -> resumeReading(ctx) : ChannelFutureListener.CLOSE));
    }

    /**
     * A promise with its listener already attached, for writes from a request's own thread: a listener
     * added after the write may find the promise done and is then run through one more task on the
     * event loop (a second selector wakeup per response, or per watch event and watcher); attached
     * first, it runs on the event loop as part of the write.
     */
    static ChannelPromise completion(ChannelHandlerContext ctx, ChannelFutureListener listener) {
        ChannelPromise promise = ctx.newPromise();
        promise.addListener(listener);
        return promise;
    }

    private static void writeStream(ChannelHandlerContext ctx, ApiResponse.Stream stream, boolean keepAlive) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, stream.contentType());
        response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        response.headers().set("X-Content-Type-Options", "nosniff");
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
        AtomicBoolean ended = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong unsent = new java.util.concurrent.atomic.AtomicLong();
        AutoCloseable[] producer = new AutoCloseable[1];
        ApiResponse.StreamSink sink = new ApiResponse.StreamSink() {
            @Override
            public void send(byte[] chunk) {
                if (ended.get()) {
                    return;
                }
                if (unsent.addAndGet(chunk.length) > ApiResponse.StreamSink.MAX_UNSENT_BYTES) {
                    ended.set(true);
                    System.getLogger(ApiChannelHandler.class.getName()).log(System.Logger.Level.WARNING,
                            "closing a watch to {0}: its client stopped reading", ctx.channel().remoteAddress());
                    ctx.close();
                    return;
                }
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)),
                        completion(ctx, f -> unsent.addAndGet(-chunk.length)));
            }

            @Override
            public void end() {
                if (ended.compareAndSet(false, true)) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT,
                            completion(ctx, keepAlive ? f -> resumeReading(ctx) : ChannelFutureListener.CLOSE));
                }
            }
        };
        try {
            producer[0] = stream.source().start(sink);
        } catch (RuntimeException e) {
            System.getLogger(ApiChannelHandler.class.getName()).log(System.Logger.Level.ERROR, "stream failed to start", e);
            ctx.close();
            return;
        }
        // A client that goes away stops the producer (and its storage watch).
        ctx.channel().closeFuture().addListener(f -> {
            ended.set(true);
            closeQuietly(producer[0]);
        });
        // Keep reading while streaming so a closed connection is noticed even when no events flow.
        ctx.channel().config().setAutoRead(true);
    }

    private static void resumeReading(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // the stream is over either way
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
