package dev.kj.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.apiserver.testing.UserCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Assertions;

/**
 * Plays, in tests, the two parts kj has no component for yet — and only through the API server:
 * the scheduler's binding (POST pods/binding, as the admin) and the kubelet's pod status writes
 * (a merge PATCH of pods/status, as a kubelet sends it, under the node's own client certificate,
 * system:node:&lt;name&gt;, so the Node authorizer and NodeRestriction apply as they would to a real
 * kubelet). No container runs: a test says what the container did.
 */
public final class KubeletStandIn {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestServer server;
    private final String nodeName;
    private final HttpClient asNode;

    private KubeletStandIn(TestServer server, String nodeName, HttpClient asNode) {
        this.server = server;
        this.nodeName = nodeName;
        this.asNode = asNode;
    }

    /** Registers the Node (as the admin) and a kubectl acting as its kubelet. */
    public static KubeletStandIn register(TestServer server, Kubectl admin, Path dir, String nodeName) throws Exception {
        Path manifest = dir.resolve("node-" + nodeName + ".yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                  labels: {kubernetes.io/hostname: %s}
                """.formatted(nodeName, nodeName));
        admin.run("create", "-f", manifest.toString()).ok();
        Path pki = dir.resolve("data/pki");
        return new KubeletStandIn(server, nodeName,
                UserCertificates.issue(pki, "system:node:" + nodeName, List.of("system:nodes")).client(pki));
    }

    public String nodeName() {
        return nodeName;
    }

    /** The scheduler's part: binds the pod to this node through pods/binding. */
    public void bind(String namespace, String pod) throws Exception {
        String body = """
                {"apiVersion":"v1","kind":"Binding","metadata":{"name":"%s"},"target":{"apiVersion":"v1","kind":"Node","name":"%s"}}
                """.formatted(pod, nodeName);
        HttpResponse<String> answer = server.admin().send(HttpRequest.newBuilder(
                        server.uri("/api/v1/namespaces/" + namespace + "/pods/" + pod + "/binding"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        Assertions.assertEquals(201, answer.statusCode(), answer.body());
    }

    /**
     * A kubelet learns of its pods by watching them; the Node authorizer's graph follows bindings
     * the same way, so the stand-in waits until the node may read the pod before it reports.
     */
    private void awaitOwnPod(String namespace, String pod) {
        Await.until("node " + nodeName + " may read " + namespace + "/" + pod, () -> {
            try {
                return readAsNode(namespace, pod).statusCode() == 200;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private HttpResponse<String> readAsNode(String namespace, String pod) throws Exception {
        return asNode.send(HttpRequest.newBuilder(server.uri("/api/v1/namespaces/" + namespace + "/pods/" + pod)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The kubelet reports the pod's containers running and ready. */
    public void running(String namespace, String pod) throws Exception {
        awaitOwnPod(namespace, pod);
        String now = now();
        StringBuilder containers = new StringBuilder();
        for (String container : containerNames(namespace, pod)) {
            containers.append(containers.isEmpty() ? "" : ",").append("""
                    {"name":"%s","image":"busybox","imageID":"","ready":true,"restartCount":0,"started":true,
                     "state":{"running":{"startedAt":"%s"}}}""".formatted(container, now));
        }
        patchStatus(namespace, pod, """
                {"status":{"phase":"Running","hostIP":"10.0.0.1","startTime":"%s",
                 "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"%s"}],
                 "containerStatuses":[%s]}}""".formatted(now, now, containers));
    }

    /** The kubelet reports every container terminated with {@code exitCode}: the pod Succeeded (0) or Failed. */
    public Instant terminated(String namespace, String pod, int exitCode) throws Exception {
        awaitOwnPod(namespace, pod);
        Instant finished = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        StringBuilder containers = new StringBuilder();
        for (String container : containerNames(namespace, pod)) {
            containers.append(containers.isEmpty() ? "" : ",").append("""
                    {"name":"%s","image":"busybox","imageID":"","ready":false,"restartCount":0,"started":false,
                     "state":{"terminated":{"exitCode":%d,"reason":"%s","startedAt":"%s","finishedAt":"%s"}}}"""
                    .formatted(container, exitCode, exitCode == 0 ? "Completed" : "Error", finished, finished));
        }
        patchStatus(namespace, pod, """
                {"status":{"phase":"%s",
                 "conditions":[{"type":"Ready","status":"False","reason":"PodCompleted","lastTransitionTime":"%s"}],
                 "containerStatuses":[%s]}}""".formatted(exitCode == 0 ? "Succeeded" : "Failed", finished, containers));
        return finished;
    }

    /** The kubelet's eviction manager evicted the pod. */
    public void evicted(String namespace, String pod) throws Exception {
        awaitOwnPod(namespace, pod);
        patchStatus(namespace, pod, """
                {"status":{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory."}}""");
    }

    private void patchStatus(String namespace, String pod, String patch) throws Exception {
        HttpResponse<String> answer = asNode.send(HttpRequest.newBuilder(
                        server.uri("/api/v1/namespaces/" + namespace + "/pods/" + pod + "/status"))
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(patch)).build(), HttpResponse.BodyHandlers.ofString());
        Assertions.assertEquals(200, answer.statusCode(), answer.body());
    }

    private List<String> containerNames(String namespace, String pod) throws Exception {
        HttpResponse<String> answer = readAsNode(namespace, pod);
        Assertions.assertEquals(200, answer.statusCode(), answer.body());
        JsonNode object = JSON.readTree(answer.body());
        List<String> names = new java.util.ArrayList<>();
        object.path("spec").path("containers").forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
