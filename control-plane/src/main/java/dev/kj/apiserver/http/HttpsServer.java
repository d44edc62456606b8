package dev.kj.apiserver.http;

import dev.kj.apiserver.endpoints.ApiRouter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The API's HTTPS listener. The pipeline only assembles: TLS (client certificates optional,
 * verified against the client CA; ALPN offers h2 and http/1.1) → {@link ProtocolChoice}, which
 * installs HTTP/2 or HTTP/1.1 handlers that both end in the same {@link ApiChannelHandler}.
 */
public final class HttpsServer implements AutoCloseable {
    /** Upstream's limit for a request body (3 MiB) plus room for JSON framing. */
    static final int MAX_BODY_BYTES = 3 * 1024 * 1024 + 64 * 1024;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;

    private HttpsServer(EventLoopGroup boss, EventLoopGroup workers, Channel listener) {
        this.boss = boss;
        this.workers = workers;
        this.listener = listener;
    }

    public static HttpsServer start(InetSocketAddress bind, Path cert, Path key, Path clientCa, ApiRouter router,
                                    dev.kj.apiserver.authn.RequestAuthenticator authenticator)
            throws IOException {
        SslContext tls = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .sslProvider(tlsProvider())
                .trustManager(clientCa.toFile())
                .clientAuth(ClientAuth.OPTIONAL)
                // HTTP/2 ciphers rules (RFC 7540 9.2.2) are met by the JDK's TLS 1.3 and ECDHE-GCM suites
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline()
                                    .addLast("tls", tls.newHandler(channel.alloc()))
                                    .addLast("protocol", new ProtocolChoice(router, authenticator));
                        }
                    })
                    .bind(bind).sync().channel();
            return new HttpsServer(boss, workers, listener);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw new IOException("interrupted while binding " + bind, e);
        } catch (RuntimeException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw new IOException("cannot listen on " + bind + ": " + e.getMessage(), e);
        }
    }

    /**
     * BoringSSL (netty-tcnative) where its native library loads and does ALPN: the same protocols and
     * suites for a fraction of the JDK engine's CPU per record; the JDK's engine elsewhere.
     * {@code -Dkj.tls.provider=jdk} forces the JDK's.
     */
    static SslProvider tlsProvider() {
        if (!"jdk".equals(System.getProperty("kj.tls.provider")) && OpenSsl.isAvailable() && OpenSsl.isAlpnSupported()) {
            return SslProvider.OPENSSL;
        }
        return SslProvider.JDK;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
