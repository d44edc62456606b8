package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** /metrics with the JDK's client: access, format, and that requests, watches and storage calls are counted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CREATED = "apiserver_request_total{code=\"201\",component=\"apiserver\",dry_run=\"\",group=\"\","
            + "resource=\"configmaps\",scope=\"resource\",subresource=\"\",verb=\"POST\",version=\"v1\"}";
    private static final String DRY_CREATED = CREATED.replace("dry_run=\"\"", "dry_run=\"All\"");
    private static final String WATCHING = "apiserver_longrunning_requests{component=\"apiserver\",group=\"\","
            + "resource=\"configmaps\",scope=\"namespace\",subresource=\"\",verb=\"WATCH\",version=\"v1\"}";
    private static final String WATCHED = "apiserver_request_total{code=\"200\",component=\"apiserver\",dry_run=\"\",group=\"\","
            + "resource=\"configmaps\",scope=\"namespace\",subresource=\"\",verb=\"WATCH\",version=\"v1\"}";
    private static final String ETCD_CREATES = "etcd_request_duration_seconds_count{operation=\"create\",type=\"configmaps\"}";
    private static final String NOT_FOUND = "apiserver_request_total{code=\"404\",component=\"apiserver\",dry_run=\"\","
            + "group=\"apps\",resource=\"deployments\",scope=\"resource\",subresource=\"scale\",verb=\"GET\",version=\"v1\"}";

    private TestServer server;
    private HttpClient admin;
    private HttpClient anonymous;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir, TestServer.WITHOUT_ROOT_CA_PUBLISHER); // counts the ConfigMaps it creates
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
    void onlyThoseAllowedTheMetricsPathScrape() throws Exception {
        HttpResponse<String> denied = anonymous.send(get("/metrics"), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, denied.statusCode());
        JsonNode status = JSON.readTree(denied.body());
        assertEquals("Forbidden", status.path("reason").asText());
        assertEquals("forbidden: User \"system:anonymous\" cannot get path \"/metrics\"", status.path("message").asText());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (value(scrape(), "apiserver_storage_objects{resource=\"namespaces\"}") != 4 && System.nanoTime() < deadline) {
            Thread.sleep(100); // the first count runs in the background right after the system namespaces are made
        }
        assertEquals(4, value(scrape(), "apiserver_storage_objects{resource=\"namespaces\"}"));
        HttpResponse<String> scraped = admin.send(get("/metrics"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scraped.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8; escaping=underscores",
                scraped.headers().firstValue("content-type").orElseThrow());
        assertTrue(scraped.body().contains("# HELP apiserver_storage_objects [STABLE] Number of stored objects at the time"
                + " of last check split by kind. In case of a fetching error, the value will be -1.\n"
                + "# TYPE apiserver_storage_objects gauge\n"), scraped.body());
        assertTrue(scraped.body().contains("\n# TYPE process_resident_memory_bytes gauge\n"));
    }

    @Test
    @Order(Integer.MAX_VALUE) // the reset must not erase what the other tests look at
    void deleteResetsTheLabelledSeries() throws Exception {
        create("before-reset", "");
        assertTrue(value(scrape(), CREATED) >= 1);
        HttpResponse<String> reset = admin.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("metrics reset\n", reset.body());
        String after = scrape();
        assertEquals(0, value(after, CREATED));
        assertTrue(after.contains("\n# TYPE process_cpu_seconds_total counter\n"), "computed process metrics stay");
    }

    /** resourceVersion=0 lets the watch cache answer a get, as upstream's; "" is a consistent read from etcd. */
    @Test
    void aGetAtResourceVersionZeroIsAnsweredFromTheWatchCache() throws Exception {
        String etcdGets = "etcd_request_duration_seconds_count{operation=\"get\",type=\"configmaps\"}";
        create("cached", "");
        String path = "/api/v1/namespaces/default/configmaps/cached";
        HttpResponse<String> fresh = admin.send(get(path), HttpResponse.BodyHandlers.ofString());
        String version = JSON.readTree(fresh.body()).path("metadata").path("resourceVersion").asText();
        HttpResponse<String> fromCache;
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        long before;
        do { // the cache has the create once its watch delivered it
            before = value(scrape(), etcdGets);
            fromCache = admin.send(get(path + "?resourceVersion=0"), HttpResponse.BodyHandlers.ofString());
        } while (value(scrape(), etcdGets) != before && System.nanoTime() < deadline);
        assertEquals(200, fromCache.statusCode(), fromCache.body());
        assertEquals(version, JSON.readTree(fromCache.body()).path("metadata").path("resourceVersion").asText());
        assertEquals(before, value(scrape(), etcdGets), "no etcd read for resourceVersion=0");
        assertEquals(200, admin.send(get(path), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(before + 1, value(scrape(), etcdGets), "resourceVersion \"\" reads etcd");
        assertEquals(404, admin.send(get("/api/v1/namespaces/default/configmaps/never?resourceVersion=0"),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void requestsAndStorageCallsAreCountedWithUpstreamsLabels() throws Exception {
        String before = scrape();
        create("counted", "");
        create("counted-dry", "?dryRun=All");
        assertEquals(404, admin.send(get("/apis/apps/v1/namespaces/default/deployments/none/scale"),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        String after = scrape();
        assertEquals(value(before, CREATED) + 1, value(after, CREATED));
        assertEquals(value(before, DRY_CREATED) + 1, value(after, DRY_CREATED));
        assertEquals(value(before, ETCD_CREATES) + 1, value(after, ETCD_CREATES), "the dry run stored nothing");
        assertEquals(value(before, NOT_FOUND) + 1, value(after, NOT_FOUND));
        assertTrue(after.contains("apiserver_request_duration_seconds_bucket{component=\"apiserver\",dry_run=\"\",group=\"\","
                + "resource=\"configmaps\",scope=\"resource\",subresource=\"\",verb=\"POST\",version=\"v1\",le=\"0.005\"}"));
        long buckets = after.lines().filter(l -> l.startsWith("apiserver_request_duration_seconds_bucket{")
                && l.contains("verb=\"POST\",version=\"v1\",") && l.contains("dry_run=\"\",group=\"\",resource=\"configmaps\"")).count();
        assertEquals(24, buckets, "upstream's 23 bounds and +Inf");
    }

    @Test
    void openWatchesAreLongRunningAndCountedWhenTheyEnd() throws Exception {
        long watchesBefore = value(scrape(), WATCHED);
        HttpResponse<InputStream> watch = admin.send(get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=60&fieldSelector=metadata.name%3Dwatched"),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8))) {
            create("watched", "");
            JsonNode event = JSON.readTree(lines.readLine());
            assertEquals("watched", event.path("object").path("metadata").path("name").asText());
            String open = scrape();
            assertEquals(1, value(open, WATCHING));
            assertEquals(watchesBefore, value(open, WATCHED), "a watch is counted when it ends");
            assertTrue(value(open, "apiserver_watch_events_total{group=\"\",kind=\"ConfigMap\",version=\"v1\"}") >= 1);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String closed = scrape();
        while (value(closed, WATCHING) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            closed = scrape();
        }
        assertEquals(0, value(closed, WATCHING), "the client went away");
        assertEquals(watchesBefore + 1, value(closed, WATCHED));
    }

    @Test
    void scrapesAreGzippedWhenAsked() throws Exception {
        HttpResponse<byte[]> zipped = admin.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("gzip", zipped.headers().firstValue("content-encoding").orElse(""), "promhttp compresses any size");
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body()))) {
            assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("# TYPE apiserver_storage_objects gauge"));
        }
    }

    private void create(String name, String query) throws Exception {
        HttpResponse<String> created = admin.send(HttpRequest.newBuilder(URI.create(base
                        + "/api/v1/namespaces/default/configmaps" + query)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"" + name + "\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
    }

    private String scrape() throws Exception {
        return admin.send(get("/metrics"), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A series' value in a scrape; 0 when the series is not there yet. */
    private static long value(String scrape, String series) {
        Matcher value = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        return value.find() ? (long) Double.parseDouble(value.group(1)) : 0;
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build();
    }
}
