package dev.kj.rhino.gateway;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;

/**
 * One request and its answer on a gateway connection. It lives on the connection's event loop;
 * gRPC callbacks hop onto it. The connection moves on once the request has been read and
 * {@link #responded()} was called.
 */
abstract class Exchange {
    final ChannelHandlerContext ctx;
    final boolean keepAlive;
    boolean requestComplete;
    boolean responseComplete;
    private final Runnable onResponded;

    Exchange(ChannelHandlerContext ctx, boolean keepAlive, Runnable onResponded) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.onResponded = onResponded;
    }

    /** A piece of the request body. */
    abstract void body(ByteBuf bytes);

    /** The request body is complete. */
    abstract void bodyDone();

    /** The connection can take more output again. */
    void writable() {
    }

    /** The client closed the connection. */
    void clientGone() {
    }

    final void responded() {
        responseComplete = true;
        onResponded.run();
    }

    /** A response known from the request line alone; the body is read and dropped. */
    static Exchange answered(ChannelHandlerContext ctx, boolean keepAlive, DefaultFullHttpResponse response) {
        Exchange fixed = new Exchange(ctx, keepAlive, () -> { }) {
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

    static int bodyLimit(Gateway gateway) {
        // base64 makes bytes a third longer; JSON adds field names and quotes
        return gateway.maxRequestBytes() * 2 + 64 * 1024;
    }

    /** The size check the gRPC transport would make, with grpc-go's text (what etcd's gateway relays). */
    static Status checkSize(Gateway gateway, Message request) {
        int size = request.getSerializedSize();
        if (size > gateway.maxRequestBytes()) {
            return Status.RESOURCE_EXHAUSTED.withDescription(
                    "grpc: received message larger than max (" + size + " vs. " + gateway.maxRequestBytes() + ")");
        }
        return null;
    }

    static Message prototype(MethodDescriptor<Message, Message> method) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
    }
}
