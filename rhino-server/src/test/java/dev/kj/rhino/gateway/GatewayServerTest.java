package dev.kj.rhino.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.AuthGrpc;
import dev.kj.rhino.api.etcdserverpb.AuthenticateRequest;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.testing.GrpcRhino;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gateway and gRPC on one port: the same store, the same answers, and a clean stop. */
class GatewayServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static String base(GrpcRhino rhino) {
        return "http://127.0.0.1:" + rhino.server().clientAddresses().getFirst().getPort();
    }

    private static HttpResponse<String> post(GrpcRhino rhino, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base(rhino) + path))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void writesThroughOneProtocolAreReadThroughTheOther() throws Exception {
        try (GrpcRhino rhino = GrpcRhino.start()) {
            KVGrpc.newBlockingStub(rhino.channel()).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("from-grpc")).setValue(ByteString.copyFromUtf8("1")).build());
            HttpResponse<String> range = post(rhino, "/v3/kv/range", "{\"key\":\"ZnJvbS1ncnBj\"}");
            assertEquals(200, range.statusCode());
            assertTrue(range.body().contains("\"kvs\":[{\"key\":\"ZnJvbS1ncnBj\",\"create_revision\":\"2\""), range.body());

            HttpResponse<String> put = post(rhino, "/v3/kv/put", "{\"key\":\"ZnJvbS1odHRw\",\"value\":\"Mg==\"}");
            assertEquals(200, put.statusCode(), put.body());
            var kvs = KVGrpc.newBlockingStub(rhino.channel())
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("from-http")).build()).getKvsList();
            assertEquals("2", kvs.getFirst().getValue().toStringUtf8());
            assertEquals(3, kvs.getFirst().getModRevision());
        }
    }

    /** A gateway watch sees writes made over gRPC, and a stopping server ends it as etcd does. */
    @Test
    void aGatewayWatchFollowsWritesAndEndsWhenTheServerStops() throws Exception {
        GrpcRhino rhino = GrpcRhino.start();
        try {
            HttpResponse<InputStream> watch = HTTP.send(HttpRequest.newBuilder(URI.create(base(rhino) + "/v3/watch"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"create_request\":{\"key\":\"dw==\"}}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, watch.statusCode());
            BufferedReader lines = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8));
            assertTrue(lines.readLine().endsWith("\"created\":true}}"));
            KVGrpc.newBlockingStub(rhino.channel()).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("w")).setValue(ByteString.copyFromUtf8("v")).build());
            String event = lines.readLine();
            assertTrue(event.contains("\"events\":[{\"kv\":{\"key\":\"dw==\",\"create_revision\":\"2\""), event);

            long start = System.nanoTime();
            rhino.server().close();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "close waited for the open watch");
            StringBuilder rest = new StringBuilder();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                rest.append(line);
            }
            assertEquals("{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: server stopped\","
                    + "\"http_status\":\"Service Unavailable\"}}", rest.toString());
        } finally {
            rhino.close();
        }
    }

    /**
     * A watch client that stops reading holds the gateway back (it pulls the next message only
     * when the connection can take it); once it reads again it gets every event, in order.
     */
    @Test
    void aSlowWatchReaderLosesNothing() throws Exception {
        try (GrpcRhino rhino = GrpcRhino.start();
             java.net.Socket socket = new java.net.Socket("127.0.0.1", rhino.server().clientAddresses().getFirst().getPort())) {
            String body = "{\"create_request\":{\"key\":\"cw==\"}}";
            socket.getOutputStream().write(("POST /v3/watch HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = in.readLine();
            } while (!line.contains("\"created\":true"));
            var kv = KVGrpc.newBlockingStub(rhino.channel());
            // ~16 MB of JSON: more than the socket buffers hold while the client is not reading
            ByteString value = ByteString.copyFrom(new byte[48 * 1024]);
            int puts = 250;
            for (int i = 0; i < puts; i++) {
                kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("s")).setValue(value).build());
            }
            long expected = 2;
            java.util.regex.Pattern modRevision = java.util.regex.Pattern.compile("\"mod_revision\":\"(\\d+)\"");
            while (expected < puts + 2) {
                line = in.readLine();
                var m = modRevision.matcher(line);
                while (m.find()) {
                    assertEquals(expected, Long.parseLong(m.group(1)), "events arrive in order, none missing");
                    expected++;
                }
            }
        }
    }

    /** The gateway relays exactly what the gRPC port answers (here: auth is off). */
    @Test
    void authAnswersAsTheGrpcPortDoes() throws Exception {
        try (GrpcRhino rhino = GrpcRhino.start()) {
            StatusRuntimeException grpc = assertThrows(StatusRuntimeException.class, () -> AuthGrpc.newBlockingStub(rhino.channel())
                    .authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("x").build()));
            HttpResponse<String> http = post(rhino, "/v3/auth/authenticate", "{\"name\":\"root\",\"password\":\"x\"}");
            String message = grpc.getStatus().getDescription();
            assertEquals(HttpAnswers.httpStatus(grpc.getStatus().getCode()), http.statusCode());
            assertEquals("{\"error\":\"" + message + "\",\"message\":\"" + message + "\",\"code\":"
                    + grpc.getStatus().getCode().value() + "}", http.body());
        }
    }
}
