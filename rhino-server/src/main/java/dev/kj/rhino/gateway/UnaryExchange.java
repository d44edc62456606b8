package dev.kj.rhino.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/** A unary method: the first HttpAnswers.JSON value of the body is the request. */
final class UnaryExchange extends Exchange {
    private final MethodDescriptor<Message, Message> method;
    private final Metadata metadata;
    private final GoJson.StreamDecoder decoder;
    private String bodyError;
    private ClientCall<Message, Message> call;

    private final Gateway gateway;

    UnaryExchange(ChannelHandlerContext ctx, boolean keepAlive, Runnable onResponded, Gateway gateway,
                  MethodDescriptor<Message, Message> method, Metadata metadata) {
        super(ctx, keepAlive, onResponded);
        this.gateway = gateway;
        this.method = method;
        this.metadata = metadata;
        this.decoder = new GoJson.StreamDecoder(bodyLimit(gateway));
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
            HttpAnswers.writeError(ctx, Status.INVALID_ARGUMENT.withDescription(e.getMessage()), false, keepAlive);
            responded();
            return;
        }
        Status tooLarge = checkSize(gateway, request);
        if (tooLarge != null) {
            HttpAnswers.writeError(ctx, tooLarge, true, keepAlive);
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
                        DefaultFullHttpResponse ok = HttpAnswers.full(HttpResponseStatus.OK, HttpAnswers.JSON,
                                ProtoJson.print(response).getBytes(StandardCharsets.UTF_8));
                        ok.headers().set("Grpc-Metadata-Content-Type", HttpAnswers.GRPC_CONTENT_TYPE);
                        ctx.writeAndFlush(ok);
                    } else {
                        // a failure without headers is grpc's trailers-only answer: etcd's
                        // gateway then announces and sends the content-type as a trailer
                        HttpAnswers.writeError(ctx, status.isOk() ? Status.INTERNAL.withDescription("no response") : status,
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
