package dev.kj.apiserver.http;

import dev.kj.apiserver.endpoints.ApiRouter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * Installs the handlers for the protocol ALPN chose. HTTP/2 streams are turned into HTTP/1-style
 * objects per stream, so the application handler never branches on the protocol.
 */
final class ProtocolChoice extends ApplicationProtocolNegotiationHandler {
    private final ApiRouter router;
    private final dev.kj.apiserver.authn.RequestAuthenticator authenticator;

    ProtocolChoice(ApiRouter router, dev.kj.apiserver.authn.RequestAuthenticator authenticator) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.router = router;
        this.authenticator = authenticator;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            ctx.pipeline().addLast("h2", Http2FrameCodecBuilder.forServer().build());
            ctx.pipeline().addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline()
                            .addLast("http", new Http2StreamFrameToHttpObjectCodec(true))
                            .addLast("aggregate", new HttpObjectAggregator(HttpsServer.MAX_BODY_BYTES))
                            .addLast("api", new ApiChannelHandler(router, authenticator));
                }
            }));
            return;
        }
        if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
            ctx.pipeline()
                    .addLast("http", new HttpServerCodec())
                    .addLast("aggregate", new HttpObjectAggregator(HttpsServer.MAX_BODY_BYTES))
                    .addLast("api", new ApiChannelHandler(router, authenticator));
            return;
        }
        throw new IllegalStateException("unsupported application protocol: " + protocol);
    }
}
