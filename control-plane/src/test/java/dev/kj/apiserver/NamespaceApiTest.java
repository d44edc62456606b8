package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.controllers.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A namespace's deletion over HTTP with the JDK's client, the namespace controller's part played
 * by the test (the server runs without it; the garbage collector runs): the delete that marks it,
 * the 403 creates get meanwhile, the finalize subresource, the status subresource's phase rule,
 * the finalizers the garbage collector sets and removes, discovery.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamespaceApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestServer server;
    private HttpClient admin;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir, List.of("*", "-namespace-controller"));
        admin = server.admin();
        assertEquals(List.of("serviceaccount-token-controller", "clusterrole-aggregation-controller", "garbage-collector-controller",
                "serviceaccount-controller", "root-ca-certificate-publisher-controller", "replicaset-controller", "replicationcontroller-controller", "deployment-controller", "job-controller",
                    "disruption-controller", "cronjob-controller", "ttl-after-finished-controller",
                "pod-garbage-collector-controller", "endpoints-controller", "endpointslice-controller", "node-lifecycle-controller",
                "taint-eviction-controller"),
                server.server().controllers());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void deleteMarksFinalizeRemoves() throws Exception {
        assertEquals(201, send("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"life\"}}").statusCode());
        HttpResponse<String> deleted = send("DELETE", "/api/v1/namespaces/life", null);
        assertEquals(200, deleted.statusCode());
        JsonNode marked = JSON.readTree(deleted.body());
        assertEquals("Namespace", marked.path("kind").asText());
        assertEquals("Terminating", marked.path("status").path("phase").asText());
        assertEquals("[\"kubernetes\"]", marked.path("spec").path("finalizers").toString());
        assertTrue(marked.path("metadata").has("deletionTimestamp"));
        assertFalse(marked.path("metadata").has("deletionGracePeriodSeconds"));

        HttpResponse<String> refused = send("POST", "/api/v1/namespaces/life/configmaps", "{\"metadata\":{\"name\":\"late\"}}");
        assertEquals(403, refused.statusCode());
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + "\"configmaps \\\"late\\\" is forbidden: unable to create new content in namespace life because it is"
                + " being terminated\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"late\",\"kind\":\"configmaps\","
                + "\"causes\":[{\"reason\":\"NamespaceTerminating\",\"message\":\"namespace life is being terminated\","
                + "\"field\":\"metadata.namespace\"}]},\"code\":403}", refused.body());
        HttpResponse<String> apps = send("POST", "/apis/apps/v1/namespaces/life/deployments", "{\"metadata\":{\"name\":\"d\"}}");
        assertEquals("deployments.apps \"d\" is forbidden: unable to create new content in namespace life because it is"
                + " being terminated", JSON.readTree(apps.body()).path("message").asText());
        assertEquals("apps", JSON.readTree(apps.body()).path("details").path("group").asText());

        assertEquals(200, send("DELETE", "/api/v1/namespaces/life", null).statusCode(), "deleting again changes nothing");
        assertEquals(marked.path("metadata").path("resourceVersion"),
                JSON.readTree(send("GET", "/api/v1/namespaces/life", null).body()).path("metadata").path("resourceVersion"));

        assertEquals(405, send("GET", "/api/v1/namespaces/life/finalize", null).statusCode(), "finalize is PUT only");
        ObjectNode finalize = (ObjectNode) marked.deepCopy();
        ((ObjectNode) finalize.path("spec")).putArray("finalizers").add("cleanup");
        HttpResponse<String> invalid = send("PUT", "/api/v1/namespaces/life/finalize", finalize.toString());
        assertEquals(422, invalid.statusCode());
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + "\"Namespace \\\"life\\\" is invalid: spec.finalizers[0]: Invalid value: \\\"cleanup\\\": name is neither a"
                + " standard finalizer name nor is it fully qualified\",\"reason\":\"Invalid\",\"details\":{\"name\":"
                + "\"life\",\"kind\":\"Namespace\",\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid"
                + " value: \\\"cleanup\\\": name is neither a standard finalizer name nor is it fully qualified\",\"field\":"
                + "\"spec.finalizers[0]\"}]},\"code\":422}", invalid.body());

        ((ObjectNode) finalize.path("spec")).putArray("finalizers");
        HttpResponse<String> finalized = send("PUT", "/api/v1/namespaces/life/finalize", finalize.toString());
        assertEquals(200, finalized.statusCode());
        assertEquals("[]", JSON.readTree(finalized.body()).path("spec").path("finalizers").toString());
        assertEquals(404, send("GET", "/api/v1/namespaces/life", null).statusCode(),
                "spec and metadata finalizers empty: the finalize update deleted it");
    }

    @Test
    void theCollectorsFinalizersAndOthersOnANamespace() throws Exception {
        assertEquals(201, send("POST", "/api/v1/namespaces",
                "{\"metadata\":{\"name\":\"kept\",\"finalizers\":[\"example.com/audit\"]}}").statusCode());
        HttpResponse<String> deleted = send("DELETE", "/api/v1/namespaces/kept", "{\"propagationPolicy\":\"Foreground\"}");
        assertEquals(200, deleted.statusCode());
        assertEquals("[\"example.com/audit\",\"foregroundDeletion\"]",
                JSON.readTree(deleted.body()).path("metadata").path("finalizers").toString());
        Await.until("the garbage collector to remove foregroundDeletion (the namespace owns nothing)", () ->
                finalizers("kept").equals(List.of("example.com/audit")));

        JsonNode current = JSON.readTree(send("GET", "/api/v1/namespaces/kept", null).body());
        ObjectNode active = (ObjectNode) current.deepCopy();
        ((ObjectNode) active.path("status")).put("phase", "Active");
        HttpResponse<String> phase = send("PUT", "/api/v1/namespaces/kept/status", active.toString());
        assertEquals(422, phase.statusCode());
        assertEquals("Namespace \"kept\" is invalid: status.Phase: Invalid value: \"Active\": may only be 'Terminating'"
                + " if `deletionTimestamp` is not empty", JSON.readTree(phase.body()).path("message").asText());

        ((ObjectNode) active.path("spec")).putArray("finalizers");
        HttpResponse<String> finalized = send("PUT", "/api/v1/namespaces/kept/finalize", active.toString());
        assertEquals(200, finalized.statusCode());
        assertEquals("Terminating", JSON.readTree(finalized.body()).path("status").path("phase").asText(),
                "finalize never writes status");
        assertEquals(200, send("GET", "/api/v1/namespaces/kept", null).statusCode(), "metadata.finalizers hold it still");

        HttpRequest release = HttpRequest.newBuilder(server.uri("/api/v1/namespaces/kept"))
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"finalizers\":null}}")).build();
        assertEquals(200, admin.send(release, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, send("GET", "/api/v1/namespaces/kept", null).statusCode());
    }

    @Test
    void orphanDependentsFalseIsAcceptedAndTheImmortalNamespacesStay() throws Exception {
        assertEquals(201, send("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"accepted\"}}").statusCode());
        HttpResponse<String> accepted = send("DELETE", "/api/v1/namespaces/accepted?orphanDependents=false", null);
        assertEquals(202, accepted.statusCode(), "upstream's answer to orphanDependents=false when the object stays");
        HttpResponse<String> immortal = send("DELETE", "/api/v1/namespaces/kube-system", null);
        assertEquals(403, immortal.statusCode());
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + "\"namespaces \\\"kube-system\\\" is forbidden: this namespace may not be deleted\",\"reason\":"
                + "\"Forbidden\",\"details\":{\"name\":\"kube-system\",\"kind\":\"namespaces\"},\"code\":403}", immortal.body());
    }

    @Test
    void discoveryListsTheSubresources() throws Exception {
        JsonNode core = JSON.readTree(send("GET", "/api/v1", null).body());
        List<String> entries = new ArrayList<>();
        for (JsonNode resource : core.path("resources")) {
            if (resource.path("name").asText().startsWith("namespaces")) {
                entries.add(resource.path("name").asText() + " " + resource.path("verbs"));
            }
        }
        assertEquals(List.of(
                "namespaces [\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]",
                "namespaces/finalize [\"update\"]",
                "namespaces/status [\"get\",\"patch\",\"update\"]"), entries);
    }

    private List<String> finalizers(String namespace) {
        try {
            List<String> finalizers = new ArrayList<>();
            JSON.readTree(send("GET", "/api/v1/namespaces/" + namespace, null).body()).path("metadata").path("finalizers")
                    .forEach(f -> finalizers.add(f.asText()));
            return finalizers;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.uri(path).toString()))
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return admin.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
