package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** fieldValidation=Strict|Warn|Ignore on create, update and patch, with upstream's texts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FieldValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

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

    private static String deployment(String name, String extraSpec, String containerExtra) {
        return """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s"},
                 "spec":{%s"selector":{"matchLabels":{"app":"a"}},
                  "template":{"metadata":{"labels":{"app":"a"}},
                   "spec":{"containers":[{"name":"c","image":"nginx"%s}]}}}}
                """.formatted(name, extraSpec, containerExtra);
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        return admin.send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void strictRefusesUnknownAndDuplicateFieldsWithTheirPaths() throws Exception {
        HttpResponse<String> response = send("POST", DEPLOYMENTS + "?fieldValidation=Strict", "application/json",
                deployment("strict", "\"replicaz\":2,\"replicas\":1,\"replicas\":2,", ",\"imagez\":\"x\""));
        assertEquals(400, response.statusCode(), response.body());
        JsonNode status = JSON.readTree(response.body());
        assertEquals("BadRequest", status.path("reason").asText());
        assertEquals("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: "
                + "unknown field \"spec.replicaz\", duplicate field \"spec.replicas\", "
                + "unknown field \"spec.template.spec.containers[0].imagez\"", status.path("message").asText());
        assertEquals(404, admin.send(HttpRequest.newBuilder(server.uri(DEPLOYMENTS + "/strict")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void warnIsTheDefaultAndDropsUnknownFields() throws Exception {
        for (String query : List.of("", "?fieldValidation=Warn")) {
            String name = query.isEmpty() ? "warn-default" : "warn";
            HttpResponse<String> response = send("POST", DEPLOYMENTS + query, "application/json",
                    deployment(name, "\"replicaz\":2,", ",\"imagez\":\"x\""));
            assertEquals(201, response.statusCode(), response.body());
            assertEquals(List.of("299 - \"unknown field \\\"spec.replicaz\\\"\"",
                            "299 - \"unknown field \\\"spec.template.spec.containers[0].imagez\\\"\""),
                    response.headers().allValues("warning"));
            JsonNode stored = JSON.readTree(admin.send(HttpRequest.newBuilder(server.uri(DEPLOYMENTS + "/" + name)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertFalse(stored.path("spec").has("replicaz"));
            assertFalse(stored.path("spec").path("template").path("spec").path("containers").get(0).has("imagez"));
            assertEquals("nginx", stored.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
        }
    }

    @Test
    void ignoreDropsSilently() throws Exception {
        HttpResponse<String> response = send("POST", DEPLOYMENTS + "?fieldValidation=Ignore", "application/json",
                deployment("ignore", "\"replicaz\":2,", ""));
        assertEquals(201, response.statusCode(), response.body());
        assertEquals(List.of(), response.headers().allValues("warning"));
        assertFalse(JSON.readTree(response.body()).path("spec").has("replicaz"));
    }

    @Test
    void caseMismatchedKeysAreUnknownAndYamlBodiesAreChecked() throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                "application/yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  Labels:\n    a: b\ndata:\n  k: v\n");
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.Labels\"",
                JSON.readTree(response.body()).path("message").asText());
    }

    @Test
    void yamlDuplicatesAreWordedAsUpstreamsYamlConversion() throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                "application/yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  k: v\n  k: w\nbogus: 1\n");
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: error converting YAML"
                + " to JSON: yaml: unmarshal errors:\n  line 7: key \"k\" already set in map, unknown field \"bogus\"",
                JSON.readTree(response.body()).path("message").asText());
    }

    @Test
    void invalidDirectiveIsRefused() throws Exception {
        HttpResponse<String> response = send("POST", DEPLOYMENTS + "?fieldValidation=Loose", "application/json",
                deployment("loose", "", ""));
        assertEquals(422, response.statusCode());
        assertEquals("CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"Loose\": supported values: "
                + "\"\", \"Ignore\", \"Strict\", \"Warn\"", JSON.readTree(response.body()).path("message").asText());
    }

    @Test
    void updateAndPatch() throws Exception {
        assertEquals(201, send("POST", DEPLOYMENTS, "application/json", deployment("patched", "", "")).statusCode());
        JsonNode current = JSON.readTree(admin.send(HttpRequest.newBuilder(server.uri(DEPLOYMENTS + "/patched")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) current.path("spec")).put("replicaz", 3);
        HttpResponse<String> update = send("PUT", DEPLOYMENTS + "/patched?fieldValidation=Strict", "application/json", current.toString());
        assertEquals(400, update.statusCode());
        assertTrue(JSON.readTree(update.body()).path("message").asText().endsWith("strict decoding error: unknown field \"spec.replicaz\""));

        HttpResponse<String> strict = send("PATCH", DEPLOYMENTS + "/patched?fieldValidation=Strict", "application/merge-patch+json",
                "{\"spec\":{\"replicaz\":3,\"paused\":true,\"paused\":false}}");
        assertEquals(422, strict.statusCode(), strict.body());
        JsonNode status = JSON.readTree(strict.body());
        String message = status.path("message").asText();
        assertTrue(message.startsWith(" \"\" is invalid: patch: Invalid value: \"{"), message);
        assertTrue(message.endsWith("\": strict decoding error: duplicate field \"spec.paused\", unknown field \"spec.replicaz\""), message);
        assertEquals("patch", status.path("details").path("causes").get(0).path("field").asText());
        assertEquals("FieldValueInvalid", status.path("details").path("causes").get(0).path("reason").asText());

        // a value the Go field cannot hold, left by a merge or JSON patch: 422 on "patch" with Go's text
        for (String[] patch : new String[][] {{"application/merge-patch+json", "{\"spec\":{\"paused\":\"yes\"}}"},
                {"application/json-patch+json", "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":\"two\"}]"}}) {
            HttpResponse<String> typed = send("PATCH", DEPLOYMENTS + "/patched", patch[0], patch[1]);
            assertEquals(422, typed.statusCode(), typed.body());
            String typedMessage = JSON.readTree(typed.body()).path("message").asText();
            assertTrue(typedMessage.startsWith(" \"\" is invalid: patch: Invalid value: \"{"), typedMessage);
            assertTrue(typedMessage.endsWith(patch[0].contains("merge")
                    ? "\": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"
                    : "\": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
                    typedMessage);
        }

        // a strategic merge takes a value of the wrong kind as it is; converting the result to the Go
        // type fails: 422 on "patch" with the patch map as Go prints it and the converter's words
        String[][] strategic = {
                {"{\"spec\":{\"template\":{\"spec\":{\"containers\":\"oops\"}}}}",
                        "map[spec:map[template:map[spec:map[containers:oops]]]]", "cannot restore slice from string"},
                {"{\"spec\":{\"strategy\":\"Recreate\"}}", "map[spec:map[strategy:Recreate]]",
                        "cannot restore struct from: string"},
                {"{\"spec\":{\"replicas\":\"two\"}}", "map[spec:map[replicas:two]]", "cannot convert string to int32"},
                {"{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":1}}}}",
                        "map[spec:map[template:map[spec:map[restartPolicy:1]]]]", "cannot convert int64 to v1.RestartPolicy"}};
        for (String[] patch : strategic) {
            HttpResponse<String> typed = send("PATCH", DEPLOYMENTS + "/patched", "application/strategic-merge-patch+json",
                    patch[0]);
            assertEquals(422, typed.statusCode(), typed.body());
            JsonNode typedStatus = JSON.readTree(typed.body());
            assertEquals(" \"\" is invalid: patch: Invalid value: \"" + patch[1] + "\": " + patch[2],
                    typedStatus.path("message").asText());
            assertEquals("patch", typedStatus.path("details").path("causes").get(0).path("field").asText());
        }
        JsonNode unchanged = JSON.readTree(admin.send(HttpRequest.newBuilder(server.uri(DEPLOYMENTS + "/patched")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertTrue(unchanged.path("spec").path("template").path("spec").path("containers").isArray(), unchanged.toString());

        HttpResponse<String> warned = send("PATCH", DEPLOYMENTS + "/patched", "application/json-patch+json",
                "[{\"op\":\"add\",\"path\":\"/spec/replicaz\",\"value\":3,\"valu\":1}]");
        assertEquals(200, warned.statusCode(), warned.body());
        assertEquals(List.of("299 - \"json patch unknown field \\\"[0].valu\\\"\"", "299 - \"unknown field \\\"spec.replicaz\\\"\""),
                warned.headers().allValues("warning"));
        assertFalse(JSON.readTree(warned.body()).path("spec").has("replicaz"));
        HttpResponse<String> scale = send("PATCH", DEPLOYMENTS + "/patched/scale?fieldValidation=Strict",
                "application/merge-patch+json", "{\"spec\":{\"replicas\":2,\"replica\":3}}");
        assertEquals(422, scale.statusCode(), scale.body());
        assertTrue(JSON.readTree(scale.body()).path("message").asText().endsWith("strict decoding error: unknown field \"spec.replica\""));
        HttpResponse<String> scaled = send("PATCH", DEPLOYMENTS + "/patched/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":2}}");
        assertEquals(200, scaled.statusCode(), scaled.body());
        assertEquals(2, JSON.readTree(scaled.body()).path("spec").path("replicas").asInt());
    }

    @Test
    void valuesGoCannotStoreAreBadRequestsWithEncodingJsonsText() throws Exception {
        String prefix = "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal ";
        for (String validation : List.of("Strict", "Warn", "Ignore")) {
            HttpResponse<String> response = send("POST", DEPLOYMENTS + "?fieldValidation=" + validation, "application/json",
                    deployment("typed", "\"replicas\":\"abc\",\"replicaz\":1,", ""));
            assertEquals(400, response.statusCode(), response.body());
            JsonNode status = JSON.readTree(response.body());
            assertEquals("BadRequest", status.path("reason").asText());
            assertEquals(prefix + "string into Go struct field DeploymentSpec.spec.replicas of type int32",
                    status.path("message").asText(), validation);
        }
        String[][] cases = {
                {"\"replicas\":1.5,", "", "number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"},
                {"\"replicas\":3000000000,", "", "number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"},
                {"\"paused\":\"yes\",", "", "string into Go struct field DeploymentSpec.spec.paused of type bool"},
                {"\"strategy\":[],", "", "array into Go struct field DeploymentSpec.spec.strategy of type v1.DeploymentStrategy"},
                {"", ",\"ports\":[{\"containerPort\":\"80\"}]",
                        "string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32"},
                {"", ",\"env\":[{\"name\":\"A\",\"value\":1}]",
                        "number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string"},
                {"", ",\"args\":\"sleep\"",
                        "string into Go struct field Container.spec.template.spec.containers.args of type []string"},
                {"", ",\"env\":{\"A\":\"1\"}",
                        "object into Go struct field Container.spec.template.spec.containers.env of type []v1.EnvVar"},
                // named string types are named as Go names them
                {"", ",\"imagePullPolicy\":1",
                        "number into Go struct field Container.spec.template.spec.containers.imagePullPolicy of type v1.PullPolicy"},
                {"", ",\"ports\":[{\"containerPort\":80,\"protocol\":6}]",
                        "number into Go struct field ContainerPort.spec.template.spec.containers.ports.protocol of type v1.Protocol"},
                {"", ",\"securityContext\":{\"capabilities\":{\"add\":\"NET_ADMIN\"}}",
                        "string into Go struct field Capabilities.spec.template.spec.containers.securityContext.capabilities.add"
                                + " of type []v1.Capability"},
                {"", ",\"securityContext\":{\"capabilities\":{\"drop\":[true]}}",
                        "bool into Go struct field Capabilities.spec.template.spec.containers.securityContext.capabilities.drop"
                                + " of type v1.Capability"}};
        for (String[] c : cases) {
            HttpResponse<String> response = send("POST", DEPLOYMENTS, "application/json", deployment("typed", c[0], c[1]));
            assertEquals(400, response.statusCode(), response.body());
            assertEquals(prefix + c[2], JSON.readTree(response.body()).path("message").asText());
        }
        HttpResponse<String> map = send("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"typed\"},\"data\":[\"a\"]}");
        assertEquals(400, map.statusCode(), map.body());
        assertEquals("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go"
                + " struct field ConfigMap.data of type map[string]string", JSON.readTree(map.body()).path("message").asText());
        // a YAML body is converted to JSON first, so it gets the same words
        HttpResponse<String> yaml = send("POST", DEPLOYMENTS, "application/yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: typed}
                spec:
                  replicas: abc
                  selector: {matchLabels: {app: a}}
                  template:
                    metadata: {labels: {app: a}}
                    spec: {containers: [{name: c, image: nginx}]}
                """);
        assertEquals(400, yaml.statusCode(), yaml.body());
        assertEquals(prefix + "string into Go struct field DeploymentSpec.spec.replicas of type int32",
                JSON.readTree(yaml.body()).path("message").asText());
        // YAML's 2.0 reaches Go's decoder as the JSON number 2, so it is an int32 there
        HttpResponse<String> whole = send("POST", DEPLOYMENTS, "application/yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: typed-whole}
                spec:
                  replicas: 2.0
                  selector: {matchLabels: {app: a}}
                  template:
                    metadata: {labels: {app: a}}
                    spec: {containers: [{name: c, image: nginx}]}
                """);
        assertEquals(201, whole.statusCode(), whole.body());
        assertEquals("2", JSON.readTree(whole.body()).path("spec").path("replicas").toString());
    }
}
