package dev.kj.rhino.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * A streaming method (watch, lease keep-alive, snapshot, observe): the body is a sequence of
 * HttpAnswers.JSON requests, the response one {@code {"result": ...}} line per message, chunked.
 */
final class StreamingExchange extends Exchange {
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

    private final Gateway gateway;

    StreamingExchange(ChannelHandlerContext ctx, boolean keepAlive, Runnable onResponded, Gateway gateway,
                      MethodDescriptor<Message, Message> method, Metadata metadata) {
        super(ctx, keepAlive, onResponded);
        this.gateway = gateway;
        this.method = method;
        this.metadata = metadata;
        this.decoder = new GoJson.StreamDecoder(bodyLimit(gateway));
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
            HttpAnswers.writeError(ctx, status, false, keepAlive);
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
            int code = HttpAnswers.httpStatus(status.getCode());
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
        HttpAnswers.common(response.headers());
        response.headers().set("Content-Type", HttpAnswers.JSON);
        if (headersReceived) {
            response.headers().set("Grpc-Metadata-Content-Type", HttpAnswers.GRPC_CONTENT_TYPE);
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
