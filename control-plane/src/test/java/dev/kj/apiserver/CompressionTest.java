package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** gzip as upstream's APIResponseCompression, seen by the JDK's client: only large answers, never watches. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompressionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BIG = "/api/v1/namespaces/default/configmaps?labelSelector=size%3Dbig";

    private TestServer server;
    private HttpClient admin;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir);
        base = server.uri("").toString();
        admin = server.admin();
        String payload = "x".repeat(2048);
        for (int i = 0; i < 80; i++) { // about 170 KiB listed
            HttpResponse<String> created = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"metadata\":{\"name\":\"big-" + i + "\",\"labels\":{\"size\":\"big\"}},\"data\":{\"p\":\"" + payload + "\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode());
        }
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void largeListsAreGzippedForClientsThatAskAndIdenticalOnceUnpacked() throws Exception {
        HttpResponse<byte[]> plain = fetch(BIG, null);
        assertTrue(plain.body().length > 128 * 1024, "the list is over the threshold: " + plain.body().length);
        assertTrue(plain.headers().firstValue("content-encoding").isEmpty());

        HttpResponse<byte[]> zipped = fetch(BIG, "gzip");
        assertEquals("gzip", zipped.headers().firstValue("content-encoding").orElse(""));
        assertEquals("Accept-Encoding", zipped.headers().firstValue("vary").orElse(""));
        assertEquals(Integer.toString(zipped.body().length), zipped.headers().firstValue("content-length").orElse(""));
        assertTrue(zipped.body().length < plain.body().length / 10, "2 KiB of one letter compresses well");
        JsonNode unpacked = JSON.readTree(gunzip(zipped.body()));
        JsonNode expected = JSON.readTree(plain.body());
        assertEquals(80, unpacked.path("items").size());
        assertEquals(expected.path("items"), unpacked.path("items"));

        assertEquals("gzip", fetch(BIG, "deflate, gzip").headers().firstValue("content-encoding").orElse(""));
        assertTrue(fetch(BIG, "gzip;q=1.0").headers().firstValue("content-encoding").isEmpty(),
                "upstream matches the bare token only");
    }

    @Test
    void smallAnswersAndWatchesAreNotCompressed() throws Exception {
        HttpResponse<byte[]> small = fetch("/api/v1/namespaces/default/configmaps/big-1", "gzip");
        assertTrue(small.headers().firstValue("content-encoding").isEmpty());
        assertEquals("big-1", JSON.readTree(small.body()).path("metadata").path("name").asText());
        HttpResponse<InputStream> watch = admin.send(HttpRequest.newBuilder(URI.create(base + BIG + "&watch=true&timeoutSeconds=1"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream events = watch.body()) {
            assertTrue(watch.headers().firstValue("content-encoding").isEmpty());
            byte[] all = events.readAllBytes(); // 80 ADDED events, then the stream ends after its timeout
            assertEquals(80, new String(all, java.nio.charset.StandardCharsets.UTF_8).lines().count());
        }
    }

    private HttpResponse<byte[]> fetch(String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (acceptEncoding != null) {
            request.header("Accept-Encoding", acceptEncoding);
        }
        return admin.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] gunzip(byte[] body) throws Exception {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }
}
