package dev.kj.api.stream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Hands an HTTP/1.1 connection whose request asks for an upgrade (SPDY or WebSocket: exec, attach,
 * port-forward) on to a backend, as upstream's upgrade-aware proxy does: the request head is sent
 * again to the backend with its path and Host rewritten, and from then on bytes flow unchanged both
 * ways, the backend's 101 (or its refusal) included. Neither end's protocol is interpreted, so one
 * mechanism serves every stream protocol the backend speaks.
 */
public final class Splice {
    private Splice() {
    }

    /** Headers the splice sets itself or that must not reach the backend (the client's credentials). */
    private static final java.util.Set<String> DROPPED = java.util.Set.of("host", "authorization", "content-length",
            "transfer-encoding", "impersonate-user", "impersonate-group", "impersonate-uid");

    /** The request head sent to the backend. */
    public static byte[] requestHead(String method, String pathAndQuery, String host, List<Map.Entry<String, String>> headers) {
        StringBuilder head = new StringBuilder(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(host).append("\r\n");
        for (Map.Entry<String, String> header : headers) {
            if (!DROPPED.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))
                    && !header.getKey().toLowerCase(java.util.Locale.ROOT).startsWith("impersonate-extra-")) {
                head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
            }
        }
        head.append("Content-Length: 0\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Connects to {@code host:port} (over TLS when {@code tls} is given), sends {@code head} and joins
     * the two connections. {@code client}'s HTTP handlers, named in {@code httpHandlers}, are removed
     * first so its further bytes pass raw. A failed connect answers 502 on the client connection.
     */
    public static void join(Channel client, List<String> httpHandlers, String host, int port, SSLContext tls, byte[] head) {
        client.eventLoop().execute(() -> {
            for (String name : httpHandlers) {
                if (client.pipeline().get(name) != null) {
                    client.pipeline().remove(name);
                }
            }
            client.config().setAutoRead(false);
            new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel backend) {
                            if (tls != null) {
                                SSLEngine engine = tls.createSSLEngine(host, port);
                                engine.setUseClientMode(true);
                                SSLParameters parameters = engine.getSSLParameters();
                                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                                engine.setSSLParameters(parameters);
                                backend.pipeline().addLast(new SslHandler(engine));
                            }
                            backend.pipeline().addLast(new Relay(client));
                        }
                    })
                    .connect(host, port).addListener((ChannelFutureListener) connected -> {
                        if (!connected.isSuccess()) {
                            String text = "error dialing backend: " + connected.cause().getMessage();
                            client.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
                                    + "Content-Length: " + text.length() + "\r\nConnection: close\r\n\r\n" + text,
                                    StandardCharsets.ISO_8859_1)).addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        Channel backend = connected.channel();
                        client.pipeline().addLast(new Relay(backend));
                        backend.writeAndFlush(Unpooled.wrappedBuffer(head));
                        client.config().setAutoRead(true);
                        client.read();
                    });
        });
    }

    /** Copies what one side reads to the other; stops reading while the other side cannot take more. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Relay(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.writeAndFlush(msg);
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            peer.config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

}
