package dev.kj.rhino.gateway;

import com.google.protobuf.Message;
import dev.kj.rhino.RhinoVersion;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.x connection of the gateway. Requests are answered one at a time, in order (like Go's
 * server, which reads the next request only after answering the last); a pipelined request waits.
 * Everything runs on the connection's event loop; gRPC callbacks hop onto it.
 */
final class GatewayHandler extends ChannelDuplexHandler {
    private static final int MAX_WAITING = 1024;

    private final Gateway gateway;
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    /** A close asked for by the transport (server shutdown) while an answer was in progress. */
    private ChannelPromise closeRequested;

    GatewayHandler(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange != null && exchange.requestComplete) {
            if (waiting.size() >= MAX_WAITING) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            waiting.add(http);
            return;
        }
        dispatch(http);
    }

    private void dispatch(HttpObject msg) {
        try {
            if (msg instanceof HttpRequest request) {
                if (request.decoderResult().isFailure()) {
                    ctx.writeAndFlush(HttpAnswers.plain(HttpResponseStatus.BAD_REQUEST, "400 Bad Request", request))
                            .addListener(f -> ctx.close());
                    return;
                }
                exchange = begin(request);
            }
            if (msg instanceof HttpContent content && exchange != null) {
                if (content.content().isReadable()) {
                    exchange.body(content.content());
                }
                if (msg instanceof LastHttpContent) {
                    exchange.requestComplete = true;
                    exchange.bodyDone();
                    finishIfDone();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void finishIfDone() {
        Exchange done = exchange;
        if (done == null || !done.requestComplete || !done.responseComplete) {
            return;
        }
        exchange = null;
        if (closeRequested != null) {
            ChannelPromise promise = closeRequested;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close(promise));
            return;
        }
        if (!done.keepAlive) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
            return;
        }
        while ((exchange == null || !exchange.requestComplete) && !waiting.isEmpty() && ctx.channel().isActive()) {
            dispatch(waiting.poll());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.clientGone();
            exchange = null;
        }
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * A close from the transport's side of the pipeline: gRPC closes its connections when the
     * server shuts down. An idle connection closes at once; an answer in progress (typically a
     * watch the server is about to end with "server stopped") is finished first.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (exchange == null || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        closeRequested = promise;
    }

    /** Only our own HTTP objects go out; anything else written from the transport's side is a close command. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpObject || msg instanceof ByteBuf) {
            ctx.write(msg, promise);
            return;
        }
        ReferenceCountUtil.release(msg);
        promise.trySuccess();
        close(ctx, ctx.newPromise());
    }

    // ---- routing, as etcd's HTTP mux and the gateway's mux do it ----

    private Exchange begin(HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String uri = request.uri();
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd > 0 && !uri.startsWith("/")) {
            int pathStart = uri.indexOf('/', schemeEnd + 3);
            uri = pathStart < 0 ? "/" : uri.substring(pathStart);
        }
        QueryStringDecoder decoded = new QueryStringDecoder(uri);
        String path = decoded.path();
        String rawQuery = decoded.rawQuery();
        // etcd's access controller: the old prefix is an alias
        if (path.startsWith("/v3beta/")) {
            path = "/v3/" + path.substring("/v3beta/".length());
        }
        HttpMethod method = request.method();
        if (method.equals(HttpMethod.OPTIONS)) {
            return respond(keepAlive, HttpAnswers.empty(HttpResponseStatus.OK));
        }
        String clean = cleanPath(path);
        if (!clean.equals(path) && !method.equals(HttpMethod.CONNECT)) {
            return respond(keepAlive, HttpAnswers.redirect(request, clean + (rawQuery.isEmpty() ? "" : "?" + rawQuery)));
        }
        if (path.equals("/v3")) {
            return respond(keepAlive, HttpAnswers.redirect(request, "/v3/" + (rawQuery.isEmpty() ? "" : "?" + rawQuery)));
        }
        if (path.equals("/version") || path.equals("/health")) {
            if (!method.equals(HttpMethod.GET)) {
                DefaultFullHttpResponse notAllowed = HttpAnswers.plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", request);
                notAllowed.headers().set("Allow", "GET");
                return respond(keepAlive, notAllowed);
            }
            if (path.equals("/version")) {
                return respond(keepAlive, HttpAnswers.full(HttpResponseStatus.OK, HttpAnswers.JSON,
                        ("{\"etcdserver\":\"" + RhinoVersion.ETCD_API_VERSION + "\",\"etcdcluster\":\""
                                + RhinoVersion.ETCD_CLUSTER_VERSION + "\"}").getBytes(StandardCharsets.UTF_8)));
            }
            return new HealthExchange(ctx, keepAlive, this::finishIfDone, gateway,
                    decoded.parameters().getOrDefault("exclude", List.of()));
        }
        if (!path.startsWith("/v3/")) {
            return respond(keepAlive, HttpAnswers.plain(HttpResponseStatus.NOT_FOUND, "404 page not found", request));
        }
        String[] components = path.substring(1).split("/", -1);
        String last = components[components.length - 1];
        int colon = last.lastIndexOf(':');
        MethodDescriptor<?, ?> route = colon >= 0 ? null : gateway.route(path);
        if (route == null) {
            return respond(keepAlive, HttpAnswers.plain(HttpResponseStatus.NOT_FOUND, "Not Found", request));
        }
        if (!method.equals(HttpMethod.POST)) {
            return respond(keepAlive, HttpAnswers.plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", request));
        }
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> call = (MethodDescriptor<Message, Message>) route;
        Metadata metadata = metadata(request.headers());
        return call.getType() == MethodDescriptor.MethodType.UNARY
                ? new UnaryExchange(ctx, keepAlive, this::finishIfDone, gateway, call, metadata)
                : new StreamingExchange(ctx, keepAlive, this::finishIfDone, gateway, call, metadata);
    }

    /** Authorization and Grpc-Metadata-* headers become gRPC metadata, as the gateway forwards them. */
    private static Metadata metadata(HttpHeaders headers) {
        Metadata metadata = new Metadata();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            String key = name.equals("authorization") ? "authorization"
                    : name.startsWith("grpc-metadata-") ? name.substring("grpc-metadata-".length()) : null;
            if (key == null || key.isEmpty() || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                continue;
            }
            try {
                metadata.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), header.getValue());
            } catch (IllegalArgumentException notAKey) {
                // a name gRPC cannot carry is dropped
            }
        }
        return metadata;
    }

    /** Go's ServeMux path cleaning: no empty, "." or ".." elements; a trailing slash is kept. */
    static String cleanPath(String path) {
        if (path.isEmpty()) {
            return "/";
        }
        String p = path.startsWith("/") ? path : "/" + path;
        ArrayDeque<String> parts = new ArrayDeque<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        String clean = "/" + String.join("/", parts);
        if (p.endsWith("/") && !clean.equals("/")) {
            clean += "/";
        }
        return clean;
    }

    
    private Exchange respond(boolean keepAlive, DefaultFullHttpResponse response) {
        return Exchange.answered(ctx, keepAlive, response);
    }
}
