package dev.kj.apiserver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A watch request that asks to upgrade to WebSocket gets one text message per event, as upstream serves it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class WebSocketWatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestServer server;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir, java.util.List.of());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Collects whole messages; "CLOSE <code>" when the server closes. */
    private record Collector(BlockingQueue<String> messages, StringBuilder partial) implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
            messages.add("CLOSE " + status);
            return null;
        }
    }

    private WebSocket open(String path, BlockingQueue<String> messages) throws Exception {
        URI uri = URI.create(server.uri(path).toString().replaceFirst("^https", "wss"));
        return server.admin().newWebSocketBuilder().buildAsync(uri, new Collector(messages, new StringBuilder())).get(20, TimeUnit.SECONDS);
    }

    private void createConfigMap(String name, String value) throws Exception {
        HttpResponse<String> created = server.admin().send(HttpRequest.newBuilder(server.uri("/api/v1/namespaces/default/configmaps"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"" + value + "\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
    }

    @Test
    void eachEventIsOneTextMessageAndTheServerClosesWhenTheWatchEnds() throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        open("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2&fieldSelector=metadata.name%3Dws-one", messages);
        createConfigMap("ws-one", "v");
        JsonNode added = JSON.readTree(messages.poll(20, TimeUnit.SECONDS));
        assertEquals("ADDED", added.path("type").asText());
        assertEquals("ws-one", added.path("object").path("metadata").path("name").asText());
        assertEquals("v", added.path("object").path("data").path("k").asText());
        assertEquals("CLOSE 1000", messages.poll(20, TimeUnit.SECONDS));
    }

    @Test
    void aClientsCloseEndsTheWatch() throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket socket = open("/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dws-two", messages);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(20, TimeUnit.SECONDS);
        assertEquals("CLOSE 1000", messages.poll(20, TimeUnit.SECONDS));
    }
}
