package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.Widgets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What kubectl 1.27-1.33 shows of deletion, /metrics and compression: delete --grace-period, --now,
 * --force and --cascade against a server that also serves the graceful test resource "widgets",
 * whose strategy records the DeleteOptions each delete brought.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlDeleteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Widgets widgets = new Widgets();
    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0),
                List.of(Widgets.resource(widgets)));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "kubectl"})
    void gracePeriodsNowForceAndCascade(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "del-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();
        Path manifest = dir.resolve(ns + ".yaml");
        Files.writeString(manifest, """
                apiVersion: test.kj.dev/v1
                kind: Widget
                metadata: {name: slow}
                spec: {graceSeconds: 30}
                """);
        Path quick = dir.resolve(ns + "-quick.yaml");
        Files.writeString(quick, "apiVersion: test.kj.dev/v1\nkind: Widget\nmetadata: {name: quick}\n");
        kubectl.run("create", "-f", manifest.toString(), "-n", ns).ok();

        Instant before = Instant.now();
        assertEquals("widget.test.kj.dev \"slow\" deleted", kubectl.run("delete", "widget", "slow", "-n", ns, "--wait=false")
                .ok().stdout().strip().replace(" from " + ns + " namespace", ""));
        JsonNode slow = get(kubectl, ns, "slow");
        assertEquals(30, slow.path("metadata").path("deletionGracePeriodSeconds").asInt(), "the object's own grace");
        Instant deadline = Instant.parse(slow.path("metadata").path("deletionTimestamp").asText());
        assertTrue(!deadline.isBefore(before.plusSeconds(29)), deadline + " vs " + before);
        assertEquals(OptionalLong.empty(), widgets.asked().getLast().gracePeriodSeconds(), "kubectl sent no grace");

        kubectl.run("delete", "widget", "slow", "-n", ns, "--grace-period=10", "--wait=false").ok();
        assertEquals(10, get(kubectl, ns, "slow").path("metadata").path("deletionGracePeriodSeconds").asInt());
        kubectl.run("delete", "widget", "slow", "-n", ns, "--now", "--wait=false").ok();
        assertEquals(1, get(kubectl, ns, "slow").path("metadata").path("deletionGracePeriodSeconds").asInt(),
                "--now asks for a grace of 1 s, which shortens the 10 s");
        Kubectl.Result forced = kubectl.run("delete", "widget", "slow", "-n", ns, "--grace-period=0", "--force");
        forced.ok();
        assertTrue(forced.stderr().contains("Immediate deletion does not wait for confirmation"), forced.stderr());
        Kubectl.Result gone = kubectl.run("get", "widget", "slow", "-n", ns);
        assertEquals(1, gone.exitCode());
        assertTrue(gone.stderr().contains("widgets.test.kj.dev \"slow\" not found"), gone.stderr());

        for (String cascade : List.of("orphan", "foreground", "background")) {
            kubectl.run("create", "-f", quick.toString(), "-n", ns).ok();
            kubectl.run("delete", "widget", "quick", "-n", ns, "--cascade=" + cascade).ok();
            DeleteOptions asked = widgets.asked().getLast();
            assertEquals(Character.toUpperCase(cascade.charAt(0)) + cascade.substring(1), asked.propagationPolicy().orElse(""),
                    "--cascade=" + cascade + " reaches the server as its propagationPolicy");
        }
        kubectl.run("delete", "namespace", ns).ok();
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.33", "kubectl"})
    void rawMetricsCountWhatKubectlDid(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String series = "apiserver_request_total{code=\"200\",component=\"apiserver\",dry_run=\"\",group=\"test.kj.dev\","
                + "resource=\"widgets\",scope=\"resource\",subresource=\"\",verb=\"DELETE\",version=\"v1\"}";
        long before = value(kubectl.run("get", "--raw", "/metrics").ok().stdout(), series);
        Path widget = dir.resolve("metrics-" + version + ".yaml");
        Files.writeString(widget, "apiVersion: test.kj.dev/v1\nkind: Widget\nmetadata: {name: counted-" + version.replace(".", "")
                + ", namespace: default}\n");
        kubectl.run("create", "-f", widget.toString()).ok();
        kubectl.run("delete", "-f", widget.toString()).ok();
        String after = kubectl.run("get", "--raw", "/metrics").ok().stdout();
        assertEquals(before + 1, value(after, series));
        assertTrue(after.contains("# TYPE etcd_request_duration_seconds histogram\n"));
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.33"})
    void largeListsReachKubectlGzipped(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "big-" + version.replace(".", "");
        kubectl.run("create", "namespace", ns).ok();
        Path data = dir.resolve(ns + "-data");
        Files.writeString(data, "y".repeat(4096));
        for (int i = 0; i < 40; i++) {
            kubectl.run("create", "configmap", "cm-" + i, "-n", ns, "--from-file=blob=" + data).ok();
        }
        String series = "apiserver_response_sizes_sum{component=\"apiserver\",group=\"\",resource=\"configmaps\","
                + "scope=\"namespace\",subresource=\"\",verb=\"LIST\",version=\"v1\"}";
        long before = value(kubectl.run("get", "--raw", "/metrics").ok().stdout(), series);
        String listed = kubectl.run("get", "configmaps", "-n", ns, "-o", "json").ok().stdout();
        assertEquals(41, JSON.readTree(listed).path("items").size(), "40 and the namespace's kube-root-ca.crt");
        assertTrue(listed.length() > 160 * 1024, "the list is over upstream's threshold: " + listed.length());
        long sent = value(kubectl.run("get", "--raw", "/metrics").ok().stdout(), series) - before;
        assertTrue(sent > 0 && sent < 32 * 1024, "kubectl asked for gzip and got " + sent + " bytes on the wire");
        kubectl.run("delete", "namespace", ns).ok();
    }

    private static JsonNode get(Kubectl kubectl, String ns, String name) throws Exception {
        return JSON.readTree(kubectl.run("get", "widget", name, "-n", ns, "-o", "json").ok().stdout());
    }

    private static long value(String scrape, String series) {
        Matcher value = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        return value.find() ? (long) Double.parseDouble(value.group(1)) : 0;
    }
}
