package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.apiserver.testing.Wire;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP surface with the JDK's client: authentication, status bodies, discovery, raw watch streams. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestServer server;
    private HttpClient admin;
    private HttpClient anonymous;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir);
        base = server.uri("").toString();
        admin = server.admin();
        anonymous = server.anonymous();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anonymousRequestsOnlyReachHealthAndVersion() throws Exception {
        // anonymous requests are authorized as system:anonymous (upstream's default --anonymous-auth)
        HttpResponse<String> denied = anonymous.send(get("/api/v1/namespaces"), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, denied.statusCode());
        JsonNode status = JSON.readTree(denied.body());
        assertEquals("Forbidden", status.path("reason").asText());
        assertEquals(403, status.path("code").asInt());
        assertEquals("namespaces is forbidden: User \"system:anonymous\" cannot list resource \"namespaces\" in API group \"\""
                + " at the cluster scope", status.path("message").asText());
        for (String path : List.of("/healthz", "/livez", "/readyz", "/version")) {
            assertEquals(200, anonymous.send(get(path), HttpResponse.BodyHandlers.ofString()).statusCode(), path);
        }
        assertEquals("ok", anonymous.send(get("/healthz"), HttpResponse.BodyHandlers.ofString()).body());
        String verbose = anonymous.send(get("/readyz?verbose"), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(verbose.contains("[+]etcd ok\n") && verbose.contains("[+]poststarthook/bootstrap-namespaces ok\n")
                && verbose.endsWith("readyz check passed\n"), verbose);
    }

    @Test
    void discoveryDescribesTheCatalog() throws Exception {
        JsonNode api = JSON.readTree(admin.send(get("/api"), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("APIVersions", api.path("kind").asText());
        assertEquals("v1", api.path("versions").get(0).asText());
        JsonNode groups = JSON.readTree(admin.send(get("/apis"), HttpResponse.BodyHandlers.ofString()).body());
        List<String> groupNames = new java.util.ArrayList<>();
        groups.path("groups").forEach(g -> groupNames.add(g.path("name").asText()));
        assertEquals(List.of("admissionregistration.k8s.io", "apiextensions.k8s.io", "apps", "authentication.k8s.io",
                "authorization.k8s.io", "autoscaling", "batch",
                "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "networking.k8s.io",
                "node.k8s.io", "policy", "rbac.authorization.k8s.io", "scheduling.k8s.io", "storage.k8s.io"), groupNames);
        JsonNode apps = JSON.readTree(admin.send(get("/apis/apps/v1"), HttpResponse.BodyHandlers.ofString()).body());
        List<String> appsResources = new java.util.ArrayList<>();
        apps.path("resources").forEach(r -> appsResources.add(r.path("name").asText()));
        assertTrue(appsResources.containsAll(List.of("deployments", "deployments/status", "statefulsets")), appsResources.toString());
        JsonNode core = JSON.readTree(admin.send(get("/api/v1"), HttpResponse.BodyHandlers.ofString()).body());
        JsonNode configMaps = null;
        for (JsonNode resource : core.path("resources")) {
            if (resource.path("name").asText().equals("configmaps")) {
                configMaps = resource;
            }
        }
        assertEquals("{\"name\":\"configmaps\",\"singularName\":\"configmap\",\"namespaced\":true,\"kind\":\"ConfigMap\","
                + "\"verbs\":[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],"
                + "\"shortNames\":[\"cm\"]}", JSON.writeValueAsString(configMaps));
    }

    @Test
    void failuresAreStatusObjectsWithUpstreamTexts() throws Exception {
        HttpResponse<String> noPath = admin.send(get("/api/v1/widgets"), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, noPath.statusCode());
        assertEquals("the server could not find the requested resource", JSON.readTree(noPath.body()).path("message").asText());

        HttpResponse<String> noNamespace = admin.send(post("/api/v1/namespaces/nope/configmaps",
                "{\"metadata\":{\"name\":\"a\"}}"), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, noNamespace.statusCode());
        JsonNode status = JSON.readTree(noNamespace.body());
        assertEquals("namespaces \"nope\" not found", status.path("message").asText());
        assertEquals("{\"name\":\"nope\",\"kind\":\"namespaces\"}", JSON.writeValueAsString(status.path("details")));

        HttpResponse<String> badJson = admin.send(post("/api/v1/namespaces/default/configmaps", "{nope"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, badJson.statusCode());

        HttpResponse<String> created = admin.send(post("/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"smp\"}}"), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode());
        HttpResponse<String> strategic = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps/smp"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"finalizers\":[\"a.kj.dev/x\"]}}"))
                .header("Content-Type", "application/strategic-merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, strategic.statusCode(), strategic.body());
        HttpResponse<String> unknown = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps/smp"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, unknown.statusCode());
        assertEquals("the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
                JSON.readTree(unknown.body()).path("message").asText());
        admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps/smp"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"a.kj.dev/x\"]}}"))
                .header("Content-Type", "application/strategic-merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> notJson = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps/smp"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"data\":{}} trailing"))
                .header("Content-Type", "application/strategic-merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, notJson.statusCode());
        assertEquals("invalid JSON patch", JSON.readTree(notJson.body()).path("message").asText());
        HttpResponse<String> duplicate = admin.send(HttpRequest.newBuilder(URI.create(base
                        + "/api/v1/namespaces/default/configmaps/smp?fieldValidation=Strict"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"data\":{\"a\":\"1\",\"a\":\"2\"}}"))
                .header("Content-Type", "application/strategic-merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(422, duplicate.statusCode(), duplicate.body());
        assertTrue(JSON.readTree(duplicate.body()).path("message").asText().contains("strict decoding error: duplicate field \"data.a\""),
                duplicate.body());
        // a merge failure that is no Status error upstream: a plain 500 without reason
        assertEquals(201, admin.send(post("/api/v1/namespaces/default/pods",
                "{\"metadata\":{\"name\":\"smp\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}"),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> noMergeKey = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/pods/smp"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"spec\":{\"containers\":[{\"image\":\"o\"}]}}"))
                .header("Content-Type", "application/strategic-merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(500, noMergeKey.statusCode());
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"map: map[image:o] does not contain declared merge key: name\",\"code\":500}", noMergeKey.body());
    }

    @Test
    void watchStreamsEventsFromAResourceVersion() throws Exception {
        HttpResponse<String> created = admin.send(post("/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"watched\"},\"data\":{\"n\":\"1\"}}"), HttpResponse.BodyHandlers.ofString());
        String version = JSON.readTree(created.body()).path("metadata").path("resourceVersion").asText();
        HttpResponse<InputStream> stream = admin.send(get("/api/v1/namespaces/default/configmaps?watch=true"
                + "&fieldSelector=metadata.name%3Dwatched&timeoutSeconds=30&resourceVersion=" + version),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            HttpResponse<String> patched = admin.send(HttpRequest.newBuilder(
                            URI.create(base + "/api/v1/namespaces/default/configmaps/watched"))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"data\":{\"n\":\"2\"}}"))
                    .header("Content-Type", "application/merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, patched.statusCode(), patched.body());
            admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps/watched"))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode modified = JSON.readTree(lines.readLine());
            assertEquals("MODIFIED", modified.path("type").asText());
            assertEquals("2", modified.path("object").path("data").path("n").asText());
            assertEquals("ConfigMap", modified.path("object").path("kind").asText());
            JsonNode deleted = JSON.readTree(lines.readLine());
            assertEquals("DELETED", deleted.path("type").asText());
            assertTrue(Long.parseLong(deleted.path("object").path("metadata").path("resourceVersion").asText())
                    > Long.parseLong(modified.path("object").path("metadata").path("resourceVersion").asText()));
        }
    }

    @Test
    void yamlBodiesAndAnswers() throws Exception {
        HttpResponse<String> created = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps"))
                .header("Content-Type", "application/yaml").header("Accept", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString("metadata:\n  name: from-yaml\ndata:\n  greeting: hello\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("application/yaml", created.headers().firstValue("content-type").orElse(""));
        assertTrue(created.body().startsWith("apiVersion: \"v1\"\nkind: \"ConfigMap\"\nmetadata:\n")
                && created.body().contains("\n  resourceVersion: \"") && created.body().contains("\n  greeting: \"hello\"\n"),
                created.body());
        HttpResponse<String> asJson = admin.send(get("/api/v1/namespaces/default/configmaps/from-yaml"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("hello", JSON.readTree(asJson.body()).path("data").path("greeting").asText());
    }

    @Test
    void http2IsNegotiatedAndCarriesTheClientCertificate() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().sslContext(admin.sslContext()).version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> list = h2.send(get("/api/v1/namespaces"), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, list.version());
        assertEquals(200, list.statusCode(), list.body());
        assertEquals("NamespaceList", JSON.readTree(list.body()).path("kind").asText());
        HttpClient anonymousH2 = HttpClient.newBuilder().sslContext(anonymous.sslContext())
                .version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> denied = anonymousH2.send(get("/api/v1/namespaces"), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, denied.version());
        assertEquals(403, denied.statusCode());
    }

    @Test
    void aggregatedDiscoveryByContentNegotiation() throws Exception {
        String v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
        String v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
        // kubectl 1.30+: protobuf first (not served, skipped), then v2 JSON
        HttpResponse<String> apis = admin.send(accept("/apis", "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;"
                + "v=v2;as=APIGroupDiscoveryList," + v2 + "," + v2beta1 + ",application/json"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, apis.statusCode());
        assertEquals(v2, apis.headers().firstValue("content-type").orElseThrow());
        JsonNode list = JSON.readTree(apis.body());
        assertEquals("APIGroupDiscoveryList", list.path("kind").asText());
        assertEquals("apidiscovery.k8s.io/v2", list.path("apiVersion").asText());
        JsonNode apps = null;
        for (JsonNode item : list.path("items")) {
            if (item.path("metadata").path("name").asText().equals("apps")) {
                apps = item;
            }
        }
        JsonNode deployments = null;
        for (JsonNode resource : apps.path("versions").get(0).path("resources")) {
            if (resource.path("resource").asText().equals("deployments")) {
                deployments = resource;
            }
        }
        assertEquals("v1", apps.path("versions").get(0).path("version").asText());
        assertEquals("Current", apps.path("versions").get(0).path("freshness").asText());
        assertEquals("{\"resource\":\"deployments\",\"responseKind\":{\"group\":\"\",\"version\":\"\",\"kind\":\"Deployment\"},"
                + "\"scope\":\"Namespaced\",\"singularResource\":\"deployment\",\"verbs\":[\"create\",\"delete\","
                + "\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],\"shortNames\":[\"deploy\"],"
                + "\"categories\":[\"all\"],\"subresources\":[{\"subresource\":\"scale\",\"responseKind\":{\"group\":"
                + "\"autoscaling\",\"version\":\"v1\",\"kind\":\"Scale\"},\"verbs\":[\"get\",\"patch\",\"update\"]},"
                + "{\"subresource\":\"status\",\"responseKind\":{\"group\":\"\",\"version\":\"\",\"kind\":\"Deployment\"},"
                + "\"verbs\":[\"get\",\"patch\",\"update\"]}]}", JSON.writeValueAsString(deployments));

        // kubectl 1.27-1.29: v2beta1 first; /api holds the core group, unnamed
        HttpResponse<String> api = admin.send(accept("/api", v2beta1 + "," + v2 + ",application/json"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(v2beta1, api.headers().firstValue("content-type").orElseThrow());
        JsonNode core = JSON.readTree(api.body());
        assertEquals("apidiscovery.k8s.io/v2beta1", core.path("apiVersion").asText());
        assertEquals(1, core.path("items").size());
        assertTrue(core.path("items").get(0).path("metadata").path("name").isMissingNode());
        List<String> coreResources = new java.util.ArrayList<>();
        core.path("items").get(0).path("versions").get(0).path("resources").forEach(r -> coreResources.add(r.path("resource").asText()));
        assertTrue(coreResources.containsAll(List.of("configmaps", "namespaces", "nodes")), coreResources.toString());

        // tagged as upstream tags it; a client holding the document gets 304 and no body
        String tag = apis.headers().firstValue("etag").orElseThrow();
        assertTrue(tag.matches("\"[0-9A-F]{128}\""), tag);
        assertEquals("Accept", apis.headers().firstValue("vary").orElseThrow());
        assertEquals("public", apis.headers().firstValue("cache-control").orElseThrow());
        HttpResponse<String> cached = admin.send(HttpRequest.newBuilder(URI.create(base + "/apis")).header("Accept", v2)
                .header("If-None-Match", tag).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, cached.statusCode());
        assertEquals("", cached.body());
        assertEquals(tag, cached.headers().firstValue("etag").orElseThrow());
        assertEquals(200, admin.send(HttpRequest.newBuilder(URI.create(base + "/apis")).header("Accept", v2)
                .header("If-None-Match", "\"stale\"").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(!api.headers().firstValue("etag").orElseThrow().equals(tag), "each document has its own tag");

        // plain JSON stays legacy discovery; asking only for an unknown variant is 406
        HttpResponse<String> legacy = admin.send(accept("/apis", "application/json"), HttpResponse.BodyHandlers.ofString());
        assertEquals("application/json", legacy.headers().firstValue("content-type").orElseThrow());
        assertEquals("APIGroupList", JSON.readTree(legacy.body()).path("kind").asText());
        assertEquals(406, admin.send(accept("/apis", "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    private static final String KUBECTL_GET_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    @Test
    void tablesForGetListAndWatch() throws Exception {
        assertEquals(201, admin.send(post("/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"tabled\",\"labels\":{\"t\":\"1\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}"),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> list = admin.send(accept("/api/v1/namespaces/default/configmaps?labelSelector=t%3D1",
                KUBECTL_GET_ACCEPT), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, list.statusCode());
        JsonNode table = JSON.readTree(list.body());
        assertEquals("Table", table.path("kind").asText());
        assertEquals("meta.k8s.io/v1", table.path("apiVersion").asText());
        assertTrue(table.path("metadata").path("resourceVersion").asLong() > 0);
        assertEquals(List.of("Name/string/name/0", "Data/string//0", "Age/string//0"), columns(table));
        JsonNode row = table.path("rows").get(0);
        assertEquals(1, table.path("rows").size());
        assertEquals("tabled", row.path("cells").get(0).asText());
        assertEquals(2, row.path("cells").get(1).asInt());
        assertTrue(row.path("cells").get(2).asText().matches("\\d+s"), row.toString());
        assertEquals("PartialObjectMetadata", row.path("object").path("kind").asText());
        assertEquals("meta.k8s.io/v1", row.path("object").path("apiVersion").asText());
        assertEquals("1", row.path("object").path("metadata").path("labels").path("t").asText());
        assertTrue(row.path("object").path("data").isMissingNode());

        // v1beta1 first, the full object, a single get
        JsonNode one = JSON.readTree(admin.send(accept("/api/v1/namespaces/default/configmaps/tabled?includeObject=Object",
                "application/json;as=Table;v=v1beta1;g=meta.k8s.io"), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("meta.k8s.io/v1beta1", one.path("apiVersion").asText());
        assertEquals("ConfigMap", one.path("rows").get(0).path("object").path("kind").asText());
        assertEquals("2", one.path("rows").get(0).path("object").path("data").path("b").asText());
        JsonNode none = JSON.readTree(admin.send(accept("/api/v1/namespaces/default/configmaps/tabled?includeObject=None",
                KUBECTL_GET_ACCEPT), HttpResponse.BodyHandlers.ofString()).body());
        assertTrue(none.path("rows").get(0).path("object").isMissingNode());

        // a kind without a printer: upstream's default convertor
        JsonNode limits = JSON.readTree(admin.send(accept("/api/v1/limitranges", KUBECTL_GET_ACCEPT),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(List.of("Name/string/name/0", "Created At/date//0"), columns(limits));

        // deployments: wide columns have priority 1, the selector printed as labels.Selector
        assertEquals(201, admin.send(post("/apis/apps/v1/namespaces/default/deployments", """
                {"metadata":{"name":"tabled"},"spec":{"replicas":3,"selector":{"matchLabels":{"b":"2","a":"1"}},
                 "template":{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"containers":[
                   {"name":"one","image":"nginx"},{"name":"two","image":"busybox"}]}}}}"""),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        JsonNode deployment = JSON.readTree(admin.send(accept("/apis/apps/v1/namespaces/default/deployments/tabled",
                KUBECTL_GET_ACCEPT), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(List.of("Name/string/name/0", "Ready/string//0", "Up-to-date/string//0", "Available/string//0",
                "Age/string//0", "Containers/string//1", "Images/string//1", "Selector/string//1"), columns(deployment));
        JsonNode cells = deployment.path("rows").get(0).path("cells");
        assertEquals("0/3", cells.get(1).asText());
        assertEquals(0, cells.get(2).asInt());
        assertEquals("one,two", cells.get(5).asText());
        assertEquals("nginx,busybox", cells.get(6).asText());
        assertEquals("a=1,b=2", cells.get(7).asText());

        // a Table can't answer a create: plain JSON when the client allows it, else 406
        HttpResponse<String> created = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps"))
                .header("Content-Type", "application/json").header("Accept", KUBECTL_GET_ACCEPT)
                .POST(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"plain\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode());
        assertEquals("ConfigMap", JSON.readTree(created.body()).path("kind").asText());
        HttpResponse<String> refused = admin.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps"))
                .header("Content-Type", "application/json").header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
                .POST(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"refused\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(406, refused.statusCode());
        assertEquals("NotAcceptable", JSON.readTree(refused.body()).path("reason").asText());

        // watch: each event's object is a one-row Table
        HttpResponse<InputStream> watch = admin.send(accept("/api/v1/namespaces/default/configmaps?watch=true"
                + "&labelSelector=t%3D1&timeoutSeconds=5", KUBECTL_GET_ACCEPT), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8))) {
            JsonNode event = JSON.readTree(lines.readLine());
            assertEquals("ADDED", event.path("type").asText());
            assertEquals("Table", event.path("object").path("kind").asText());
            assertEquals("tabled", event.path("object").path("rows").get(0).path("cells").get(0).asText());
        }
    }

    /** What kubectl 1.32+ typed clients send: protobuf creates, scale updates and delete options. */
    @Test
    void protobufBodies() throws Exception {
        String deployments = "/apis/apps/v1/namespaces/default/deployments";
        java.util.function.Supplier<Wire> spec = () -> Wire.message().varint(1, 2)
                .message(2, Wire.message().entry(1, "app", "pb"))
                .message(3, Wire.message().message(1, Wire.message().entry(11, "app", "pb"))
                        .message(2, Wire.message().message(2, Wire.message().string(1, "c").string(2, "nginx"))));
        HttpResponse<String> created = admin.send(protobuf("POST", deployments, Wire.body("apps/v1", "Deployment",
                Wire.message().message(1, Wire.message().string(1, "pb")).message(2, spec.get()))), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        JsonNode stored = JSON.readTree(admin.send(get(deployments + "/pb"), HttpResponse.BodyHandlers.ofString()).body());
        // what the body said, plus upstream's v1 defaults (the image has no tag: pulled Always)
        assertEquals(JSON.readTree("{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"pb\"}},\"template\":"
                + "{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"pb\"}},\"spec\":{\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"nginx\",\"resources\":{},\"terminationMessagePath\":\"/dev/termination-log\","
                + "\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"Always\"}],\"restartPolicy\":\"Always\","
                + "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\",\"securityContext\":{},"
                + "\"schedulerName\":\"default-scheduler\"}},\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":"
                + "{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}},\"revisionHistoryLimit\":10,"
                + "\"progressDeadlineSeconds\":600}"), stored.path("spec"));

        // a field kj's definitions lack: refused, and nothing stored
        HttpResponse<String> unknown = admin.send(protobuf("POST", deployments, Wire.body("apps/v1", "Deployment",
                Wire.message().message(1, Wire.message().string(1, "pb-new")).message(2, spec.get().varint(99, 1)))),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, unknown.statusCode());
        JsonNode status = JSON.readTree(unknown.body());
        assertEquals("BadRequest", status.path("reason").asText());
        assertEquals("Deployment in version \"v1\" cannot be handled as a Deployment: spec: field number 99 of "
                + "apps.v1.DeploymentSpec is not one kj knows (it decodes Kubernetes v1.33's fields), so the object "
                + "cannot be stored whole", status.path("message").asText());
        assertEquals(404, admin.send(get(deployments + "/pb-new"), HttpResponse.BodyHandlers.ofString()).statusCode());

        // the scale subresource takes an autoscaling/v1 Scale
        HttpResponse<String> scaled = admin.send(protobuf("PUT", deployments + "/pb/scale", Wire.body("autoscaling/v1",
                "Scale", Wire.message().message(1, Wire.message().string(1, "pb").string(3, "default"))
                        .message(2, Wire.message().varint(1, 5)))), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scaled.statusCode(), scaled.body());
        assertEquals(5, JSON.readTree(admin.send(get(deployments + "/pb"), HttpResponse.BodyHandlers.ofString()).body())
                .path("spec").path("replicas").asInt());

        // DeleteOptions as typed clients send them, tagged with the client's group version
        HttpResponse<String> wrongUid = admin.send(protobuf("DELETE", deployments + "/pb", Wire.body("apps/v1",
                "DeleteOptions", Wire.message().message(2, Wire.message().string(1, "not-the-uid")))),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(409, wrongUid.statusCode(), wrongUid.body());
        String uid = stored.path("metadata").path("uid").asText();
        HttpResponse<String> deleted = admin.send(protobuf("DELETE", deployments + "/pb", Wire.body("apps/v1",
                "DeleteOptions", Wire.message().message(2, Wire.message().string(1, uid)))), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(404, admin.send(get(deployments + "/pb"), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    private HttpRequest protobuf(String method, String path, byte[] body) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/vnd.kubernetes.protobuf")
                .header("Accept", "application/vnd.kubernetes.protobuf,application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static List<String> columns(JsonNode table) {
        List<String> columns = new java.util.ArrayList<>();
        for (JsonNode c : table.path("columnDefinitions")) {
            columns.add(c.path("name").asText() + "/" + c.path("type").asText() + "/" + c.path("format").asText()
                    + "/" + c.path("priority").asInt());
        }
        return columns;
    }

    private HttpRequest accept(String path, String accept) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Accept", accept).timeout(Duration.ofSeconds(30)).build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build();
    }

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
