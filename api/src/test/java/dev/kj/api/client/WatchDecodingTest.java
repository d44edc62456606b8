package dev.kj.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.objects.ObjectCodec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Decoding watch streams in upstream's wire form (metav1.WatchEvent, JSON objects one after
 * another), including the events kj's server does not send yet: bookmarks, and the bookmark that
 * ends a WatchList's initial events. The API server tests cover the events it does send.
 */
class WatchDecodingTest {
    private static Watch<ConfigMap> watch(String stream) {
        return new Watch<>(Transport.Response.of(200, "application/json", stream.getBytes(StandardCharsets.UTF_8)),
                ObjectCodec.typed(ConfigMap.class));
    }

    @Test
    void eventsBookmarksAndErrors() {
        try (Watch<ConfigMap> watch = watch("""
                {"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"d","resourceVersion":"10"},"data":{"k":"1"}}}
                {"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}}
                {"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"d","resourceVersion":"13"},"data":{"k":"2"}}}{"type":"DELETED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"d","resourceVersion":"14"}}}
                {"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"20"}}}
                {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 14 (15)","reason":"Expired","code":410}}
                """)) {
            assertEquals("1", ((WatchEvent.Added<ConfigMap>) watch.next()).object().getData().get("k"));
            WatchEvent.Bookmark<ConfigMap> listEnd = (WatchEvent.Bookmark<ConfigMap>) watch.next();
            assertEquals("12", listEnd.resourceVersion());
            assertTrue(listEnd.initialEventsEnd());
            assertEquals("2", ((WatchEvent.Modified<ConfigMap>) watch.next()).object().getData().get("k"));
            assertEquals("14", ((WatchEvent.Deleted<ConfigMap>) watch.next()).object().getMetadata().getResourceVersion());
            WatchEvent.Bookmark<ConfigMap> progress = (WatchEvent.Bookmark<ConfigMap>) watch.next();
            assertEquals("20", progress.resourceVersion());
            assertEquals(false, progress.initialEventsEnd());
            ApiException expired = assertInstanceOf(WatchEvent.Error.class, watch.next()).exception();
            assertTrue(expired.isResourceExpired());
            assertEquals(410, expired.code());
            assertNull(watch.next());
        }
    }

    @Test
    void aStreamThatIsNotWatchEventsFails() {
        try (Watch<ConfigMap> watch = watch("{\"type\":\"SOMETHING\",\"object\":{}}")) {
            assertThrows(UncheckedIOException.class, watch::next);
        }
        try (Watch<ConfigMap> watch = watch("{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\"")) {
            assertThrows(UncheckedIOException.class, watch::next, "a stream cut inside an event");
        }
    }
}
