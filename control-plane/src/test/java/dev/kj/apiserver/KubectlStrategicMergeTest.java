package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.Widgets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Strategic merge patch as kubectl 1.27-1.33 uses it: {@code kubectl patch} (strategic by default,
 * and each directive with {@code --type=strategic}), the scale subresource, client-side
 * {@code kubectl apply} computing a three-way strategic merge patch (and {@code kubectl diff} sending
 * it as a dry run), the commands that compute
 * their own (set image, rollout restart and pause, cordon, taint), the server's error for a
 * malformed patch, and the 415 for a kind without a type (the test resource "widgets").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlStrategicMergeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS),
                List.of(Widgets.resource(new Widgets())));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {app: web}}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: app
                    image: IMAGE
                    env: [{name: A, value: "1"}, ENV_B{name: C, value: "3"}]
                    ports: [{containerPort: 80, protocol: TCP}]
                  tolerations: [{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]
            """;

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "kubectl"})
    void applyAndPatchUseStrategicMerge(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "smp-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();

        // client-side apply: create, then a three-way update that drops env B and changes the image
        Path first = dir.resolve(ns + "-1.yaml");
        Files.writeString(first, DEPLOYMENT.replace("IMAGE", "nginx:1.25").replace("ENV_B", "{name: B, value: \"2\"}, "));
        kubectl.run("apply", "-f", first.toString(), "-n", ns).ok();
        Path second = dir.resolve(ns + "-2.yaml");
        Files.writeString(second, DEPLOYMENT.replace("IMAGE", "nginx:1.27").replace("ENV_B", ""));
        Kubectl.Result applied = kubectl.run("apply", "-f", second.toString(), "-n", ns, "-v=8").ok();
        assertTrue(applied.stdout().contains("deployment.apps/web configured"), applied.stdout());
        assertTrue(applied.stderr().contains("application/strategic-merge-patch+json"), "kubectl sent a strategic merge patch");
        JsonNode container = deployment(kubectl, ns).at("/spec/template/spec/containers/0");
        assertEquals("nginx:1.27", container.path("image").asText());
        assertEquals(List.of("A", "C"), names(container.path("env")));
        assertEquals(1, deployment(kubectl, ns).at("/spec/template/spec/containers").size());

        // kubectl diff: the same three-way patch as a server-side dry run, the live object untouched
        Path third = dir.resolve(ns + "-3.yaml");
        Files.writeString(third, DEPLOYMENT.replace("IMAGE", "nginx:1.29").replace("ENV_B", ""));
        Kubectl.Result diff = kubectl.run("diff", "-f", third.toString(), "-n", ns);
        assertEquals(1, diff.exitCode(), diff.stderr());
        assertTrue(diff.stdout().contains("-        image: nginx:1.27") && diff.stdout().contains("+        image: nginx:1.29"),
                diff.stdout());
        assertEquals("nginx:1.27", deployment(kubectl, ns).at("/spec/template/spec/containers/0/image").asText());

        // kubectl patch: strategic merge by default, containers merged by name
        patch(kubectl, ns, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"sidecar\",\"image\":\"redis\"}]}}}}");
        assertEquals(List.of("sidecar", "app"), names(deployment(kubectl, ns).at("/spec/template/spec/containers")));
        // $patch: delete as a list item
        patch(kubectl, ns, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"$patch\":\"delete\",\"name\":\"sidecar\"}]}}}}",
                "--type=strategic");
        assertEquals(List.of("app"), names(deployment(kubectl, ns).at("/spec/template/spec/containers")));
        // $setElementOrder: a new env var placed first
        patch(kubectl, ns, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\","
                + "\"$setElementOrder/env\":[{\"name\":\"D\"},{\"name\":\"A\"},{\"name\":\"C\"}],"
                + "\"env\":[{\"name\":\"D\",\"value\":\"4\"}]}]}}}}", "--type=strategic");
        assertEquals(List.of("D", "A", "C"), names(deployment(kubectl, ns).at("/spec/template/spec/containers/0/env")));
        // $patch: replace as a list item: ports (merged by containerPort) replaced
        patch(kubectl, ns, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\","
                + "\"ports\":[{\"containerPort\":8080},{\"$patch\":\"replace\"}]}]}}}}", "--type=strategic");
        assertEquals(JSON.readTree("[{\"containerPort\":8080,\"protocol\":\"TCP\"}]"),
                deployment(kubectl, ns).at("/spec/template/spec/containers/0/ports"), "the one port, its protocol defaulted");
        // $retainKeys: the rolling update parameters go with the strategy type
        patch(kubectl, ns, "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}", "--type=strategic");
        assertEquals("{\"type\":\"Recreate\"}", deployment(kubectl, ns).at("/spec/strategy").toString());
        // $patch: replace on a map
        patch(kubectl, ns, "{\"spec\":{\"template\":{\"metadata\":{\"$patch\":\"replace\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"}}}}}",
                "--type=strategic");
        assertEquals("{\"labels\":{\"app\":\"web\",\"tier\":\"front\"}}", deployment(kubectl, ns).at("/spec/template/metadata").toString());
        // finalizers merge as a set; $deleteFromPrimitiveList takes some out; null deletes a label
        patch(kubectl, ns, "{\"metadata\":{\"finalizers\":[\"kj.dev/a\",\"kj.dev/b\"]}}", "--type=strategic");
        patch(kubectl, ns, "{\"metadata\":{\"finalizers\":[\"kj.dev/b\",\"kj.dev/c\"],\"labels\":{\"app\":null}}}", "--type=strategic");
        assertEquals("[\"kj.dev/a\",\"kj.dev/b\",\"kj.dev/c\"]", deployment(kubectl, ns).at("/metadata/finalizers").toString());
        patch(kubectl, ns, "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"kj.dev/a\",\"kj.dev/c\"]}}", "--type=strategic");
        JsonNode patched = deployment(kubectl, ns);
        assertEquals("[\"kj.dev/b\"]", patched.at("/metadata/finalizers").toString());
        assertTrue(patched.at("/metadata/labels/app").isMissingNode(), patched.at("/metadata").toString());
        patch(kubectl, ns, "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"kj.dev/b\"]}}", "--type=strategic");
        // tolerations carry no strategy: replaced
        patch(kubectl, ns, "{\"spec\":{\"template\":{\"spec\":{\"tolerations\":[{\"key\":\"disktype\",\"value\":\"ssd\",\"effect\":\"NoSchedule\"}]}}}}");
        assertEquals(JSON.readTree("[{\"key\":\"disktype\",\"value\":\"ssd\",\"effect\":\"NoSchedule\"}]"),
                deployment(kubectl, ns).at("/spec/template/spec/tolerations"));

        // commands that compute strategic merge patches themselves
        kubectl.run("set", "image", "deployment/web", "-n", ns, "app=nginx:1.28").ok();
        assertEquals("nginx:1.28", deployment(kubectl, ns).at("/spec/template/spec/containers/0/image").asText());
        kubectl.run("rollout", "restart", "deployment/web", "-n", ns).ok();
        assertTrue(deployment(kubectl, ns).at("/spec/template/metadata/annotations")
                .has("kubectl.kubernetes.io/restartedAt"), "rollout restart stamps the template");
        kubectl.run("rollout", "pause", "deployment/web", "-n", ns).ok();
        assertTrue(deployment(kubectl, ns).at("/spec/paused").asBoolean());
        Path node = dir.resolve(ns + "-node.yaml");
        Files.writeString(node, "apiVersion: v1\nkind: Node\nmetadata: {name: " + ns + "}\n");
        kubectl.run("create", "-f", node.toString()).ok();
        kubectl.run("cordon", ns).ok();
        kubectl.run("taint", "node", ns, "dedicated=web:NoSchedule").ok();
        JsonNode cordoned = JSON.readTree(kubectl.run("get", "node", ns, "-o", "json").ok().stdout());
        assertTrue(cordoned.at("/spec/unschedulable").asBoolean(), cordoned.toString());
        // the node lifecycle controller adds its own node.kubernetes.io/ taints (unschedulable for a cordoned node, as upstream's)
        List<JsonNode> taints = new java.util.ArrayList<>();
        cordoned.at("/spec/taints").forEach(taint -> {
            if (!taint.path("key").asText().startsWith("node.kubernetes.io/")) {
                taints.add(taint);
            }
        });
        assertEquals(List.of(JSON.readTree("{\"key\":\"dedicated\",\"value\":\"web\",\"effect\":\"NoSchedule\"}")), taints);

        // the scale subresource takes strategic merge too (autoscaling/v1 Scale)
        kubectl.run("patch", "deployment", "web", "-n", ns, "--subresource=scale", "-p", "{\"spec\":{\"replicas\":3}}").ok();
        assertEquals(3, deployment(kubectl, ns).at("/spec/replicas").asInt());

        // a malformed patch: upstream's text from the server
        Kubectl.Result malformed = kubectl.run("patch", "deployment", "web", "-n", ns, "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}}}");
        assertEquals(1, malformed.exitCode());
        assertTrue(malformed.stderr().contains("map: map[image:x] does not contain declared merge key: name"), malformed.stderr());
        Kubectl.Result badRetain = kubectl.run("patch", "deployment", "web", "-n", ns, "-p",
                "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"rollingUpdate\":{}}}}");
        assertEquals(1, badRetain.exitCode());
        assertTrue(badRetain.stderr().contains("Error from server (BadRequest): invalid patch format of retainKeys"), badRetain.stderr());

        // a kind without a type: strategic merge does not apply (as custom resources upstream)
        Path widget = dir.resolve(ns + "-widget.yaml");
        Files.writeString(widget, "apiVersion: test.kj.dev/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n");
        kubectl.run("create", "-f", widget.toString(), "-n", ns).ok();
        Kubectl.Result refused = kubectl.run("patch", "widget", "w", "-n", ns, "-p", "{\"spec\":{\"size\":2}}");
        assertEquals(1, refused.exitCode());
        // kubectl turns the 415 into its own hint around the server's message
        assertEquals("error: application/strategic-merge-patch+json is not supported by test.kj.dev/v1, Kind=Widget: the body"
                + " of the request was in an unknown format - accepted media types include: application/json-patch+json,"
                + " application/merge-patch+json", refused.stderr().strip());
        kubectl.run("patch", "widget", "w", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"size\":2}}").ok();
    }

    private static void patch(Kubectl kubectl, String ns, String patch, String... flags) {
        List<String> args = new ArrayList<>(List.of("patch", "deployment", "web", "-n", ns, "-p", patch));
        args.addAll(List.of(flags));
        Kubectl.Result result = kubectl.run(args.toArray(String[]::new)).ok();
        assertTrue(result.stdout().contains("deployment.apps/web patched"), result.stdout());
    }

    private static JsonNode deployment(Kubectl kubectl, String ns) throws Exception {
        return JSON.readTree(kubectl.run("get", "deployment", "web", "-n", ns, "-o", "json").ok().stdout());
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.forEach(item -> names.add(item.path("name").asText()));
        return names;
    }
}
