package dev.kj.rhino.gateway;

import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The HTTP answers of etcd's client port as Go's net/http and the gateway shape them. */
final class HttpAnswers {
    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";
    /** What grpc-go reports as the content-type metadata of every gRPC response; the gateway forwards it. */
    static final String GRPC_CONTENT_TYPE = "application/grpc";
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private HttpAnswers() {
    }

    /**
     * The gateway's error body. With {@code trailersOnly} the answer is chunked and ends with the
     * content-type trailer, as etcd's gateway does for a gRPC failure that came without headers.
     */
    static void writeError(ChannelHandlerContext ctx, Status status, boolean trailersOnly, boolean keepAlive) {
        String message = status.getDescription() == null ? "" : status.getDescription();
        StringBuilder body = new StringBuilder("{\"error\":");
        GoStrings.appendJsonString(body, message);
        body.append(",\"message\":");
        GoStrings.appendJsonString(body, message);
        body.append(",\"code\":").append(status.getCode().value()).append('}');
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpResponseStatus httpStatus = HttpResponseStatus.valueOf(httpStatus(status.getCode()));
        if (!trailersOnly) {
            DefaultFullHttpResponse response = full(httpStatus, JSON, bytes);
            if (!keepAlive) {
                response.headers().set("Connection", "close");
            }
            ctx.writeAndFlush(response);
            return;
        }
        DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, httpStatus);
        common(response.headers());
        response.headers().set("Content-Type", JSON);
        response.headers().set("Trailer", "Grpc-Trailer-Content-Type");
        response.headers().set("Transfer-Encoding", "chunked");
        if (!keepAlive) {
            response.headers().set("Connection", "close");
        }
        ctx.write(response);
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
        LastHttpContent last = new DefaultLastHttpContent();
        last.trailingHeaders().set("Grpc-Trailer-Content-Type", GRPC_CONTENT_TYPE);
        ctx.writeAndFlush(last);
    }

    /**
     * gRPC code → HTTP status as etcd 3.4.23's gateway (the build compared against) maps it.
     * FAILED_PRECONDITION is 412 there; grpc-gateway 1.9.5 and later (etcd 3.5) answer 400.
     */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case CANCELLED -> 408;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
            case DEADLINE_EXCEEDED -> 504;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case PERMISSION_DENIED -> 403;
            case UNAUTHENTICATED -> 401;
            case RESOURCE_EXHAUSTED -> 429;
            case FAILED_PRECONDITION -> 412;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
        };
    }

    /** Go's http.Error: plain text with a newline, no sniffing. */
    static DefaultFullHttpResponse plain(HttpResponseStatus status, String text, HttpRequest request) {
        DefaultFullHttpResponse response = full(status, TEXT, (text + "\n").getBytes(StandardCharsets.UTF_8));
        response.headers().set("X-Content-Type-Options", "nosniff");
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        return response;
    }

    /** Go's http.Redirect with 301: a small HTML body for GET only. */
    static DefaultFullHttpResponse redirect(HttpRequest request, String location) {
        boolean get = request.method().equals(HttpMethod.GET);
        boolean head = request.method().equals(HttpMethod.HEAD);
        byte[] body = get ? ("<a href=\"" + location.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&#34;").replace("'", "&#39;") + "\">Moved Permanently</a>.\n\n").getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        DefaultFullHttpResponse response = get || head
                ? full(HttpResponseStatus.MOVED_PERMANENTLY, "text/html; charset=utf-8", body)
                : empty(HttpResponseStatus.MOVED_PERMANENTLY);
        response.headers().set("Location", location);
        return response;
    }

    static DefaultFullHttpResponse empty(HttpResponseStatus status) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        common(response.headers());
        response.headers().set("Content-Length", 0);
        return response;
    }

    static DefaultFullHttpResponse full(HttpResponseStatus status, String contentType, byte[] body) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        common(response.headers());
        response.headers().set("Content-Type", contentType);
        response.headers().set("Content-Length", body.length);
        return response;
    }

    /** etcd's access controller allows any origin by default and says so on every answer. */
    static void common(HttpHeaders headers) {
        headers.set("Access-Control-Allow-Headers", "accept, content-type, authorization");
        headers.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
        headers.set("Access-Control-Allow-Origin", "*");
        headers.set("Date", HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }
}
