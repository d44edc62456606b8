package dev.kj.kubelet.server;

import dev.kj.kubelet.cri.RuntimeClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The kubelet's HTTPS API (upstream's :10250): TLS with its serving certificate, client certificates
 * optional and verified against the cluster's client CA, HTTP/1.1 only (streams upgrade the
 * connection), then {@link KubeletHandler}.
 */
public final class KubeletServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 10250;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;

    private KubeletServer(EventLoopGroup boss, EventLoopGroup workers, Channel listener) {
        this.boss = boss;
        this.workers = workers;
        this.listener = listener;
    }

    public static KubeletServer start(InetSocketAddress bind, Path cert, Path key, Path clientCa, RuntimeClient runtime,
                                      KubeletAuth auth) throws IOException {
        SslContext tls = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .trustManager(clientCa.toFile()).clientAuth(ClientAuth.OPTIONAL).build();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline()
                                    .addLast("tls", tls.newHandler(channel.alloc()))
                                    .addLast(KubeletHandler.HTTP, new HttpServerCodec())
                                    .addLast(KubeletHandler.AGGREGATE, new HttpObjectAggregator(1024 * 1024))
                                    .addLast(KubeletHandler.NAME, new KubeletHandler(runtime, auth));
                        }
                    })
                    .bind(bind).sync().channel();
            return new KubeletServer(boss, workers, listener);
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
