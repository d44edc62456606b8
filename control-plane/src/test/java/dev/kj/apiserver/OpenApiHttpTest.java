package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kj.apiserver.openapi.v2.Document;
import dev.kj.apiserver.openapi.v2.NamedAny;
import dev.kj.apiserver.openapi.v2.NamedPathItem;
import dev.kj.apiserver.openapi.v2.NamedSchema;
import dev.kj.apiserver.openapi.v2.Schema;
import dev.kj.apiserver.testing.TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** /openapi/v2 and /openapi/v3 over HTTPS: shapes, kj's patch and list facts, caching, the protobuf form. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

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

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return admin.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void v2DefinitionsCarryKindsAndPatchFacts() throws Exception {
        HttpResponse<byte[]> response = get("/openapi/v2", "Accept", "application/json");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        JsonNode document = JSON.readTree(response.body());
        assertEquals("2.0", document.path("swagger").asText());
        JsonNode deployment = document.path("definitions").path("io.k8s.api.apps.v1.Deployment");
        assertEquals("{\"group\":\"apps\",\"kind\":\"Deployment\",\"version\":\"v1\"}",
                deployment.path("x-kubernetes-group-version-kind").get(0).toString());
        assertEquals("#/definitions/io.k8s.api.apps.v1.DeploymentSpec", deployment.path("properties").path("spec").path("$ref").asText());
        JsonNode containers = document.path("definitions").path("io.k8s.api.core.v1.PodSpec").path("properties").path("containers");
        assertEquals("array", containers.path("type").asText());
        assertEquals("#/definitions/io.k8s.api.core.v1.Container", containers.path("items").path("$ref").asText());
        assertEquals("name", containers.path("x-kubernetes-patch-merge-key").asText());
        assertEquals("merge", containers.path("x-kubernetes-patch-strategy").asText());
        assertTrue(document.path("definitions").path("io.k8s.api.core.v1.PodSpec").path("required").toString().contains("\"containers\""));
        JsonNode ports = document.path("definitions").path("io.k8s.api.core.v1.Container").path("properties").path("ports");
        assertEquals("[\"containerPort\",\"protocol\"]", ports.path("x-kubernetes-list-map-keys").toString());
        assertEquals("map", ports.path("x-kubernetes-list-type").asText());
        assertEquals("merge,retainKeys", document.path("definitions").path("io.k8s.api.core.v1.PodSpec")
                .path("properties").path("volumes").path("x-kubernetes-patch-strategy").asText());
        assertEquals("atomic", document.path("definitions").path("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")
                .path("x-kubernetes-map-type").asText());
        JsonNode intOrString = document.path("definitions").path("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        assertEquals("{\"format\":\"int-or-string\",\"type\":\"string\"}", intOrString.toString());
        assertEquals("{\"format\":\"date-time\",\"type\":\"string\"}",
                document.path("definitions").path("io.k8s.apimachinery.pkg.apis.meta.v1.Time").toString());
        assertEquals("[\"items\"]", document.path("definitions").path("io.k8s.api.apps.v1.DeploymentList").path("required").toString());
        JsonNode deleteOptions = document.path("definitions").path("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")
                .path("x-kubernetes-group-version-kind");
        assertEquals("{\"group\":\"\",\"kind\":\"DeleteOptions\",\"version\":\"v1\"}", deleteOptions.get(0).toString());
        assertEquals("admissionregistration.k8s.io", deleteOptions.get(1).path("group").asText());

        JsonNode create = document.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments").path("post");
        assertEquals("createAppsV1NamespacedDeployment", create.path("operationId").asText());
        assertEquals("post", create.path("x-kubernetes-action").asText());
        assertEquals("Deployment", create.path("x-kubernetes-group-version-kind").path("kind").asText());
        List<String> parameters = new ArrayList<>();
        create.path("parameters").forEach(p -> parameters.add(p.path("name").asText()));
        assertEquals(List.of("body", "dryRun", "fieldManager", "fieldValidation"), parameters);
        JsonNode patch = document.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").path("patch");
        assertEquals("patchAppsV1NamespacedDeployment", patch.path("operationId").asText());
        assertTrue(patch.path("parameters").toString().contains("\"fieldValidation\""));
        assertEquals("Scale", document.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale")
                .path("patch").path("x-kubernetes-group-version-kind").path("kind").asText());
        assertEquals("listCoreV1PodForAllNamespaces", document.path("paths").path("/api/v1/pods").path("get").path("operationId").asText());
        assertEquals("watchRbacAuthorizationV1ClusterRoleList", document.path("paths")
                .path("/apis/rbac.authorization.k8s.io/v1/watch/clusterroles").path("get").path("operationId").asText());
    }

    @Test
    void v2EtagAnswers304() throws Exception {
        HttpResponse<byte[]> first = get("/openapi/v2", "Accept", "application/json");
        String etag = first.headers().firstValue("etag").orElseThrow();
        assertTrue(etag.matches("\"[0-9A-F]{128}\""), etag);
        HttpResponse<byte[]> again = get("/openapi/v2", "Accept", "application/json", "If-None-Match", etag);
        assertEquals(304, again.statusCode());
        assertEquals(0, again.body().length);
        assertEquals(200, get("/openapi/v2", "Accept", "application/json", "If-None-Match", "\"other\"").statusCode());
        assertEquals(406, get("/openapi/v2", "Accept", "text/html").statusCode());
    }

    @Test
    void v2ProtobufParsesAsGnosticsDocument() throws Exception {
        HttpResponse<byte[]> response = get("/openapi/v2", "Accept", PROTOBUF + ", application/json");
        assertEquals(200, response.statusCode());
        assertEquals("application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                response.headers().firstValue("content-type").orElseThrow());
        JsonNode json = JSON.readTree(get("/openapi/v2", "Accept", "application/json").body());
        assertEquals(json.path("definitions").size() > 0, true);
        assertEquals(get("/openapi/v2", "Accept", "application/json").headers().firstValue("etag"),
                response.headers().firstValue("etag"), "both forms share the JSON's ETag, as upstream");
        Document document = Document.parseFrom(response.body());
        assertEquals("2.0", document.getSwagger());
        assertEquals(json.path("definitions").size(), document.getDefinitions().getAdditionalPropertiesCount());
        Schema podSpec = document.getDefinitions().getAdditionalPropertiesList().stream()
                .filter(named -> named.getName().equals("io.k8s.api.core.v1.PodSpec")).findFirst().orElseThrow().getValue();
        Schema containers = podSpec.getProperties().getAdditionalPropertiesList().stream()
                .filter(named -> named.getName().equals("containers")).map(NamedSchema::getValue).findFirst().orElseThrow();
        assertEquals(List.of("array"), containers.getType().getValueList());
        assertEquals("#/definitions/io.k8s.api.core.v1.Container", containers.getItems().getSchema(0).getRef());
        YAMLMapper yaml = new YAMLMapper();
        assertEquals("name", yaml.readTree(extension(containers.getVendorExtensionList(), "x-kubernetes-patch-merge-key")).asText());
        // what client-go's query-param verifier reads: a PATCH operation's GVK extension and its query parameters
        NamedPathItem deployment = document.getPaths().getPathList().stream()
                .filter(path -> path.getName().equals("/apis/apps/v1/namespaces/{namespace}/deployments/{name}")).findFirst().orElseThrow();
        JsonNode gvk = yaml.readTree(extension(deployment.getValue().getPatch().getVendorExtensionList(), "x-kubernetes-group-version-kind"));
        assertEquals("apps", gvk.path("group").asText());
        assertEquals("Deployment", gvk.path("kind").asText());
        assertTrue(deployment.getValue().getPatch().getParametersList().stream().anyMatch(p -> p.getParameter()
                .getNonBodyParameter().getQueryParameterSubSchema().getName().equals("fieldValidation")));
    }

    private static String extension(List<NamedAny> extensions, String name) {
        return extensions.stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue().getYaml();
    }

    @Test
    void v3IndexAndGroupVersionDocuments() throws Exception {
        HttpResponse<byte[]> indexResponse = get("/openapi/v3");
        assertEquals(200, indexResponse.statusCode());
        JsonNode index = JSON.readTree(indexResponse.body());
        String appsUrl = index.path("paths").path("apis/apps/v1").path("serverRelativeURL").asText();
        assertTrue(appsUrl.matches("/openapi/v3/apis/apps/v1\\?hash=[0-9A-F]{128}"), appsUrl);
        assertTrue(index.path("paths").has("api/v1"));
        List<String> groupVersions = new ArrayList<>();
        index.path("paths").fieldNames().forEachRemaining(groupVersions::add);
        assertEquals(groupVersions.stream().sorted().toList(), groupVersions);
        String indexEtag = indexResponse.headers().firstValue("etag").orElseThrow();
        assertEquals(304, get("/openapi/v3", "If-None-Match", indexEtag).statusCode());

        HttpResponse<byte[]> apps = get(appsUrl, "Accept", "application/json");
        assertEquals(200, apps.statusCode());
        assertEquals("public, immutable", apps.headers().firstValue("cache-control").orElseThrow());
        assertTrue(apps.headers().firstValue("expires").isPresent());
        assertEquals("\"" + appsUrl.substring(appsUrl.indexOf('=') + 1) + "\"", apps.headers().firstValue("etag").orElseThrow());
        JsonNode document = JSON.readTree(apps.body());
        assertEquals("3.0.0", document.path("openapi").asText());
        JsonNode schemas = document.path("components").path("schemas");
        JsonNode containers = schemas.path("io.k8s.api.core.v1.PodSpec").path("properties").path("containers");
        assertEquals("#/components/schemas/io.k8s.api.core.v1.Container", containers.path("items").path("$ref").asText());
        assertEquals("{}", containers.path("items").path("default").toString());
        assertEquals("name", containers.path("x-kubernetes-patch-merge-key").asText());
        assertEquals("{\"format\":\"int-or-string\",\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}",
                schemas.path("io.k8s.apimachinery.pkg.util.intstr.IntOrString").toString());
        assertFalse(schemas.has("io.k8s.api.core.v1.Pod"), "only what apps/v1 reaches: " + schemas.path("io.k8s.api.core.v1.Pod"));
        assertTrue(schemas.has("io.k8s.api.autoscaling.v1.Scale"));
        JsonNode patch = document.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").path("patch");
        assertEquals("apps", patch.path("x-kubernetes-group-version-kind").path("group").asText());
        assertTrue(patch.path("requestBody").path("content").has("application/strategic-merge-patch+json"));
        assertTrue(patch.path("parameters").toString().contains("{\"in\":\"query\",\"name\":\"fieldValidation\",\"schema\":{\"type\":\"string\",\"uniqueItems\":true}}"));

        HttpResponse<byte[]> stale = get("/openapi/v3/apis/apps/v1?hash=ABC");
        assertEquals(301, stale.statusCode());
        assertEquals(appsUrl, stale.headers().firstValue("location").orElseThrow());
        assertEquals(404, get("/openapi/v3/apis/nope/v1").statusCode());
    }
}
