package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TlsClients;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods (status, binding), services, HPAs through autoscaling/v1 and v2, events through core/v1 and
 * events.k8s.io/v1, CSRs (status, approval) and their discovery, with the JDK's client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuiltInResourcesHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void podsStartPendingWithTheirQosClassAndAreBoundOnce() throws Exception {
        JsonNode pod = ok(201, send("POST", "/api/v1/namespaces/default/pods", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
                 "spec":{"containers":[{"name":"c","image":"nginx",
                   "resources":{"limits":{"cpu":"500m","memory":"128Mi"}}}]},
                 "status":{"phase":"Running","podIP":"10.0.0.9"}}"""));
        assertEquals("{\"phase\":\"Pending\",\"qosClass\":\"Guaranteed\"}", pod.path("status").toString());
        assertEquals(1, pod.path("metadata").path("generation").asInt());

        ok(201, send("POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"burst"},"spec":{"containers":[{"name":"c","image":"nginx",
                  "resources":{"requests":{"cpu":"100m"}}}]}}"""));
        ok(201, send("POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"gated"},"spec":{"schedulingGates":[{"name":"wait"}],"containers":[{"name":"c","image":"i"}]}}"""));
        JsonNode gated = ok(200, send("GET", "/api/v1/namespaces/default/pods/gated", null));
        assertEquals("BestEffort", gated.path("status").path("qosClass").asText());
        assertEquals("SchedulingGated", gated.path("status").path("conditions").get(0).path("reason").asText());
        assertEquals("Burstable", ok(200, send("GET", "/api/v1/namespaces/default/pods/burst", null))
                .path("status").path("qosClass").asText());

        JsonNode bound = ok(201, send("POST", "/api/v1/namespaces/default/pods/web/binding", """
                {"apiVersion":"v1","kind":"Binding","metadata":{"name":"web","annotations":{"bound-by":"test"}},
                 "target":{"apiVersion":"v1","kind":"Node","name":"node-1"}}"""));
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}",
                bound.toString());
        JsonNode scheduled = ok(200, send("GET", "/api/v1/namespaces/default/pods/web", null));
        assertEquals("node-1", scheduled.path("spec").path("nodeName").asText());
        assertEquals("test", scheduled.path("metadata").path("annotations").path("bound-by").asText());
        JsonNode condition = scheduled.path("status").path("conditions").get(0);
        assertEquals("PodScheduled", condition.path("type").asText());
        assertEquals("True", condition.path("status").asText());
        assertTrue(condition.has("lastProbeTime") && condition.path("lastProbeTime").isNull());
        assertEquals(1, scheduled.path("metadata").path("generation").asInt(), "binding bypasses the strategy");

        HttpResponse<String> again = send("POST", "/api/v1/namespaces/default/bindings", """
                {"metadata":{"name":"web"},"target":{"name":"node-2"}}""");
        assertEquals(409, again.statusCode());
        JsonNode status = JSON.readTree(again.body());
        assertEquals("Conflict", status.path("reason").asText());
        assertEquals("Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"node-1\"",
                status.path("message").asText());
        assertEquals("{\"name\":\"web\",\"kind\":\"pods/binding\"}", status.path("details").toString());

        HttpResponse<String> gatedBinding = send("POST", "/api/v1/namespaces/default/pods/gated/binding",
                "{\"metadata\":{\"name\":\"gated\"},\"target\":{\"name\":\"node-1\"}}");
        assertEquals(409, gatedBinding.statusCode());
        assertEquals("Operation cannot be fulfilled on pods/binding \"gated\": pod gated has non-empty .spec.schedulingGates",
                JSON.readTree(gatedBinding.body()).path("message").asText());
        HttpResponse<String> mismatch = send("POST", "/api/v1/namespaces/default/pods/burst/binding",
                "{\"metadata\":{\"name\":\"web\"},\"target\":{\"name\":\"node-1\"}}");
        assertEquals(400, mismatch.statusCode());
        assertEquals("name in URL does not match name in Binding object", JSON.readTree(mismatch.body()).path("message").asText());
        HttpResponse<String> noTarget = send("POST", "/api/v1/namespaces/default/pods/burst/binding",
                "{\"metadata\":{\"name\":\"burst\"},\"target\":{}}");
        assertEquals(500, noTarget.statusCode());
        assertEquals("target.name: Required value", JSON.readTree(noTarget.body()).path("message").asText());
        HttpResponse<String> missing = send("POST", "/api/v1/namespaces/default/pods/nope/binding",
                "{\"metadata\":{\"name\":\"nope\"},\"target\":{\"name\":\"node-1\"}}");
        assertEquals(404, missing.statusCode());
        assertEquals("pods \"nope\" not found", JSON.readTree(missing.body()).path("message").asText());

        // field selectors: spec.nodeName, and defaults for fields the pod does not carry
        assertEquals(List.of("web"), names(ok(200, send("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1", null))));
        assertEquals(List.of("burst", "gated"), names(ok(200, send("GET",
                "/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3D,spec.hostNetwork%3Dfalse,status.phase%3DPending", null))));
        assertEquals(400, send("GET", "/api/v1/pods?fieldSelector=spec.containers%3Dx", null).statusCode());

        // status only through pods/status, and spec changes count in generation
        JsonNode running = ok(200, send("PATCH", "/api/v1/namespaces/default/pods/web/status",
                "{\"status\":{\"phase\":\"Running\",\"podIP\":\"10.42.0.5\",\"podIPs\":[{\"ip\":\"10.42.0.5\"}]}}"));
        assertEquals("Running", running.path("status").path("phase").asText());
        assertEquals(1, running.path("metadata").path("generation").asInt());
        JsonNode relabeled = ok(200, send("PATCH", "/api/v1/namespaces/default/pods/web",
                "{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"activeDeadlineSeconds\":60},\"status\":{\"phase\":\"Failed\"}}"));
        assertEquals("Running", relabeled.path("status").path("phase").asText());
        assertEquals(2, relabeled.path("metadata").path("generation").asInt());
        assertEquals(List.of("web"), names(ok(200, send("GET", "/api/v1/pods?fieldSelector=status.podIP%3D10.42.0.5", null))));

        // a status PUT without qosClass keeps it (old kubelets drop it); status.podIP selects on podIPs[0]
        JsonNode burst = ok(200, send("GET", "/api/v1/namespaces/default/pods/burst", null));
        com.fasterxml.jackson.databind.node.ObjectNode written = JSON.createObjectNode();
        written.put("phase", "Running");
        written.putArray("podIPs").addObject().put("ip", "10.42.0.6");
        ((com.fasterxml.jackson.databind.node.ObjectNode) burst).set("status", written);
        JsonNode kept = ok(200, send("PUT", "/api/v1/namespaces/default/pods/burst/status", burst.toString()));
        assertEquals("Burstable", kept.path("status").path("qosClass").asText());
        assertEquals(List.of("burst"), names(ok(200, send("GET", "/api/v1/pods?fieldSelector=status.podIP%3D10.42.0.6", null))));

        // deletes answer with the pod; a pod on a node is deleted gracefully, one on none at once
        JsonNode terminating = ok(200, send("DELETE", "/api/v1/namespaces/default/pods/web", null));
        assertEquals("Pod", terminating.path("kind").asText());
        assertEquals(30, terminating.path("metadata").path("deletionGracePeriodSeconds").asInt());
        assertEquals(200, send("GET", "/api/v1/namespaces/default/pods/web", null).statusCode(), "still there, Terminating");
        ok(200, send("DELETE", "/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0", null));
        assertEquals(404, send("GET", "/api/v1/namespaces/default/pods/web", null).statusCode());
        JsonNode gone = ok(200, send("DELETE", "/api/v1/namespaces/default/pods/gated", null));
        assertEquals("gated", gone.path("metadata").path("name").asText());
        assertEquals(404, send("GET", "/api/v1/namespaces/default/pods/gated", null).statusCode());
    }

    @Test
    void servicesGetClusterIpsAndNodePortsFromTheConfiguredRanges() throws Exception {
        JsonNode kubernetes = ok(200, send("GET", "/api/v1/namespaces/default/services/kubernetes", null));
        assertEquals("10.43.0.1", kubernetes.path("spec").path("clusterIP").asText());
        assertEquals("[\"10.43.0.1\"]", kubernetes.path("spec").path("clusterIPs").toString());
        assertEquals("[\"IPv4\"]", kubernetes.path("spec").path("ipFamilies").toString());
        assertEquals("SingleStack", kubernetes.path("spec").path("ipFamilyPolicy").asText());
        assertEquals("{\"component\":\"apiserver\",\"provider\":\"kubernetes\"}", kubernetes.path("metadata").path("labels").toString());

        JsonNode service = ok(201, send("POST", "/api/v1/namespaces/default/services", """
                {"metadata":{"name":"db"},"spec":{"type":"ClusterIP","selector":{"app":"db"},
                 "ports":[{"port":5432,"protocol":"TCP"}]},"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}}"""));
        assertEquals("{\"loadBalancer\":{}}", service.path("status").toString());
        String ip = service.path("spec").path("clusterIP").asText();
        String[] octets = ip.split("\\.");
        assertTrue(ip.startsWith("10.43.") && Integer.parseInt(octets[2]) * 256 + Integer.parseInt(octets[3]) > 256,
                ip + ": random addresses come from above the static band (the first 256)");
        assertEquals(ip, service.path("spec").path("clusterIPs").get(0).asText());

        ok(201, send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"fixed\"},\"spec\":{\"clusterIP\":\"10.43.0.10\",\"ports\":[{\"port\":80,\"protocol\":\"TCP\"}]}}"));
        assertEquals("Service \"taken\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.43.0.10\"}: failed to allocate IP"
                        + " 10.43.0.10: provided IP is already allocated",
                message(422, send("POST", "/api/v1/namespaces/default/services",
                        "{\"metadata\":{\"name\":\"taken\"},\"spec\":{\"clusterIP\":\"10.43.0.10\",\"ports\":[{\"port\":80}]}}")));
        assertEquals("Service \"outside\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.0.0.1\"}: failed to allocate IP"
                        + " 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16",
                message(422, send("POST", "/api/v1/namespaces/default/services",
                        "{\"metadata\":{\"name\":\"outside\"},\"spec\":{\"clusterIP\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}}")));
        assertEquals("Service \"fixed\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.43.0.11\"}: may not change once set",
                message(422, send("PATCH", "/api/v1/namespaces/default/services/fixed",
                        "{\"spec\":{\"clusterIP\":\"10.43.0.11\",\"clusterIPs\":[\"10.43.0.11\"]}}")));
        // a delete gives the address back
        ok(200, send("DELETE", "/api/v1/namespaces/default/services/fixed", null));
        ok(201, send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"taken\"},\"spec\":{\"clusterIP\":\"10.43.0.10\",\"ports\":[{\"port\":80}]}}"));

        JsonNode headless = ok(201, send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"headless\"},\"spec\":{\"clusterIP\":\"None\",\"selector\":{\"a\":\"b\"}}}"));
        assertEquals("[\"None\"]", headless.path("spec").path("clusterIPs").toString());
        JsonNode external = ok(201, send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"ext\"},\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"db.example\"}}"));
        assertFalse(external.path("spec").has("clusterIP"));

        JsonNode nodePort = ok(201, send("POST", "/api/v1/namespaces/default/services", """
                {"metadata":{"name":"np"},"spec":{"type":"NodePort","ports":[{"name":"a","port":80,"protocol":"TCP"},
                 {"name":"b","port":81,"protocol":"TCP","nodePort":30001}]}}"""));
        int allocated = nodePort.path("spec").path("ports").get(0).path("nodePort").asInt();
        assertTrue(allocated >= 30000 + 86 && allocated <= 32767, "random node ports come from above the static band: " + allocated);
        assertEquals(30001, nodePort.path("spec").path("ports").get(1).path("nodePort").asInt());
        assertEquals("Service \"np2\" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated",
                message(422, send("POST", "/api/v1/namespaces/default/services",
                        "{\"metadata\":{\"name\":\"np2\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30001}]}}")));
        assertEquals("Service \"np3\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range."
                        + " The range of valid ports is 30000-32767",
                message(422, send("POST", "/api/v1/namespaces/default/services",
                        "{\"metadata\":{\"name\":\"np3\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":80}]}}")));
        // an update that leaves the node ports out keeps them; turning the service into ClusterIP frees them
        JsonNode relabeled = ok(200, send("PUT", "/api/v1/namespaces/default/services/np", """
                {"metadata":{"name":"np","labels":{"x":"y"}},"spec":{"type":"NodePort","ports":[{"name":"a","port":80,"protocol":"TCP"},
                 {"name":"b","port":81,"protocol":"TCP"}]}}"""));
        assertEquals(allocated, relabeled.path("spec").path("ports").get(0).path("nodePort").asInt());
        assertEquals(nodePort.path("spec").path("clusterIP"), relabeled.path("spec").path("clusterIP"));
        ok(200, send("PUT", "/api/v1/namespaces/default/services/np", """
                {"metadata":{"name":"np"},"spec":{"type":"ClusterIP","ports":[{"name":"a","port":80,"protocol":"TCP"}]}}"""));
        ok(201, send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"np4\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30001}]}}"));
        // dry runs claim nothing
        ok(201, send("POST", "/api/v1/namespaces/default/services?dryRun=All",
                "{\"metadata\":{\"name\":\"dry\"},\"spec\":{\"clusterIP\":\"10.43.0.20\",\"ports\":[{\"port\":80}]}}"));
        ok(201, send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"wet\"},\"spec\":{\"clusterIP\":\"10.43.0.20\",\"ports\":[{\"port\":80}]}}"));
    }

    private static String message(int code, HttpResponse<String> response) throws Exception {
        assertEquals(code, response.statusCode(), response.body());
        return JSON.readTree(response.body()).path("message").asText();
    }

    @Test
    void horizontalPodAutoscalersConvertBetweenV1AndV2() throws Exception {
        JsonNode v1 = ok(201, send("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", """
                {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
                 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
                   "minReplicas":1,"maxReplicas":5,"targetCPUUtilizationPercentage":60}}"""));
        assertEquals("autoscaling/v1", v1.path("apiVersion").asText());
        assertEquals(60, v1.path("spec").path("targetCPUUtilizationPercentage").asInt());
        assertEquals("{\"currentReplicas\":0,\"desiredReplicas\":0}", v1.path("status").toString());
        JsonNode v2 = ok(200, send("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web", null));
        assertEquals("autoscaling/v2", v2.path("apiVersion").asText());
        assertEquals("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
                + "\"averageUtilization\":60}}}]", v2.path("spec").path("metrics").toString());
        assertEquals(v1.path("metadata").path("resourceVersion"), v2.path("metadata").path("resourceVersion"));

        // v2-only fields travel through v1 in annotations and come back unchanged
        JsonNode rich = ok(201, send("POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", """
                {"metadata":{"name":"rich","annotations":{"keep":"me"}},
                 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"rich"},"maxReplicas":10,
                   "metrics":[{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"1k"}}},
                              {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}],
                   "behavior":{"scaleDown":{"stabilizationWindowSeconds":300,"policies":[{"type":"Percent","value":10,"periodSeconds":60}]}}}}"""));
        JsonNode asV1 = ok(200, send("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/rich", null));
        JsonNode annotations = asV1.path("metadata").path("annotations");
        assertEquals(70, asV1.path("spec").path("targetCPUUtilizationPercentage").asInt());
        assertEquals("[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\",\"targetAverageValue\":\"1k\"}}]",
                annotations.path("autoscaling.alpha.kubernetes.io/metrics").asText());
        // v2's defaulting fills in the scale-up rule and both select policies before the behavior is stored
        assertEquals("{\"ScaleUp\":{\"StabilizationWindowSeconds\":0,\"SelectPolicy\":\"Max\",\"Policies\":[{\"Type\":"
                + "\"Pods\",\"Value\":4,\"PeriodSeconds\":15},{\"Type\":\"Percent\",\"Value\":100,\"PeriodSeconds\":15}],"
                + "\"Tolerance\":null},\"ScaleDown\":{\"StabilizationWindowSeconds\":300,\"SelectPolicy\":\"Max\","
                + "\"Policies\":[{\"Type\":\"Percent\",\"Value\":10,\"PeriodSeconds\":60}],\"Tolerance\":null}}",
                annotations.path("autoscaling.alpha.kubernetes.io/behavior").asText());
        assertEquals("me", annotations.path("keep").asText());
        // a v1 client's read-modify-write keeps everything v2 has
        ((com.fasterxml.jackson.databind.node.ObjectNode) asV1.path("spec")).put("maxReplicas", 12);
        ok(200, send("PUT", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/rich", asV1.toString()));
        JsonNode after = ok(200, send("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/rich", null));
        assertEquals(12, after.path("spec").path("maxReplicas").asInt());
        assertEquals(rich.path("spec").path("metrics"), after.path("spec").path("metrics"));
        assertEquals(rich.path("spec").path("behavior"), after.path("spec").path("behavior"));
        assertEquals("{\"keep\":\"me\"}", after.path("metadata").path("annotations").toString(), "round-trip annotations are dropped");

        // status written through v2 shows through v1
        ok(200, send("PATCH", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web/status", """
                {"status":{"currentReplicas":2,"desiredReplicas":3,"currentMetrics":[{"type":"Resource",
                  "resource":{"name":"cpu","current":{"averageValue":"250m","averageUtilization":83}}}],
                  "conditions":[{"type":"AbleToScale","status":"True","reason":"ReadyForNewScale"}]}}"""));
        JsonNode statusV1 = ok(200, send("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web", null));
        assertEquals("{\"currentReplicas\":2,\"desiredReplicas\":3,\"currentCPUUtilizationPercentage\":83}",
                statusV1.path("status").toString());
        assertEquals("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"currentAverageUtilization\":83,"
                + "\"currentAverageValue\":\"250m\"}}]",
                statusV1.path("metadata").path("annotations").path("autoscaling.alpha.kubernetes.io/current-metrics").asText());
        assertEquals("[{\"type\":\"AbleToScale\",\"status\":\"True\",\"lastTransitionTime\":null,\"reason\":\"ReadyForNewScale\"}]",
                statusV1.path("metadata").path("annotations").path("autoscaling.alpha.kubernetes.io/conditions").asText());

        // lists and watches of either version carry that version
        JsonNode list = ok(200, send("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", null));
        assertEquals("HorizontalPodAutoscalerList", list.path("kind").asText());
        assertEquals("autoscaling/v1", list.path("apiVersion").asText());
        assertEquals(List.of("rich", "web"), names(list));
        assertTrue(list.path("items").get(0).path("spec").has("targetCPUUtilizationPercentage"));
    }

    @Test
    void coreEventsAreEventsK8sIoEventsAndBackAgain() throws Exception {
        ok(201, send("POST", "/api/v1/namespaces/default/events", """
                {"metadata":{"name":"web.1"},"involvedObject":{"kind":"Pod","namespace":"default","name":"web"},
                 "reason":"Pulled","message":"pulled nginx","source":{"component":"kubelet","host":"node-1"},
                 "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:05:00Z","count":4,"type":"Normal"}"""));
        JsonNode event = ok(200, send("GET", "/apis/events.k8s.io/v1/namespaces/default/events/web.1", null));
        assertEquals("events.k8s.io/v1", event.path("apiVersion").asText());
        assertEquals("web", event.path("regarding").path("name").asText());
        assertEquals("pulled nginx", event.path("note").asText());
        assertEquals("{\"component\":\"kubelet\",\"host\":\"node-1\"}", event.path("deprecatedSource").toString());
        assertEquals("2026-01-01T00:00:00Z", event.path("deprecatedFirstTimestamp").asText());
        assertEquals(4, event.path("deprecatedCount").asInt());
        assertTrue(event.path("eventTime").isNull());
        assertFalse(event.has("involvedObject") || event.has("message"));

        ok(201, send("POST", "/apis/events.k8s.io/v1/namespaces/default/events", """
                {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"sched.1"},
                 "eventTime":"2026-01-01T00:00:00.000000Z","reportingController":"default-scheduler",
                 "reportingInstance":"sched-1","action":"Binding","reason":"Scheduled","type":"Normal",
                 "regarding":{"kind":"Pod","namespace":"default","name":"web"},"note":"assigned default/web to node-1",
                 "series":{"count":2,"lastObservedTime":"2026-01-01T00:01:00.000000Z"}}"""));
        JsonNode core = ok(200, send("GET", "/api/v1/namespaces/default/events/sched.1", null));
        assertEquals("v1", core.path("apiVersion").asText());
        assertEquals("assigned default/web to node-1", core.path("message").asText());
        assertEquals("default-scheduler", core.path("reportingComponent").asText());
        assertEquals("web", core.path("involvedObject").path("name").asText());
        assertEquals("{}", core.path("source").toString());
        assertTrue(core.path("firstTimestamp").isNull() && core.path("lastTimestamp").isNull());
        assertEquals(2, core.path("series").path("count").asInt());

        // field selectors in each version's own names
        assertEquals(List.of("sched.1"), names(ok(200, send("GET",
                "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=reportingController%3Ddefault-scheduler", null))));
        assertEquals(List.of("sched.1"), names(ok(200, send("GET",
                "/api/v1/namespaces/default/events?fieldSelector=reportingComponent%3Ddefault-scheduler", null))));
        assertEquals(List.of("sched.1", "web.1"), names(ok(200, send("GET",
                "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dweb", null))));

        // a watch through events.k8s.io sees core writes converted
        String version = core.path("metadata").path("resourceVersion").asText();
        HttpResponse<InputStream> stream = admin.send(HttpRequest.newBuilder(URI.create(base
                        + "/apis/events.k8s.io/v1/namespaces/default/events?watch=true&timeoutSeconds=30&resourceVersion=" + version))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            ok(200, send("PATCH", "/api/v1/namespaces/default/events/web.1", "{\"count\":5}"));
            JsonNode modified = JSON.readTree(lines.readLine());
            assertEquals("MODIFIED", modified.path("type").asText());
            assertEquals("events.k8s.io/v1", modified.path("object").path("apiVersion").asText());
            assertEquals(5, modified.path("object").path("deprecatedCount").asInt());
        }
    }

    @Test
    void certificateSigningRequestsAreApprovedOnlyThroughApproval() throws Exception {
        JsonNode csr = ok(201, send("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", """
                {"metadata":{"name":"node-csr"},"spec":{"request":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIc01JR1NBZ0VBTURBeEZ6QVZCZ05WQkFNTURuTjVjM1JsYlRwdWIyUmxPbTR4TVJVd0V3WURWUVFLREF4egplWE4wWlcwNmJtOWtaWE13V1RBVEJnY3Foa2pPUFFJQkJnZ3Foa2pPUFFNQkJ3TkNBQVFnRTBLU3kxTGJOUXNYCnhjeGIzQzFqM3V4NERNeU1LbEtSM0UvcS9EcExsbDduMk4zY3A5ZklwY3QraWhEUWNNK1ZtcHkvQmsxNFN4bzAKeFEraStBTGhvQUF3Q2dZSUtvWkl6ajBFQXdJRFNRQXdSZ0loQUpOMDR1eXRBU3lTbkpDOXJmOVF0ZDBzR3NvdApQRDBoOWFqa1JIR0VzNm9MQWlFQTlYS0dpRVZyM1F5WWsvc1JVcnVPWnVEM3lpbEx2eU56R2xscHFyeVVvSmc9Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=","signerName":"kubernetes.io/kube-apiserver-client",
                 "usages":["client auth"],"username":"mallory","groups":["system:masters"]},
                 "status":{"conditions":[{"type":"Approved","status":"True"}]}}"""));
        assertEquals("kubernetes-admin", csr.path("spec").path("username").asText());
        assertEquals("[\"system:masters\",\"system:authenticated\"]", csr.path("spec").path("groups").toString());
        assertEquals("{}", csr.path("status").toString());

        // spec is immutable; status writers cannot approve
        JsonNode unchanged = ok(200, send("PATCH", "/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr",
                "{\"spec\":{\"username\":\"mallory\"},\"metadata\":{\"labels\":{\"x\":\"y\"}}}"));
        assertEquals("kubernetes-admin", unchanged.path("spec").path("username").asText());
        JsonNode statusWrite = ok(200, send("PATCH", "/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr/status",
                "{\"status\":{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},{\"type\":\"Failed\",\"status\":\"True\",\"reason\":\"X\"}]}}"));
        assertEquals(List.of("Failed"), types(statusWrite));

        JsonNode approved = ok(200, send("PATCH", "/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr/approval",
                "{\"status\":{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\",\"reason\":\"X\"},"
                        + "{\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"Test\"}]}}"));
        assertEquals(List.of("Failed", "Approved"), types(approved));
        JsonNode approval = approved.path("status").path("conditions").get(1);
        assertFalse(approval.path("lastUpdateTime").asText().isEmpty());
        assertFalse(approval.path("lastTransitionTime").asText().isEmpty());

        HttpResponse<String> both = send("PATCH", "/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr/approval",
                "{\"status\":{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},{\"type\":\"Denied\",\"status\":\"True\"}]}}");
        assertEquals(422, both.statusCode());
        assertTrue(both.body().contains("Approved and Denied conditions are mutually exclusive"), both.body());
        HttpResponse<String> removed = send("PATCH", "/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr/approval",
                "{\"status\":{\"conditions\":[]}}");
        assertEquals(422, removed.statusCode());
        assertTrue(removed.body().contains("updates may not remove a condition of type \\\"Approved\\\""), removed.body());
    }

    @Test
    void discoveryListsTheSubresourcesAndVersions() throws Exception {
        JsonNode core = ok(200, send("GET", "/api/v1", null));
        assertEquals("{\"name\":\"pods/binding\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"Binding\",\"verbs\":[\"create\"]}",
                resource(core, "pods/binding").toString());
        assertEquals("{\"name\":\"bindings\",\"singularName\":\"binding\",\"namespaced\":true,\"kind\":\"Binding\",\"verbs\":[\"create\"]}",
                resource(core, "bindings").toString());
        assertEquals("[\"po\"]", resource(core, "pods").path("shortNames").toString());
        assertEquals("[\"all\"]", resource(core, "services").path("categories").toString());
        JsonNode autoscaling = ok(200, send("GET", "/apis/autoscaling", null));
        assertEquals("autoscaling/v2", autoscaling.path("preferredVersion").path("groupVersion").asText());
        assertEquals("[{\"groupVersion\":\"autoscaling/v2\",\"version\":\"v2\"},{\"groupVersion\":\"autoscaling/v1\",\"version\":\"v1\"}]",
                autoscaling.path("versions").toString());
        JsonNode csr = ok(200, send("GET", "/apis/certificates.k8s.io/v1", null));
        assertEquals("[\"get\",\"patch\",\"update\"]", resource(csr, "certificatesigningrequests/approval").path("verbs").toString());
        assertEquals("[\"csr\"]", resource(csr, "certificatesigningrequests").path("shortNames").toString());
        List<String> apps = new ArrayList<>();
        ok(200, send("GET", "/apis/apps/v1", null)).path("resources").forEach(r -> apps.add(r.path("name").asText()));
        assertTrue(apps.indexOf("deployments/scale") < apps.indexOf("deployments/status"), apps.toString());
    }

    @Test
    void tablesOfConvertedVersionsAndFinishedPods() throws Exception {
        ok(201, send("POST", "/apis/autoscaling/v1/namespaces/kube-public/horizontalpodautoscalers", """
                {"metadata":{"name":"tabled"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"tabled"},
                 "maxReplicas":2,"targetCPUUtilizationPercentage":55}}"""));
        JsonNode hpa = table("/apis/autoscaling/v1/namespaces/kube-public/horizontalpodautoscalers/tabled");
        assertEquals("[\"tabled\",\"Deployment/tabled\",\"cpu: <unknown>/55%\",\"1\",2,0]",
                cellsBeforeAge(hpa.path("rows").get(0)));
        ok(201, send("POST", "/apis/events.k8s.io/v1/namespaces/kube-public/events", """
                {"metadata":{"name":"tabled.1"},"eventTime":"2026-01-01T00:00:00.000000Z","reportingController":"c",
                 "reportingInstance":"c-1","action":"A","reason":"Tabled","type":"Warning",
                 "regarding":{"kind":"Pod","namespace":"kube-public","name":"tabled"},"note":" on a table "}"""));
        JsonNode event = table("/apis/events.k8s.io/v1/namespaces/kube-public/events/tabled.1");
        JsonNode cells = event.path("rows").get(0).path("cells");
        assertEquals("Warning|Tabled|pod/tabled|on a table|c, c-1|1", cells.get(1).asText() + "|" + cells.get(2).asText()
                + "|" + cells.get(3).asText() + "|" + cells.get(6).asText() + "|" + cells.get(5).asText() + "|" + cells.get(8).asText());

        ok(201, send("POST", "/api/v1/namespaces/kube-public/pods",
                "{\"metadata\":{\"name\":\"done\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}"));
        ok(200, send("PATCH", "/api/v1/namespaces/kube-public/pods/done/status", "{\"status\":{\"phase\":\"Succeeded\"}}"));
        JsonNode pod = table("/api/v1/namespaces/kube-public/pods/done");
        assertEquals("[{\"type\":\"Completed\",\"status\":\"True\",\"reason\":\"Succeeded\","
                + "\"message\":\"The pod has completed successfully.\"}]", pod.path("rows").get(0).path("conditions").toString());
        assertEquals("Succeeded", pod.path("rows").get(0).path("cells").get(2).asText());

        HttpResponse<String> aggregated = admin.send(HttpRequest.newBuilder(URI.create(base + "/api"))
                .header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode r : JSON.readTree(aggregated.body()).path("items").get(0).path("versions").get(0).path("resources")) {
            if (r.path("resource").asText().equals("pods")) {
                assertEquals("[{\"subresource\":\"binding\",\"responseKind\":{\"group\":\"\",\"version\":\"\",\"kind\":\"Binding\"},"
                        + "\"verbs\":[\"create\"]},{\"subresource\":\"status\",\"responseKind\":{\"group\":\"\",\"version\":\"\","
                        + "\"kind\":\"Pod\"},\"verbs\":[\"get\",\"patch\",\"update\"]}]", r.path("subresources").toString());
                assertEquals("[\"all\"]", r.path("categories").toString());
                return;
            }
        }
        throw new AssertionError("no pods in aggregated discovery");
    }

    private JsonNode table(String path) throws Exception {
        HttpResponse<String> response = admin.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build(), HttpResponse.BodyHandlers.ofString());
        return ok(200, response);
    }

    private static String cellsBeforeAge(JsonNode row) {
        com.fasterxml.jackson.databind.node.ArrayNode cells = row.path("cells").deepCopy();
        cells.remove(cells.size() - 1);
        return cells.toString();
    }

    private static JsonNode resource(JsonNode list, String name) {
        for (JsonNode r : list.path("resources")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError(name + " not in " + list);
    }

    private static List<String> types(JsonNode csr) {
        List<String> types = new ArrayList<>();
        csr.path("status").path("conditions").forEach(c -> types.add(c.path("type").asText()));
        return types;
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.path("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
        return names;
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
