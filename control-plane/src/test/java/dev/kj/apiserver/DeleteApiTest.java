package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.apiserver.testing.Widgets;
import dev.kj.apiserver.testing.Wire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * DELETE and deletecollection over HTTP with the JDK's client: DeleteOptions in JSON, protobuf or
 * the query, upstream's status codes and errors, graceful deletion of a test resource.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeleteApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WIDGETS = "/apis/test.kj.dev/v1/namespaces/default/widgets";
    private static final String CONFIG_MAPS = "/api/v1/namespaces/default/configmaps";

    private final Widgets widgets = new Widgets();
    private TestServer server;
    private HttpClient admin;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir, Widgets.resource(widgets));
        base = server.uri("").toString();
        admin = server.admin();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void gracefulDeletionOverHttp() throws Exception {
        create(WIDGETS, "{\"metadata\":{\"name\":\"slow\"},\"spec\":{\"graceSeconds\":30}}");
        Instant before = Instant.now();
        HttpResponse<String> first = send(delete(WIDGETS + "/slow", null, null));
        assertEquals(200, first.statusCode(), "upstream answers 200 for a graceful deletion still running");
        JsonNode marked = JSON.readTree(first.body());
        assertEquals("Widget", marked.path("kind").asText(), "widgets answer with the object, as pods do");
        assertEquals(30, marked.path("metadata").path("deletionGracePeriodSeconds").asInt());
        Instant deadline = Instant.parse(marked.path("metadata").path("deletionTimestamp").asText());
        assertTrue(!deadline.isBefore(before.plusSeconds(29)) && !deadline.isAfter(Instant.now().plusSeconds(30)), deadline.toString());

        JsonNode shorter = JSON.readTree(send(delete(WIDGETS + "/slow?gracePeriodSeconds=10", null, null)).body());
        assertEquals(10, shorter.path("metadata").path("deletionGracePeriodSeconds").asInt());
        assertEquals(deadline.minusSeconds(20).toString(), shorter.path("metadata").path("deletionTimestamp").asText());

        HttpResponse<String> longer = send(delete(WIDGETS + "/slow", "application/json", "{\"gracePeriodSeconds\":60}"));
        assertEquals(200, longer.statusCode());
        assertEquals(10, JSON.readTree(longer.body()).path("metadata").path("deletionGracePeriodSeconds").asInt(),
                "a longer grace changes nothing");

        HttpResponse<String> now = send(delete(WIDGETS + "/slow", "application/json", "{\"gracePeriodSeconds\":0}"));
        assertEquals(200, now.statusCode());
        assertEquals(404, send(get(WIDGETS + "/slow")).statusCode());
    }

    @Test
    void protobufDeleteOptionsAsClientGoSendsThem() throws Exception {
        create(WIDGETS, "{\"metadata\":{\"name\":\"proto\"},\"spec\":{\"graceSeconds\":30}}");
        String uid = JSON.readTree(send(get(WIDGETS + "/proto")).body()).path("metadata").path("uid").asText();
        // meta.v1.DeleteOptions: gracePeriodSeconds 1, preconditions 2 (uid 1), propagationPolicy 4
        byte[] body = Wire.body("v1", "DeleteOptions", Wire.message().varint(1, 0)
                .message(2, Wire.message().string(1, uid)).string(4, "Background"));
        HttpResponse<String> deleted = send(HttpRequest.newBuilder(URI.create(base + WIDGETS + "/proto"))
                .header("Content-Type", "application/vnd.kubernetes.protobuf")
                .method("DELETE", HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(404, send(get(WIDGETS + "/proto")).statusCode());
        DeleteOptionsSeen seen = lastSeen();
        assertEquals(OptionalLong.of(0), seen.grace());
        assertEquals("Background", seen.policy());
    }

    private record DeleteOptionsSeen(OptionalLong grace, String policy) {
    }

    private DeleteOptionsSeen lastSeen() {
        var options = widgets.asked().getLast();
        return new DeleteOptionsSeen(options.gracePeriodSeconds(), options.propagationPolicy().orElse(""));
    }

    @Test
    void resourcesWithoutGracefulDeletionGoAtOnceWithAStatusWithoutCode() throws Exception {
        create(CONFIG_MAPS, "{\"metadata\":{\"name\":\"quick\"}}");
        HttpResponse<String> deleted = send(delete(CONFIG_MAPS + "/quick", "application/json",
                "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":30}"));
        assertEquals(200, deleted.statusCode());
        JsonNode status = JSON.readTree(deleted.body());
        assertEquals("Success", status.path("status").asText());
        assertEquals("configmaps", status.path("details").path("kind").asText());
        assertFalse(status.has("code"));
        assertEquals(404, send(get(CONFIG_MAPS + "/quick")).statusCode());
    }

    @Test
    void finalizersAnswer202OnlyWhenOrphanDependentsIsFalse() throws Exception {
        create(CONFIG_MAPS, "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/keep\"]}}");
        HttpResponse<String> cascading = send(delete(CONFIG_MAPS + "/held", "application/json", "{\"orphanDependents\":false}"));
        assertEquals(202, cascading.statusCode());
        assertTrue(JSON.readTree(cascading.body()).path("metadata").has("deletionTimestamp"));
        HttpResponse<String> again = send(delete(CONFIG_MAPS + "/held", null, null));
        assertEquals(200, again.statusCode(), "the object stays, but without orphanDependents=false upstream says 200");
        assertEquals("ConfigMap", JSON.readTree(again.body()).path("kind").asText());
    }

    @Test
    void dryRunAndPreconditions() throws Exception {
        create(CONFIG_MAPS, "{\"metadata\":{\"name\":\"kept\"}}");
        assertEquals(200, send(delete(CONFIG_MAPS + "/kept?dryRun=All", null, null)).statusCode());
        assertEquals(200, send(get(CONFIG_MAPS + "/kept")).statusCode(), "dry run deleted nothing");
        HttpResponse<String> body = send(delete(CONFIG_MAPS + "/kept?dryRun=Bogus", "application/json", "{\"dryRun\":[\"All\"]}"));
        assertEquals(200, body.statusCode(), "with a body the query is not read, as upstream");
        HttpResponse<String> conflict = send(delete(CONFIG_MAPS + "/kept", "application/json",
                "{\"preconditions\":{\"uid\":\"not-it\"}}"));
        assertEquals(409, conflict.statusCode());
        assertTrue(JSON.readTree(conflict.body()).path("message").asText().startsWith(
                "Operation cannot be fulfilled on ConfigMap \"kept\": the UID in the precondition (not-it) does not match"));
    }

    @Test
    void badOptionsGetUpstreamsErrors() throws Exception {
        create(CONFIG_MAPS, "{\"metadata\":{\"name\":\"target\"}}");
        record Case(String query, String contentType, String body, int code, String reason, String message) {
        }
        for (Case c : List.of(
                new Case("?orphanDependents=true&propagationPolicy=Orphan", null, null, 422, "Invalid",
                        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"Orphan\":"
                                + " orphanDependents and deletionPropagation cannot be both set"),
                new Case("", "application/json", "{\"propagationPolicy\":\"Later\"}", 422, "Invalid",
                        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Later\":"
                                + " supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
                new Case("?dryRun=Bogus", null, null, 422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: dryRun:"
                        + " Unsupported value: []string{\"Bogus\"}: supported values: \"All\""),
                new Case("?gracePeriodSeconds=soon", null, null, 400, "BadRequest",
                        "strconv.ParseInt: parsing \"soon\": invalid syntax"),
                new Case("", "application/json", "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}", 500, "", "no kind \"Pod\" is"
                        + " registered for version \"v1\" in scheme \"k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:27\""),
                new Case("", "text/plain", "gracePeriodSeconds=1", 415, "UnsupportedMediaType", "the body of the request was"
                        + " in an unknown format - accepted media types include: application/json, application/yaml,"
                        + " application/vnd.kubernetes.protobuf"))) {
            HttpResponse<String> answer = send(delete(CONFIG_MAPS + "/target" + c.query(), c.contentType(), c.body()));
            JsonNode status = JSON.readTree(answer.body());
            assertEquals(c.code(), answer.statusCode(), c.toString());
            assertEquals(c.reason(), status.path("reason").asText(), c.toString());
            assertEquals(c.message(), status.path("message").asText(), c.toString());
        }
        assertEquals(200, send(get(CONFIG_MAPS + "/target")).statusCode(), "nothing was deleted");
    }

    @Test
    void deleteCollectionTakesTheSameOptions() throws Exception {
        for (String name : List.of("c1", "c2", "c3")) {
            create(WIDGETS, "{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"batch\":\"" + !name.equals("c3")
                    + "\"}},\"spec\":{\"graceSeconds\":30}}");
        }
        HttpResponse<String> deleted = send(delete(WIDGETS + "?labelSelector=batch%3Dtrue", "application/json",
                "{\"gracePeriodSeconds\":15}"));
        assertEquals(200, deleted.statusCode());
        JsonNode list = JSON.readTree(deleted.body());
        assertEquals("WidgetList", list.path("kind").asText());
        assertEquals(2, list.path("items").size());
        for (String name : List.of("c1", "c2")) {
            assertEquals(15, JSON.readTree(send(get(WIDGETS + "/" + name)).body()).path("metadata")
                    .path("deletionGracePeriodSeconds").asInt());
        }
        assertEquals(422, send(delete(WIDGETS + "?propagationPolicy=Never", null, null)).statusCode());
        HttpResponse<String> now = send(delete(WIDGETS + "?gracePeriodSeconds=0", null, null));
        assertEquals(200, now.statusCode());
        assertEquals(0, JSON.readTree(send(get(WIDGETS)).body()).path("items").size());
    }

    private void create(String collection, String body) throws Exception {
        HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(base + collection))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(201, created.statusCode(), created.body());
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build();
    }

    private HttpRequest delete(String path, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return request.method("DELETE", body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return admin.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
