package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TlsClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Defaulting and validation through HTTP: 422 Invalid bodies with upstream's causes, defaults on create, update and patch. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

    private ApiServer server;
    private HttpClient admin;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS));
        base = "https://127.0.0.1:" + server.address().getPort();
        admin = TlsClients.client(dir.resolve("data").resolve("pki"), true);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anInvalidDeploymentIs422WithCausesAndFieldPaths() throws Exception {
        HttpResponse<String> response = send("POST", DEPLOYMENTS, """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"bad key!":"x"}},
                 "spec":{"selector":{"matchLabels":{"app":"d"}},
                   "template":{"metadata":{"labels":{"app":"other"}},"spec":{"containers":[{"image":"nginx"}]}}}}""");
        assertEquals(422, response.statusCode(), response.body());
        JsonNode status = JSON.readTree(response.body());
        assertEquals("Invalid", status.path("reason").asText());
        String labelProblem = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end"
                + " with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
                + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        assertEquals("Deployment.apps \"d\" is invalid: [metadata.labels: Invalid value: \"bad key!\": " + labelProblem
                + ", spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does"
                + " not match template `labels`, spec.template.spec.containers[0].name: Required value]",
                status.path("message").asText());
        assertEquals(JSON.readTree("""
                {"name":"d","group":"apps","kind":"Deployment","causes":[
                  {"reason":"FieldValueInvalid","message":"Invalid value: \\"bad key!\\": %s","field":"metadata.labels"},
                  {"reason":"FieldValueInvalid","message":"Invalid value: map[string]string{\\"app\\":\\"other\\"}: `selector` does not match template `labels`","field":"spec.template.metadata.labels"},
                  {"reason":"FieldValueRequired","message":"Required value","field":"spec.template.spec.containers[0].name"}]}"""
                .formatted(labelProblem)), status.path("details"));
        assertEquals(404, send("GET", DEPLOYMENTS + "/d", null).statusCode(), "nothing stored");
    }

    @Test
    void defaultsOnCreateAndSelectorsImmutableOnUpdate() throws Exception {
        JsonNode created = ok(201, send("POST", DEPLOYMENTS, """
                {"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}"""));
        JsonNode spec = created.path("spec");
        assertEquals(1, spec.path("replicas").asInt());
        assertEquals("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}",
                spec.path("strategy").toString());
        assertEquals("IfNotPresent", spec.path("template").path("spec").path("containers").get(0).path("imagePullPolicy").asText());

        HttpResponse<String> patched = send("PATCH", DEPLOYMENTS + "/web", "{\"spec\":{\"selector\":{\"matchLabels\":"
                + "{\"app\":\"web2\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web2\"}}}}}");
        assertEquals(422, patched.statusCode(), patched.body());
        assertEquals("Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:"
                + "map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is"
                + " immutable", JSON.readTree(patched.body()).path("message").asText());

        // a merge patch that removes a defaulted field gets it back, as upstream decodes with defaults
        JsonNode reset = ok(200, send("PATCH", DEPLOYMENTS + "/web", "{\"spec\":{\"revisionHistoryLimit\":null}}"));
        assertEquals(10, reset.path("spec").path("revisionHistoryLimit").asInt());
    }

    @Test
    void podsJobsAndCronJobs() throws Exception {
        HttpResponse<String> pod = send("POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox",
                  "resources":{"requests":{"memory":"2Gi"},"limits":{"memory":"1Gi"}},
                  "volumeMounts":[{"name":"data","mountPath":"/data"}]}]}}""");
        assertEquals(422, pod.statusCode());
        assertEquals("Pod \"p\" is invalid: [spec.containers[0].volumeMounts[0].name: Not found: \"data\","
                + " spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory"
                + " limit of 1Gi]", JSON.readTree(pod.body()).path("message").asText());

        JsonNode job = ok(201, send("POST", "/apis/batch/v1/namespaces/default/jobs", """
                {"metadata":{"name":"j"},"spec":{"template":{"spec":{"restartPolicy":"Never",
                  "containers":[{"name":"c","image":"busybox"}]}}}}"""));
        String uid = job.path("metadata").path("uid").asText();
        assertEquals(uid, job.path("spec").path("selector").path("matchLabels").path("batch.kubernetes.io/controller-uid").asText());
        assertEquals("j", job.path("spec").path("template").path("metadata").path("labels").path("job-name").asText());
        assertEquals(6, job.path("spec").path("backoffLimit").asInt());

        HttpResponse<String> cronJob = send("POST", "/apis/batch/v1/namespaces/default/cronjobs", """
                {"metadata":{"name":"c"},"spec":{"schedule":"every day","jobTemplate":{"spec":{"template":{"spec":{
                  "restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}""");
        assertEquals(422, cronJob.statusCode());
        assertEquals("CronJob.batch \"c\" is invalid: spec.schedule: Invalid value: \"every day\": expected exactly 5"
                + " fields, found 2: [every day]", JSON.readTree(cronJob.body()).path("message").asText());
    }

    @Test
    void nodesEventsAndQuotas() throws Exception {
        JsonNode node = ok(201, send("POST", "/api/v1/nodes", """
                {"metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.1.0/24"}}"""));
        assertEquals("[\"10.244.1.0/24\"]", node.path("spec").path("podCIDRs").toString());
        HttpResponse<String> moved = send("PATCH", "/api/v1/nodes/n1", "{\"spec\":{\"podCIDRs\":[\"10.244.2.0/24\"]}}");
        assertEquals(422, moved.statusCode(), moved.body());
        assertEquals("Node \"n1\" is invalid: spec.podCIDRs: Forbidden: node updates may not change podCIDR except from"
                + " \"\" to valid", JSON.readTree(moved.body()).path("message").asText());
        HttpResponse<String> tainted = send("POST", "/api/v1/nodes", """
                {"metadata":{"name":"n2"},"spec":{"taints":[{"key":"k","effect":"NoSchedule"},
                  {"key":"k","effect":"NoSchedule"}]}}""");
        assertEquals(422, tainted.statusCode(), tainted.body());
        JsonNode cause = JSON.readTree(tainted.body()).path("details").path("causes").get(0);
        assertEquals("FieldValueDuplicate", cause.path("reason").asText());
        assertEquals("spec.taints[1]", cause.path("field").asText());

        HttpResponse<String> event = send("POST", "/api/v1/namespaces/default/events", """
                {"metadata":{"name":"e"},"involvedObject":{"kind":"Pod","namespace":"other","name":"p"}}""");
        assertEquals(422, event.statusCode(), event.body());
        assertEquals("Event \"e\" is invalid: involvedObject.namespace: Invalid value: \"other\": does not match"
                + " event.namespace", JSON.readTree(event.body()).path("message").asText());

        JsonNode limits = ok(201, send("POST", "/api/v1/namespaces/default/limitranges", """
                {"metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","max":{"memory":"1Gi"}}]}}"""));
        assertEquals("{\"memory\":\"1Gi\"}", limits.path("spec").path("limits").get(0).path("defaultRequest").toString());
    }

    @Test
    void eventsK8sIoEventsHaveTheStricterRules() throws Exception {
        String events = "/apis/events.k8s.io/v1/namespaces/default/events";
        HttpResponse<String> bare = send("POST", events, """
                {"metadata":{"name":"strict"},"reportingController":"kj.dev/c","deprecatedCount":2}""");
        assertEquals(422, bare.statusCode(), bare.body());
        assertEquals("Event.events.k8s.io \"strict\" is invalid: [eventTime: Required value, type: Invalid value: \"\":"
                + " has invalid value: , count: Invalid value: \"\": needs to be unset]",
                JSON.readTree(bare.body()).path("message").asText());
        // the same through core/v1 has only the legacy rules
        ok(201, send("POST", "/api/v1/namespaces/default/events", """
                {"metadata":{"name":"strict"},"reportingComponent":"kj.dev/c","count":2}"""));

        ok(201, send("POST", events, """
                {"metadata":{"name":"v1"},"eventTime":"2026-01-01T00:00:00.000000Z","reportingController":"kj.dev/c",
                 "reportingInstance":"c-1","action":"Act","reason":"Why","type":"Normal","note":"first"}"""));
        HttpResponse<String> changed = send("PATCH", events + "/v1", "{\"note\":\"second\"}");
        assertEquals(422, changed.statusCode(), changed.body());
        assertEquals("Event.events.k8s.io \"v1\" is invalid: message: Invalid value: \"second\": field is immutable",
                JSON.readTree(changed.body()).path("message").asText());
        ok(200, send("PATCH", "/api/v1/namespaces/default/events/v1", "{\"message\":\"second\"}"));
    }

    @Test
    void certificateSigningRequestsNeedARequestAndUsages() throws Exception {
        HttpResponse<String> response = send("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", """
                {"metadata":{"name":"csr"},"spec":{"request":"LS0=","signerName":"example.com","usages":[],
                 "expirationSeconds":60}}""");
        assertEquals(422, response.statusCode(), response.body());
        assertEquals("CertificateSigningRequest.certificates.k8s.io \"csr\" is invalid: [spec.request: Invalid value:"
                + " []byte{0x2d, 0x2d}: PEM block type must be CERTIFICATE REQUEST, spec.usages: Required value,"
                + " spec.signerName: Invalid value: \"example.com\": must be a fully qualified domain and path of the form"
                + " 'example.com/signer-name', spec.expirationSeconds: Invalid value: 60: may not specify a duration less"
                + " than 600 seconds (10 minutes)]", JSON.readTree(response.body()).path("message").asText());
    }

    private static JsonNode ok(int code, HttpResponse<String> response) throws Exception {
        assertEquals(code, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        String type = method.equals("PATCH") ? "application/merge-patch+json" : "application/json";
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", type);
        }
        return admin.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
