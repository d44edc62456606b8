package dev.kj.rhino.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoVersion;
import dev.kj.rhino.testing.Peers;
import io.grpc.ServerServiceDefinition;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS in front of the shared port: ALPN {@code h2} reaches gRPC, {@code http/1.1} the gateway, and
 * a client that offers no protocol is sniffed. The server here is assembled from the pieces
 * RhinoServer uses (a health service stands in for the etcd services; the gateway answers
 * {@code /version} itself).
 */
class SharedPortTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @Test
    void alpnChoosesGrpcOrTheGateway(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "rhino", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String keytoolOutput = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), keytoolOutput);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SslContext serverTls = GrpcSslContexts.configure(SslContextBuilder.forServer(keyManagers), SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
                .build();

        HealthStatusManager health = new HealthStatusManager();
        List<ServerServiceDefinition> services = List.of(health.getHealthService().bindService());
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        ServerCallExecutorSupplier defaults = new ServerCallExecutorSupplier() {
            @Override
            public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
                return executor; // health checks may block: off the transport thread, as rhino does
            }
        };
        Gateway gateway = Gateway.start(services, defaults, 1 << 21);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .protocolNegotiator(SharedPortNegotiator.tls(serverTls, gateway::installHttp1))
                .handshakeTimeout(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
        services.forEach(builder::addService);
        Server server = builder.build().start();
        ManagedChannel channel = null;
        try {
            int port = ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();

            channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                    .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                    .build();
            assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());

            String version = "{\"etcdserver\":\"" + RhinoVersion.ETCD_API_VERSION + "\",\"etcdcluster\":\""
                    + RhinoVersion.ETCD_CLUSTER_VERSION + "\"}";
            Process curl = new ProcessBuilder(Peers.require("curl").toString(), "-s", "-k", "--http1.1",
                    "-w", "\\n%{http_version}", "https://127.0.0.1:" + port + "/version").start();
            String curlOutput = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(10, TimeUnit.SECONDS));
            assertEquals(version + "\n1.1", curlOutput);

            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.getOutputStream().write("GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals("", socket.getApplicationProtocol(), "the client offered no protocol");
                assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
                assertTrue(answer.endsWith("\r\n\r\n" + version), answer);
            }
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            gateway.close();
            executor.shutdownNow();
        }
    }
}
