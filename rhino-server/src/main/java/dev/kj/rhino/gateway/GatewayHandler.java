package dev.kj.rhino.gateway;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.kj.rhino.RhinoVersion;
import dev.kj.rhino.api.etcdserverpb.AlarmRequest;
import dev.kj.rhino.api.etcdserverpb.AlarmResponse;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.Map;

/**
 * One HTTP/1.x connection of the gateway. Requests are answered one at a time, in order (like Go's
 * server, which reads the next request only after answering the last); a pipelined request waits.
 * Everything runs on the connection's event loop; gRPC callbacks hop onto it.
 */
final class GatewayHandler extends ChannelDuplexHandler {
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final int MAX_WAITING = 1024;
    private static final String JSON = "application/json";
    private static final String TEXT = "text/plain; charset=utf-8";
    /** What grpc-go reports as the content-type metadata of every gRPC response; the gateway forwards it. */
    private static final String GRPC_CONTENT_TYPE = "application/grpc";

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
                    ctx.writeAndFlush(plain(HttpResponseStatus.BAD_REQUEST, "400 Bad Request", request))
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
            return respond(request, keepAlive, empty(HttpResponseStatus.OK));
        }
        String clean = cleanPath(path);
        if (!clean.equals(path) && !method.equals(HttpMethod.CONNECT)) {
            return respond(request, keepAlive, redirect(request, clean + (rawQuery.isEmpty() ? "" : "?" + rawQuery)));
        }
        if (path.equals("/v3")) {
            return respond(request, keepAlive, redirect(request, "/v3/" + (rawQuery.isEmpty() ? "" : "?" + rawQuery)));
        }
        if (path.equals("/version") || path.equals("/health")) {
            if (!method.equals(HttpMethod.GET)) {
                DefaultFullHttpResponse notAllowed = plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", request);
                notAllowed.headers().set("Allow", "GET");
                return respond(request, keepAlive, notAllowed);
            }
            if (path.equals("/version")) {
                return respond(request, keepAlive, full(HttpResponseStatus.OK, JSON,
                        ("{\"etcdserver\":\"" + RhinoVersion.ETCD_API_VERSION + "\",\"etcdcluster\":\""
                                + RhinoVersion.ETCD_CLUSTER_VERSION + "\"}").getBytes(StandardCharsets.UTF_8)));
            }
            return new Health(keepAlive, decoded.parameters().getOrDefault("exclude", List.of()));
        }
        if (!path.startsWith("/v3/")) {
            return respond(request, keepAlive, plain(HttpResponseStatus.NOT_FOUND, "404 page not found", request));
        }
        String[] components = path.substring(1).split("/", -1);
        String last = components[components.length - 1];
        int colon = last.lastIndexOf(':');
        MethodDescriptor<?, ?> route = colon >= 0 ? null : gateway.route(path);
        if (route == null) {
            return respond(request, keepAlive, plain(HttpResponseStatus.NOT_FOUND, "Not Found", request));
        }
        if (!method.equals(HttpMethod.POST)) {
            return respond(request, keepAlive, plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", request));
        }
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> call = (MethodDescriptor<Message, Message>) route;
        Metadata metadata = metadata(request.headers());
        return call.getType() == MethodDescriptor.MethodType.UNARY
                ? new Unary(keepAlive, call, metadata)
                : new Streaming(keepAlive, call, metadata);
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

    // ---- exchanges ----

    private abstract class Exchange {
        final boolean keepAlive;
        boolean requestComplete;
        boolean responseComplete;

        Exchange(boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        abstract void body(ByteBuf bytes);

        abstract void bodyDone();

        void writable() {
        }

        void clientGone() {
        }

        void responded() {
            responseComplete = true;
            finishIfDone();
        }
    }

    /** A response known from the request line alone; the body is read and dropped. */
    private Exchange respond(HttpRequest request, boolean keepAlive, DefaultFullHttpResponse response) {
        Exchange fixed = new Exchange(keepAlive) {
            @Override
            void body(ByteBuf bytes) {
            }

            @Override
            void bodyDone() {
            }
        };
        if (!keepAlive) {
            response.headers().set("Connection", "close");
        }
        ctx.writeAndFlush(response);
        fixed.responseComplete = true;
        return fixed;
    }

    /**
     * etcd's {@code /health}: unhealthy with an alarm raised (unless excluded by name with
     * {@code ?exclude=}) or when a read does not succeed within a second. A single member is
     * always its own leader.
     */
    private final class Health extends Exchange {
        private static final long TIMEOUT_SECONDS = 1;

        Health(boolean keepAlive, List<String> excluded) {
            super(keepAlive);
            ClientCall<AlarmRequest, AlarmResponse> alarms = gateway.channel().newCall(MaintenanceGrpc.getAlarmMethod(),
                    CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            Futures.addCallback(ClientCalls.futureUnaryCall(alarms, AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.GET).build()), new FutureCallback<>() {
                @Override
                public void onSuccess(AlarmResponse response) {
                    boolean alarmed = response.getAlarmsList().stream()
                            .anyMatch(alarm -> !excluded.contains(alarm.getAlarm().name()));
                    if (alarmed) {
                        answer(false);
                        return;
                    }
                    ClientCall<RangeRequest, RangeResponse> read = gateway.channel().newCall(KVGrpc.getRangeMethod(),
                            CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS));
                    Futures.addCallback(ClientCalls.futureUnaryCall(read, RangeRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("health")).build()), new FutureCallback<>() {
                        @Override
                        public void onSuccess(RangeResponse ignored) {
                            answer(true);
                        }

                        @Override
                        public void onFailure(Throwable failure) {
                            answer(false);
                        }
                    }, MoreExecutors.directExecutor());
                }

                @Override
                public void onFailure(Throwable failure) {
                    answer(false);
                }
            }, MoreExecutors.directExecutor());
        }

        private void answer(boolean healthy) {
            ctx.executor().execute(() -> {
                if (!ctx.channel().isActive()) {
                    return;
                }
                byte[] body = ("{\"health\":\"" + healthy + "\"}").getBytes(StandardCharsets.UTF_8);
                DefaultFullHttpResponse response = healthy
                        ? full(HttpResponseStatus.OK, TEXT, body)
                        : full(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT,
                                ("{\"health\":\"false\"}\n").getBytes(StandardCharsets.UTF_8));
                if (!healthy) {
                    response.headers().set("X-Content-Type-Options", "nosniff");
                }
                if (!keepAlive) {
                    response.headers().set("Connection", "close");
                }
                ctx.writeAndFlush(response);
                responded();
            });
        }

        @Override
        void body(ByteBuf bytes) {
        }

        @Override
        void bodyDone() {
        }
    }

    /** A unary method: the first JSON value of the body is the request. */
    private final class Unary extends Exchange {
        private final MethodDescriptor<Message, Message> method;
        private final Metadata metadata;
        private final GoJson.StreamDecoder decoder;
        private String bodyError;
        private ClientCall<Message, Message> call;

        Unary(boolean keepAlive, MethodDescriptor<Message, Message> method, Metadata metadata) {
            super(keepAlive);
            this.method = method;
            this.metadata = metadata;
            this.decoder = new GoJson.StreamDecoder(bodyLimit());
        }

        @Override
        void body(ByteBuf bytes) {
            if (bodyError != null) {
                return;
            }
            try {
                decoder.feed(ByteBufUtil.getBytes(bytes), 0, bytes.readableBytes());
            } catch (GoJsonException e) {
                bodyError = e.getMessage();
            }
        }

        @Override
        void bodyDone() {
            Message request;
            try {
                if (bodyError != null) {
                    throw new GoJsonException(bodyError);
                }
                GoJson.Raw value = decoder.next(true);
                Message.Builder builder = prototype(method).newBuilderForType();
                if (value != GoJson.StreamDecoder.EOF) {
                    ProtoJson.merge(value, builder);
                }
                request = builder.build();
            } catch (GoJsonException e) {
                writeError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), false, keepAlive);
                responded();
                return;
            }
            Status tooLarge = checkSize(request);
            if (tooLarge != null) {
                writeError(tooLarge, true, keepAlive);
                responded();
                return;
            }
            call = gateway.channel().newCall(method, CallOptions.DEFAULT);
            call.start(new ClientCall.Listener<>() {
                private volatile boolean headers;
                private volatile Message response;

                @Override
                public void onHeaders(Metadata received) {
                    headers = true;
                }

                @Override
                public void onMessage(Message message) {
                    response = message;
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    ctx.executor().execute(() -> {
                        if (call == null) {
                            return; // the client left
                        }
                        if (status.isOk() && response != null) {
                            DefaultFullHttpResponse ok = full(HttpResponseStatus.OK, JSON,
                                    ProtoJson.print(response).getBytes(StandardCharsets.UTF_8));
                            ok.headers().set("Grpc-Metadata-Content-Type", GRPC_CONTENT_TYPE);
                            ctx.writeAndFlush(ok);
                        } else {
                            // a failure without headers is grpc's trailers-only answer: etcd's
                            // gateway then announces and sends the content-type as a trailer
                            writeError(status.isOk() ? Status.INTERNAL.withDescription("no response") : status,
                                    !headers, keepAlive);
                        }
                        call = null;
                        responded();
                    });
                }
            }, metadata);
            call.sendMessage(request);
            call.halfClose();
            call.request(1);
        }

        @Override
        void clientGone() {
            if (call != null) {
                call.cancel("client disconnected", null);
                call = null;
            }
        }
    }

    /**
     * A streaming method (watch, lease keep-alive, snapshot, observe): the body is a sequence of
     * JSON requests, the response one {@code {"result": ...}} line per message, chunked.
     */
    private final class Streaming extends Exchange {
        private final MethodDescriptor<Message, Message> method;
        private final Metadata metadata;
        private final GoJson.StreamDecoder decoder;
        private ClientCall<Message, Message> call;
        private boolean sendingDone;
        private boolean sentFirst;
        private boolean headersReceived;
        private boolean headersWritten;
        private boolean wroteMessage;
        private boolean wantMore;

        Streaming(boolean keepAlive, MethodDescriptor<Message, Message> method, Metadata metadata) {
            super(keepAlive);
            this.method = method;
            this.metadata = metadata;
            this.decoder = new GoJson.StreamDecoder(bodyLimit());
        }

        @Override
        void body(ByteBuf bytes) {
            if (sendingDone) {
                return;
            }
            try {
                decoder.feed(ByteBufUtil.getBytes(bytes), 0, bytes.readableBytes());
            } catch (GoJsonException e) {
                failSending(e);
                return;
            }
            pump(false);
        }

        @Override
        void bodyDone() {
            if (!sendingDone) {
                pump(true);
            }
        }

        /** Sends every complete request value; at the end of the body, half-closes. */
        private void pump(boolean eof) {
            while (!sendingDone) {
                GoJson.Raw value;
                Message request;
                try {
                    value = decoder.next(eof);
                    if (value == null) {
                        return;
                    }
                    if (value == GoJson.StreamDecoder.EOF) {
                        startIfNeeded();
                        if (serverStreaming() && !sentFirst) {
                            call.sendMessage(prototype(method)); // an empty body is an empty request
                        }
                        sendingDone = true;
                        call.halfClose();
                        return;
                    }
                    Message.Builder builder = prototype(method).newBuilderForType();
                    ProtoJson.merge(value, builder);
                    request = builder.build();
                } catch (GoJsonException e) {
                    failSending(e);
                    return;
                }
                startIfNeeded();
                call.sendMessage(request);
                sentFirst = true;
                if (serverStreaming()) {
                    // a server-streaming method takes the first value only
                    sendingDone = true;
                    call.halfClose();
                    return;
                }
            }
        }

        private boolean serverStreaming() {
            return method.getType().clientSendsOneMessage();
        }

        /**
         * A bad first request fails the whole call the way the gateway reports a plain Go error
         * (UNKNOWN); a bad later one just ends what the client sends.
         */
        private void failSending(GoJsonException e) {
            sendingDone = true;
            if (call == null) {
                Status status = serverStreaming()
                        ? Status.INVALID_ARGUMENT.withDescription(e.getMessage())
                        : Status.UNKNOWN.withDescription(e.getMessage());
                writeError(status, false, keepAlive);
                responded();
                return;
            }
            call.halfClose();
        }

        private void startIfNeeded() {
            if (call != null) {
                return;
            }
            call = gateway.channel().newCall(method, CallOptions.DEFAULT);
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onHeaders(Metadata headers) {
                    ctx.executor().execute(() -> headersReceived = true);
                }

                @Override
                public void onMessage(Message message) {
                    ctx.executor().execute(() -> deliver(message));
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    ctx.executor().execute(() -> finish(status));
                }
            }, metadata);
            call.request(1);
        }

        private void deliver(Message message) {
            if (call == null) {
                return;
            }
            writeHeadersIfNeeded(HttpResponseStatus.OK);
            StringBuilder line = new StringBuilder(256).append("{\"result\":");
            ProtoJson.printMessage(line, message);
            line.append("}\n");
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(line.toString().getBytes(StandardCharsets.UTF_8))));
            wroteMessage = true;
            if (ctx.channel().isWritable()) {
                call.request(1);
            } else {
                wantMore = true; // the client reads slowly: pull the next message once it catches up
            }
        }

        @Override
        void writable() {
            if (wantMore && call != null) {
                wantMore = false;
                call.request(1);
            }
        }

        private void finish(Status status) {
            if (call == null) {
                return;
            }
            call = null;
            sendingDone = true;
            if (!status.isOk()) {
                int code = httpStatus(status.getCode());
                writeHeadersIfNeeded(HttpResponseStatus.valueOf(code));
                StringBuilder chunk = new StringBuilder("{\"error\":{");
                chunk.append("\"grpc_code\":").append(status.getCode().value());
                chunk.append(",\"http_code\":").append(code);
                String description = status.getDescription();
                if (description != null && !description.isEmpty()) {
                    chunk.append(",\"message\":");
                    GoStrings.appendJsonString(chunk, description);
                }
                chunk.append(",\"http_status\":");
                GoStrings.appendJsonString(chunk, HttpResponseStatus.valueOf(code).reasonPhrase());
                chunk.append("}}");
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk.toString().getBytes(StandardCharsets.UTF_8))));
            } else {
                writeHeadersIfNeeded(HttpResponseStatus.OK);
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            responded();
        }

        private void writeHeadersIfNeeded(HttpResponseStatus status) {
            if (headersWritten) {
                return;
            }
            headersWritten = true;
            DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            common(response.headers());
            response.headers().set("Content-Type", JSON);
            if (headersReceived) {
                response.headers().set("Grpc-Metadata-Content-Type", GRPC_CONTENT_TYPE);
            }
            response.headers().set("Transfer-Encoding", "chunked");
            if (!keepAlive) {
                response.headers().set("Connection", "close");
            }
            ctx.write(response);
        }

        @Override
        void clientGone() {
            if (call != null) {
                call.cancel("client disconnected", null);
                call = null;
            }
        }
    }

    // ---- responses ----

    private int bodyLimit() {
        // base64 makes bytes a third longer; JSON adds field names and quotes
        return gateway.maxRequestBytes() * 2 + 64 * 1024;
    }

    /** The size check the gRPC transport would make, with grpc-go's text (what etcd's gateway relays). */
    private Status checkSize(Message request) {
        int size = request.getSerializedSize();
        if (size > gateway.maxRequestBytes()) {
            return Status.RESOURCE_EXHAUSTED.withDescription(
                    "grpc: received message larger than max (" + size + " vs. " + gateway.maxRequestBytes() + ")");
        }
        return null;
    }

    private static Message prototype(MethodDescriptor<Message, Message> method) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
    }

    /**
     * The gateway's error body. With {@code trailersOnly} the answer is chunked and ends with the
     * content-type trailer, as etcd's gateway does for a gRPC failure that came without headers.
     */
    private void writeError(Status status, boolean trailersOnly, boolean keepAlive) {
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
    private DefaultFullHttpResponse plain(HttpResponseStatus status, String text, HttpRequest request) {
        DefaultFullHttpResponse response = full(status, TEXT, (text + "\n").getBytes(StandardCharsets.UTF_8));
        response.headers().set("X-Content-Type-Options", "nosniff");
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        return response;
    }

    /** Go's http.Redirect with 301: a small HTML body for GET only. */
    private DefaultFullHttpResponse redirect(HttpRequest request, String location) {
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

    private DefaultFullHttpResponse empty(HttpResponseStatus status) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        common(response.headers());
        response.headers().set("Content-Length", 0);
        return response;
    }

    private DefaultFullHttpResponse full(HttpResponseStatus status, String contentType, byte[] body) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        common(response.headers());
        response.headers().set("Content-Type", contentType);
        response.headers().set("Content-Length", body.length);
        return response;
    }

    /** etcd's access controller allows any origin by default and says so on every answer. */
    private static void common(HttpHeaders headers) {
        headers.set("Access-Control-Allow-Headers", "accept, content-type, authorization");
        headers.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
        headers.set("Access-Control-Allow-Origin", "*");
        headers.set("Date", HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }
}
