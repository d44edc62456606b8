package dev.kj.kubelet.server;

import dev.kj.api.stream.Splice;
import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.AttachRequest;
import dev.kj.kubelet.cri.v1.Container;
import dev.kj.kubelet.cri.v1.ContainerState;
import dev.kj.kubelet.cri.v1.ExecRequest;
import dev.kj.kubelet.cri.v1.PodSandbox;
import dev.kj.kubelet.streaming.CriLogs;
import dev.kj.kubelet.streaming.PodContainers;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routes the kubelet API's requests after authenticating and authorizing them: /healthz,
 * /containerLogs/NS/POD/CONTAINER, and the streams /exec/NS/POD/CONTAINER, /attach/NS/POD/CONTAINER
 * and /portForward/NS/POD, which ask the runtime (CRI Exec/Attach/PortForward) for a streaming URL
 * and splice the client's upgraded connection to it. Requests run on virtual threads (CRI calls
 * block); reading pauses meanwhile.
 */
final class KubeletHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String HTTP = "http";
    static final String AGGREGATE = "aggregate";
    static final String NAME = "kubelet";

    private final RuntimeClient runtime;
    private final PodContainers pods;
    private final KubeletAuth auth;

    KubeletHandler(RuntimeClient runtime, KubeletAuth auth) {
        this.runtime = runtime;
        this.pods = new PodContainers(runtime);
        this.auth = auth;
    }

    /** An answer other than 200 from a route, as upstream's kubelet writes it (plain text). */
    private static final class Failure extends Exception {
        final HttpResponseStatus status;

        Failure(HttpResponseStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        java.security.cert.Certificate[] chain = peerCertificates(ctx);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String method = request.method().name();
        List<Map.Entry<String, String>> headers = request.headers().entries();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ctx.channel().config().setAutoRead(false);
        Thread.ofVirtual().name("kubelet-request").start(() -> {
            try {
                Optional<KubeletAuth.User> user = KubeletAuth.authenticate(chain);
                if (user.isEmpty()) {
                    throw new Failure(HttpResponseStatus.UNAUTHORIZED, "Unauthorized");
                }
                String verb = KubeletAuth.verb(method);
                String subresource = KubeletAuth.subresource(uri.path());
                KubeletAuth.Decision decision = auth.authorize(user.get(), verb, subresource);
                if (!decision.allowed()) {
                    throw new Failure(HttpResponseStatus.FORBIDDEN, "Forbidden (user=" + user.get().name() + ", verb=" + verb
                            + ", resource=nodes, subresource=" + subresource + ")");
                }
                route(ctx, method, uri, headers, keepAlive);
            } catch (Failure failure) {
                respond(ctx, failure.status, failure.getMessage(), keepAlive);
            } catch (CriException e) {
                respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage(), keepAlive);
            } catch (IOException | RuntimeException e) {
                respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, String.valueOf(e.getMessage()), keepAlive);
            } catch (InterruptedException e) {
                ctx.close();
            }
        });
    }

    private void route(ChannelHandlerContext ctx, String method, QueryStringDecoder uri, List<Map.Entry<String, String>> headers,
                       boolean keepAlive) throws Failure, IOException, InterruptedException {
        List<String> parts = java.util.Arrays.stream(uri.path().split("/")).filter(s -> !s.isEmpty()).toList();
        String first = parts.isEmpty() ? "" : parts.getFirst();
        switch (first) {
            case "healthz" -> respond(ctx, HttpResponseStatus.OK, "ok", keepAlive);
            case "containerLogs" -> {
                if (parts.size() != 4) {
                    throw new Failure(HttpResponseStatus.NOT_FOUND, "404 page not found");
                }
                logs(ctx, parts.get(1), parts.get(2), parts.get(3), uri.parameters(), keepAlive);
            }
            case "exec", "attach" -> {
                if (parts.size() != 4) {
                    throw new Failure(HttpResponseStatus.NOT_FOUND, "404 page not found");
                }
                String container = running(parts.get(1), parts.get(2), parts.get(3)).getId();
                Map<String, List<String>> query = uri.parameters();
                boolean tty = flag(query, "tty");
                boolean stdin = flag(query, "input");
                boolean stdout = flag(query, "output");
                // with a TTY stderr is merged into stdout, as upstream's remotecommand options
                boolean stderr = flag(query, "error") && !tty;
                String url = first.equals("exec")
                        ? runtime.exec(ExecRequest.newBuilder().setContainerId(container)
                        .addAllCmd(query.getOrDefault("command", List.of())).setTty(tty).setStdin(stdin)
                        .setStdout(stdout).setStderr(stderr).build())
                        : runtime.attach(AttachRequest.newBuilder().setContainerId(container).setTty(tty).setStdin(stdin)
                        .setStdout(stdout).setStderr(stderr).build());
                splice(ctx, method, url, headers);
            }
            case "portForward" -> {
                if (parts.size() != 3) {
                    throw new Failure(HttpResponseStatus.NOT_FOUND, "404 page not found");
                }
                PodSandbox sandbox = pods.sandbox(parts.get(1), parts.get(2)).orElseThrow(() ->
                        new Failure(HttpResponseStatus.NOT_FOUND, "pod does not exist"));
                List<Integer> ports = uri.parameters().getOrDefault("port", List.of()).stream().map(Integer::parseInt).toList();
                splice(ctx, method, runtime.portForward(sandbox.getId(), ports), headers);
            }
            default -> throw new Failure(HttpResponseStatus.NOT_FOUND, "404 page not found");
        }
    }

    private static boolean flag(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values != null && !values.isEmpty() && (values.getFirst().equals("1") || values.getFirst().equals("true"));
    }

    private Container running(String namespace, String pod, String name) throws Failure {
        return pods.instances(namespace, pod, name).stream()
                .filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).findFirst()
                .orElseThrow(() -> new Failure(HttpResponseStatus.NOT_FOUND,
                        "container not found (\"" + name + "\")"));
    }

    private void splice(ChannelHandlerContext ctx, String method, String url, List<Map.Entry<String, String>> headers) {
        URI target = URI.create(url);
        String path = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
        int port = target.getPort() > 0 ? target.getPort() : 80;
        Splice.join(ctx.channel(), List.of(NAME, AGGREGATE, HTTP), target.getHost(), port, null,
                Splice.requestHead(method, path, target.getHost() + ":" + port, headers));
    }

    private void logs(ChannelHandlerContext ctx, String namespace, String pod, String name, Map<String, List<String>> query,
                      boolean keepAlive) throws Failure, IOException, InterruptedException {
        List<Container> instances = pods.instances(namespace, pod, name);
        boolean previous = flag(query, "previous");
        Container container;
        if (previous) {
            if (instances.size() < 2) {
                throw new Failure(HttpResponseStatus.BAD_REQUEST,
                        "previous terminated container \"" + name + "\" in pod \"" + pod + "\" not found");
            }
            container = instances.get(1);
        } else if (instances.isEmpty()) {
            throw new Failure(HttpResponseStatus.BAD_REQUEST,
                    "container \"" + name + "\" in pod \"" + pod + "\" is waiting to start: ContainerCreating");
        } else {
            container = instances.getFirst();
        }
        Path logPath = Path.of(runtime.containerStatus(container.getId(), false).getStatus().getLogPath());
        Instant since = param(query, "sinceTime").map(Instant::parse)
                .or(() -> param(query, "sinceSeconds").map(s -> Instant.now().minusSeconds(Long.parseLong(s))))
                .orElse(null);
        CriLogs.Options options = new CriLogs.Options(flag(query, "follow"),
                param(query, "tailLines").map(Long::parseLong).orElse(null), flag(query, "timestamps"), since,
                param(query, "limitBytes").map(Long::parseLong).orElse(null));
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(head);
        String id = container.getId();
        OutputStream out = new OutputStream() {
            private final java.io.ByteArrayOutputStream buffered = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int b) {
                buffered.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffered.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (!ctx.channel().isActive()) {
                    throw new IOException("client went away");
                }
                if (buffered.size() > 0) {
                    // waits for the write so a slow reader slows the copy instead of filling memory
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(buffered.toByteArray()))).awaitUninterruptibly();
                    buffered.reset();
                }
            }
        };
        ctx.channel().config().setAutoRead(true); // to notice a client that goes away while following
        try {
            CriLogs.copy(logPath, options, out, () -> ctx.channel().isActive() && isRunning(id));
        } catch (IOException e) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    private boolean isRunning(String containerId) {
        try {
            return runtime.containerStatus(containerId, false).getStatus().getState() == ContainerState.CONTAINER_RUNNING;
        } catch (CriException e) {
            return false;
        }
    }

    private static Optional<String> param(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() || values.getFirst().isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener(keepAlive ? (ChannelFutureListener) f -> {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        } : ChannelFutureListener.CLOSE);
    }

    private static java.security.cert.Certificate[] peerCertificates(ChannelHandlerContext ctx) {
        try {
            return ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
        } catch (javax.net.ssl.SSLPeerUnverifiedException anonymous) {
            return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
