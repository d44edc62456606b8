package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.storage.cacher.CacherConfig;
import dev.kj.apiserver.testing.TlsClients;
import dev.kj.rhino.testing.RealEtcd;
import java.io.BufferedReader;
import java.io.IOException;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The watch cache through the HTTP API, on the embedded Rhino and on a real etcd (3.4, whose
 * consistent lists are read from etcd itself): rv=0 lists, fan-out, bookmarks, 410, selectors and
 * sendInitialEvents.
 */
class WatchCacheHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A small window so 410 is easy to reach; bookmarks every 200 ms. */
    private static final CacherConfig CACHE = new CacherConfig(20, 1000, Duration.ofMillis(200), Duration.ofSeconds(3));

    enum Store { RHINO, ETCD }

    @TempDir
    Path dir;

    private RealEtcd etcd;
    private ApiServer server;
    private HttpClient admin;
    private String base;
    private final List<Stream> streams = new ArrayList<>();

    private void start(Store store) throws Exception {
        List<URI> etcdServers = List.of();
        if (store == Store.ETCD) {
            etcd = RealEtcd.start();
            etcdServers = List.of(etcd.clientUrl());
        }
        // the tests count the ConfigMaps they watch: no kube-root-ca.crt beside them
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), etcdServers, "127.0.0.1", 0).withWatchCache(CACHE)
                .withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_ROOT_CA_PUBLISHER));
        admin = TlsClients.client(dir.resolve("data").resolve("pki"), true);
        base = "https://127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stop() {
        streams.forEach(Stream::close);
        if (server != null) {
            server.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void listsAtResourceVersionZeroAreServedWithSelectors(Store store) throws Exception {
        start(store);
        create("a1", "a");
        create("a2", "a");
        long last = create("b1", "b");
        JsonNode all = awaitList("/api/v1/namespaces/default/configmaps?resourceVersion=0", last);
        assertEquals(List.of("a1", "a2", "b1"), names(all));
        assertEquals(List.of("a1", "a2"), names(awaitList("/api/v1/namespaces/default/configmaps?resourceVersion=0"
                + "&labelSelector=app%3Da", last)));
        assertEquals(List.of("b1"), names(awaitList("/api/v1/configmaps?resourceVersion=0"
                + "&fieldSelector=metadata.name%3Db1", last)));
        // a limit is honoured from memory; the continuation is read from etcd at the first page's revision
        JsonNode first = get("/api/v1/namespaces/default/configmaps?resourceVersion=0&limit=2");
        assertEquals(List.of("a1", "a2"), names(first));
        String token = first.path("metadata").path("continue").asText();
        JsonNode second = get("/api/v1/namespaces/default/configmaps?limit=2&continue=" + token);
        assertEquals(List.of("b1"), names(second));
        // a consistent list sees every write before it
        long newest = create("c1", "c");
        JsonNode consistent = get("/api/v1/namespaces/default/configmaps");
        assertEquals(List.of("a1", "a2", "b1", "c1"), names(consistent));
        assertTrue(Long.parseLong(consistent.path("metadata").path("resourceVersion").asText()) >= newest);
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void oneWriteReachesEveryWatch(Store store) throws Exception {
        start(store);
        long from = create("before", "a");
        List<Stream> watches = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            watches.add(watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + from));
        }
        long created = create("after", "a");
        for (Stream watch : watches) {
            JsonNode event = watch.next();
            assertEquals("ADDED", event.path("type").asText());
            assertEquals("after", event.path("object").path("metadata").path("name").asText());
            assertEquals(Long.toString(created), event.path("object").path("metadata").path("resourceVersion").asText());
        }
        String metrics = text("/metrics");
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith(
                "apiserver_watch_cache_events_dispatched_total{resource=\"configmaps\"}")), metrics);
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void bookmarksComeOnlyWhenAllowed(Store store) throws Exception {
        start(store);
        long from = create("quiet", "a");
        Stream withBookmarks = watch("/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true"
                + "&resourceVersion=" + from);
        Stream without = watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + from);
        JsonNode bookmark = withBookmarks.next();
        assertEquals("BOOKMARK", bookmark.path("type").asText());
        assertEquals("ConfigMap", bookmark.path("object").path("kind").asText());
        assertEquals("v1", bookmark.path("object").path("apiVersion").asText());
        assertTrue(Long.parseLong(bookmark.path("object").path("metadata").path("resourceVersion").asText()) >= from);
        Thread.sleep(500); // two bookmark periods
        long changed = create("loud", "a");
        JsonNode event = without.next();
        assertEquals("ADDED", event.path("type").asText(), "no bookmark before the first event");
        assertEquals(Long.toString(changed), event.path("object").path("metadata").path("resourceVersion").asText());
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void watchesOlderThanTheWindowGet410(Store store) throws Exception {
        start(store);
        long first = create("busy", "a");
        long last = first;
        for (int i = 0; i < 30; i++) {
            last = update("busy", "v" + i, last);
        }
        awaitList("/api/v1/namespaces/default/configmaps?resourceVersion=0", last);
        JsonNode error = watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + first).next();
        assertEquals("ERROR", error.path("type").asText());
        JsonNode status = error.path("object");
        assertEquals(410, status.path("code").asInt());
        assertEquals("Expired", status.path("reason").asText());
        assertTrue(status.path("message").asText().startsWith("too old resource version: " + first + " ("),
                status.toString());
        // within the window: the events after the version
        JsonNode recent = watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + (last - 1)).next();
        assertEquals("MODIFIED", recent.path("type").asText());
        assertEquals(Long.toString(last), recent.path("object").path("metadata").path("resourceVersion").asText());
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void selectorsFilterWatchesAndObjectsLeavingThemAreDeleted(Store store) throws Exception {
        start(store);
        long from = create("start", "x");
        Stream watch = watch("/api/v1/namespaces/default/configmaps?watch=1&labelSelector=app%3Da&resourceVersion=" + from);
        long a = create("one", "a");
        create("two", "b");
        send(HttpRequest.newBuilder(uri("/api/v1/namespaces/default/configmaps/one"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"labels\":{\"app\":\"b\"}}}"))
                .header("Content-Type", "application/merge-patch+json").build(), 200);
        JsonNode added = watch.next();
        assertEquals("ADDED", added.path("type").asText());
        assertEquals(Long.toString(a), added.path("object").path("metadata").path("resourceVersion").asText());
        JsonNode left = watch.next();
        assertEquals("DELETED", left.path("type").asText());
        assertEquals("one", left.path("object").path("metadata").path("name").asText());
        assertEquals("b", left.path("object").path("metadata").path("labels").path("app").asText());
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void sendInitialEventsStreamsTheStateThenMarksItsEnd(Store store) throws Exception {
        start(store);
        create("x1", "a");
        long last = create("x2", "a");
        Stream watch = watch("/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=" + last);
        assertEquals("x1", watch.next().path("object").path("metadata").path("name").asText());
        JsonNode second = watch.next();
        assertEquals("ADDED", second.path("type").asText());
        assertEquals("x2", second.path("object").path("metadata").path("name").asText());
        JsonNode end = watch.next();
        assertEquals("BOOKMARK", end.path("type").asText());
        assertEquals("true", end.path("object").path("metadata").path("annotations").path("k8s.io/initial-events-end").asText());
        assertTrue(Long.parseLong(end.path("object").path("metadata").path("resourceVersion").asText()) >= last);
        long later = create("x3", "a");
        JsonNode next = watch.next();
        while (next.path("type").asText().equals("BOOKMARK")) {
            next = watch.next();
        }
        assertEquals("ADDED", next.path("type").asText());
        assertEquals(Long.toString(later), next.path("object").path("metadata").path("resourceVersion").asText());

        HttpResponse<String> refused = send(get(uri("/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true")), 422);
        JsonNode status = JSON.readTree(refused.body());
        assertEquals("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires"
                + " setting resourceVersionMatch to NotOlderThan", status.path("message").asText());
        send(get(uri("/api/v1/namespaces/default/configmaps?sendInitialEvents=true")), 422);
    }

    // ---- helpers ----

    private long create(String name, String app) throws Exception {
        HttpResponse<String> created = send(HttpRequest.newBuilder(uri("/api/v1/namespaces/default/configmaps"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\""
                        + app + "\"}},\"data\":{\"v\":\"0\"}}")).build(), 201);
        return Long.parseLong(JSON.readTree(created.body()).path("metadata").path("resourceVersion").asText());
    }

    private long update(String name, String value, long version) throws Exception {
        HttpResponse<String> updated = send(HttpRequest.newBuilder(uri("/api/v1/namespaces/default/configmaps/" + name))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"resourceVersion\":\"" + version
                        + "\"},\"data\":{\"v\":\"" + value + "\"}}"))
                .header("Content-Type", "application/merge-patch+json").build(), 200);
        return Long.parseLong(JSON.readTree(updated.body()).path("metadata").path("resourceVersion").asText());
    }

    /** A resourceVersion=0 list may lag behind writes a little: read it until it has caught up. */
    private JsonNode awaitList(String path, long revision) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            JsonNode list = get(path);
            if (Long.parseLong(list.path("metadata").path("resourceVersion").asText()) >= revision
                    || System.nanoTime() > deadline) {
                return list;
            }
            Thread.sleep(20);
        }
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.path("items").forEach(item -> names.add(item.path("metadata").path("name").asText()));
        return names;
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(send(get(uri(path)), 200).body());
    }

    private String text(String path) throws Exception {
        return send(get(uri(path)), 200).body();
    }

    private static HttpRequest get(URI uri) {
        return HttpRequest.newBuilder(uri).GET().build();
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private HttpResponse<String> send(HttpRequest request, int expected) throws Exception {
        HttpResponse<String> response = admin.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, response.statusCode(), response.body());
        return response;
    }

    private Stream watch(String path) throws Exception {
        HttpResponse<InputStream> response = admin.send(get(uri(path + "&timeoutSeconds=30")),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        Stream stream = new Stream(response.body());
        streams.add(stream);
        return stream;
    }

    /** A watch response read line by line on its own thread. */
    private static final class Stream implements AutoCloseable {
        private final InputStream body;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Stream(InputStream body) {
            this.body = body;
            Thread.ofVirtual().start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        JsonNode next() throws Exception {
            String line = lines.poll(10, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("no watch event within 10 s");
            }
            return JSON.readTree(line);
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
