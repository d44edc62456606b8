package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Server-side apply and managedFields over HTTP, with upstream's codes and texts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerSideApplyHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
    private static final String APPLY = "application/apply-patch+yaml";

    private TestServer server;
    private HttpClient admin;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir);
        admin = server.admin();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body, String agent)
            throws Exception {
        return admin.send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", contentType)
                .header("User-Agent", agent).method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void applyNeedsAFieldManagerAndOnlyApplyMayForce() throws Exception {
        HttpResponse<String> response = send("PATCH", CONFIGMAPS + "/a", APPLY,
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", "test/1");
        assertEquals(422, response.statusCode(), response.body());
        assertEquals("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                JSON.readTree(response.body()).path("message").asText());
        response = send("PATCH", CONFIGMAPS + "/a?force=true", "application/merge-patch+json", "{}", "test/1");
        assertEquals(422, response.statusCode(), response.body());
        assertEquals("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch",
                JSON.readTree(response.body()).path("message").asText());
        response = send("PATCH", CONFIGMAPS + "/a?fieldManager=m", APPLY,
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  managedFields: [{manager: x}]\n", "test/1");
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("metadata.managedFields must be nil", JSON.readTree(response.body()).path("message").asText());
    }

    @Test
    void applyCreatesThenConflictsWithAnUpdateManagerNamedByItsUserAgent() throws Exception {
        HttpResponse<String> created = send("PATCH", CONFIGMAPS + "/b?fieldManager=applier", APPLY,
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: '1'}\n", "test/1");
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> patched = send("PATCH", CONFIGMAPS + "/b", "application/merge-patch+json",
                "{\"data\":{\"x\":\"2\"}}", "my-controller/v0.1 (linux)");
        assertEquals(200, patched.statusCode(), patched.body());
        JsonNode entries = JSON.readTree(patched.body()).path("metadata").path("managedFields");
        // the Update took the applier's only field: the applier's entry is gone
        assertEquals(1, entries.size(), entries.toString());
        assertEquals("my-controller", entries.get(0).path("manager").asText());
        assertEquals("Update", entries.get(0).path("operation").asText());
        assertEquals("v1", entries.get(0).path("apiVersion").asText());
        assertEquals(JSON.readTree("{\"f:data\":{\"f:x\":{}}}"), entries.get(0).path("fieldsV1"));

        HttpResponse<String> conflict = send("PATCH", CONFIGMAPS + "/b?fieldManager=applier", APPLY,
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: '3'}\n", "test/1");
        assertEquals(409, conflict.statusCode(), conflict.body());
        JsonNode status = JSON.readTree(conflict.body());
        assertEquals("Conflict", status.path("reason").asText());
        assertEquals("Apply failed with 1 conflict: conflict with \"my-controller\" using v1: .data.x",
                status.path("message").asText());
        JsonNode cause = status.path("details").path("causes").get(0);
        assertEquals("FieldManagerConflict", cause.path("reason").asText());
        assertEquals(".data.x", cause.path("field").asText());

        HttpResponse<String> forced = send("PATCH", CONFIGMAPS + "/b?fieldManager=applier&force=true", APPLY,
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: '3'}\n", "test/1");
        assertEquals(200, forced.statusCode(), forced.body());
        JsonNode after = JSON.readTree(forced.body());
        assertEquals("3", after.path("data").path("x").asText());
        assertEquals(1, after.path("metadata").path("managedFields").size(), after.toString());
        assertTrue(after.path("metadata").path("managedFields").get(0).path("time").asText().endsWith("Z"));
    }

    /**
     * A write through /scale is recorded as upstream records it: an Update by the request's
     * manager, in the parent's apiVersion, with subresource "scale", owning spec.replicas, which the
     * manager that set it before loses.
     */
    @Test
    void scaleWritesAreUpdatesOfTheScaleSubresourceOwningReplicas() throws Exception {
        String deployments = "/apis/apps/v1/namespaces/default/deployments";
        HttpResponse<String> created = send("PATCH", deployments + "/scaled?fieldManager=applier", APPLY, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: scaled}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: s}}
                  template:
                    metadata: {labels: {app: s}}
                    spec: {containers: [{name: c, image: nginx}]}
                """, "test/1");
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> scaled = send("PATCH", deployments + "/scaled/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":3}}", "scaler/1.0");
        assertEquals(200, scaled.statusCode(), scaled.body());
        JsonNode managed = JSON.readTree(send("GET", deployments + "/scaled", "application/json", "", "test/1").body())
                .path("metadata").path("managedFields");
        JsonNode scaleEntry = null;
        JsonNode applyEntry = null;
        for (JsonNode entry : managed) {
            if (entry.path("manager").asText().equals("scaler")) {
                scaleEntry = entry;
            } else if (entry.path("manager").asText().equals("applier")) {
                applyEntry = entry;
            }
        }
        assertEquals("Update", scaleEntry.path("operation").asText(), managed.toString());
        assertEquals("apps/v1", scaleEntry.path("apiVersion").asText());
        assertEquals("scale", scaleEntry.path("subresource").asText());
        assertEquals(JSON.readTree("{\"f:spec\":{\"f:replicas\":{}}}"), scaleEntry.path("fieldsV1"));
        assertEquals(false, applyEntry.path("fieldsV1").path("f:spec").has("f:replicas"), applyEntry.toString());
    }
}
