package dev.kj.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.selection.FieldSelector;
import dev.kj.apiserver.selection.LabelSelector;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.Watch;
import dev.kj.apiserver.testing.Widgets;
import dev.kj.rhino.testing.ManualClock;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's delete path (upstream's Store.Delete and rest.BeforeDelete) on an in-process Rhino:
 * graceful deletion through a strategy hook, finalizers, preconditions, dry run, deletecollection.
 * Graceful deletion is exercised with a resource registered here ("widgets"), whose strategy takes
 * its grace the way upstream's pod strategy does.
 */
class DeletionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-03-04T05:06:07Z");

    @TempDir
    Path dir;
    private RhinoServer rhino;
    private EtcdStorage storage;
    private final ManualClock clock = new ManualClock(START);
    private final Widgets strategy = new Widgets();
    private GenericStore widgets;
    private GenericStore configMaps;
    private GenericStore deployments;
    /** A spec upstream's validation accepts: a selector matching a template with one container. */
    static final String VALID_DEPLOYMENT_SPEC = "{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"d\"}},"
            + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"d\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
            + "\"image\":\"nginx\"}]}}}";

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        storage = new EtcdStorage(rhino.newInProcessChannel());
        GenericStore.NamespaceLookup everywhere = namespace -> GenericStore.NamespaceState.ACTIVE;
        widgets = new GenericStore(Widgets.resource(strategy), storage, JSON, clock, everywhere);
        ResourceCatalog catalog = BuiltInResources.catalog();
        configMaps = new GenericStore(catalog.find("", "v1", "configmaps").orElseThrow(), storage, JSON, clock, everywhere);
        deployments = new GenericStore(catalog.find("apps", "v1", "deployments").orElseThrow(), storage, JSON, clock,
                everywhere);
    }

    @AfterEach
    void stop() {
        storage.close();
        rhino.close();
    }

    @Test
    void gracefulDeletionMarksTheObjectAndOnlyAShorterGraceMovesTheDeadline() throws Exception {
        ObjectNode created = widgets.create("ns", object("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"graceSeconds\":30}}"), false);
        try (Events events = watch(widgets, created)) {
            GenericStore.DeleteResult first = widgets.delete("ns", "w", DeleteOptions.NONE);
            assertFalse(first.deleted());
            JsonNode meta = first.body().path("metadata");
            assertEquals("2026-03-04T05:06:37Z", meta.path("deletionTimestamp").asText(), "now + spec's 30 s");
            assertEquals(30, meta.path("deletionGracePeriodSeconds").asLong());
            assertEquals(2, meta.path("generation").asLong(), "the deletion bumps generation, as upstream");
            assertEquals(normalized(first.body()), normalized(widgets.get("ns", "w")), "the answer is what was stored");
            assertEquals("MODIFIED 30", events.next());

            clock.advance(Duration.ofSeconds(5));
            String version = widgets.get("ns", "w").path("metadata").path("resourceVersion").asText();
            for (DeleteOptions notShorter : List.of(DeleteOptions.NONE, DeleteOptions.NONE.withGracePeriod(30),
                    DeleteOptions.NONE.withGracePeriod(60))) {
                GenericStore.DeleteResult pending = widgets.delete("ns", "w", notShorter);
                assertFalse(pending.deleted());
                assertEquals(version, pending.body().path("metadata").path("resourceVersion").asText(), "nothing written");
            }

            GenericStore.DeleteResult shorter = widgets.delete("ns", "w", DeleteOptions.NONE.withGracePeriod(10));
            assertFalse(shorter.deleted());
            assertEquals("2026-03-04T05:06:17Z", shorter.body().path("metadata").path("deletionTimestamp").asText(),
                    "the deadline moves back by 20 s: 30 s of grace became 10");
            assertEquals(10, shorter.body().path("metadata").path("deletionGracePeriodSeconds").asLong());
            assertEquals(2, shorter.body().path("metadata").path("generation").asLong(), "bumped once only");
            assertEquals("MODIFIED 10", events.next());

            clock.advance(Duration.ofSeconds(60));
            GenericStore.DeleteResult expired = widgets.delete("ns", "w", DeleteOptions.NONE.withGracePeriod(5));
            assertEquals("2026-03-04T05:07:12Z", expired.body().path("metadata").path("deletionTimestamp").asText(),
                    "a deadline already past becomes now");
            assertEquals(1, expired.body().path("metadata").path("deletionGracePeriodSeconds").asLong(),
                    "with the shortest grace, so the final delete is still someone else's");
            assertEquals("MODIFIED 1", events.next());

            GenericStore.DeleteResult now = widgets.delete("ns", "w", DeleteOptions.NONE.withGracePeriod(0));
            assertTrue(now.deleted());
            assertEquals("w", now.body().path("metadata").path("name").asText(), "widgets answer with the object");
            assertEquals("MODIFIED 0", events.next(), "watchers see the grace run out");
            assertEquals("DELETED 0", events.next());
            assertThrows(StatusException.class, () -> widgets.get("ns", "w"));
        }
    }

    @Test
    void aZeroGraceWritesTheDeletionTimestampThenDeletes() throws Exception {
        ObjectNode finished = widgets.create("ns", object("{\"metadata\":{\"name\":\"done\"},\"spec\":{\"graceSeconds\":30},"
                + "\"status\":{\"finished\":true}}"), false);
        try (Events events = watch(widgets, finished)) {
            GenericStore.DeleteResult outcome = widgets.delete("ns", "done", DeleteOptions.NONE);
            assertTrue(outcome.deleted(), "the strategy gave no grace to a finished widget");
            assertEquals("2026-03-04T05:06:07Z", outcome.body().path("metadata").path("deletionTimestamp").asText());
            assertEquals("MODIFIED 0", events.next());
            assertEquals("DELETED 0", events.next());
        }
        widgets.create("ns", object("{\"metadata\":{\"name\":\"negative\"},\"spec\":{\"graceSeconds\":30}}"), false);
        GenericStore.DeleteResult negative = widgets.delete("ns", "negative", DeleteOptions.NONE.withGracePeriod(-5));
        assertEquals(1, negative.body().path("metadata").path("deletionGracePeriodSeconds").asLong(),
                "a negative grace means the shortest one");
        assertEquals(OptionalLong.of(1), strategy.asked().getLast().gracePeriodSeconds(), "the strategy sees 1 too");
    }

    @Test
    void resourcesWithoutGracefulDeletionIgnoreTheGracePeriod() throws Exception {
        ObjectNode created = configMaps.create("ns", object("{\"metadata\":{\"name\":\"c\"}}"), false);
        try (Events events = watch(configMaps, created)) {
            GenericStore.DeleteResult outcome = configMaps.delete("ns", "c", DeleteOptions.NONE.withGracePeriod(30));
            assertTrue(outcome.deleted());
            assertEquals("Status", outcome.body().path("kind").asText());
            assertFalse(outcome.body().has("code"), "upstream's Success status carries no code");
            assertEquals("DELETED", events.next().split(" ")[0]);
            assertNull(events.poll(), "no MODIFIED event before the deletion");
        }
    }

    @Test
    void finalizersHoldAnObjectAndTheirRemovalDeletesItWithoutAnotherWrite() throws Exception {
        ObjectNode created = deployments.create("ns", object("{\"metadata\":{\"name\":\"d\",\"finalizers\":[\"x/y\"]},"
                + "\"spec\":" + VALID_DEPLOYMENT_SPEC + "}"), false);
        try (Events events = watch(deployments, created)) {
            GenericStore.DeleteResult marked = deployments.delete("ns", "d", DeleteOptions.NONE);
            assertFalse(marked.deleted());
            JsonNode meta = marked.body().path("metadata");
            assertEquals("2026-03-04T05:06:07Z", meta.path("deletionTimestamp").asText());
            assertEquals(0, meta.path("deletionGracePeriodSeconds").asLong(-1));
            assertEquals(2, meta.path("generation").asLong(), "markAsDeleting bumps generation, as upstream");
            assertEquals("MODIFIED 0", events.next());

            clock.advance(Duration.ofSeconds(10));
            GenericStore.DeleteResult again = deployments.delete("ns", "d", DeleteOptions.NONE);
            assertFalse(again.deleted());
            assertEquals(meta.path("resourceVersion"), again.body().path("metadata").path("resourceVersion"),
                    "a second delete changes nothing and writes nothing");
            assertEquals("2026-03-04T05:06:07Z", again.body().path("metadata").path("deletionTimestamp").asText());

            ObjectNode released = deployments.get("ns", "d");
            ((ObjectNode) released.path("metadata")).putArray("finalizers");
            deployments.update("ns", "d", released, false);
            assertEquals("DELETED 0", events.next(), "the finalizer-free object is deleted, never stored");
            assertNull(events.poll());
        }
    }

    @Test
    void finalizersOutlastTheGraceOfAGracefulDeletion() {
        widgets.create("ns", object("{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"x/y\"]},\"spec\":{\"graceSeconds\":20}}"),
                false);
        assertEquals(20, widgets.delete("ns", "held", DeleteOptions.NONE).body().path("metadata")
                .path("deletionGracePeriodSeconds").asLong());
        ObjectNode released = widgets.get("ns", "held");
        ((ObjectNode) released.path("metadata")).putArray("finalizers");
        widgets.update("ns", "held", released, false);
        assertEquals("held", widgets.get("ns", "held").path("metadata").path("name").asText(),
                "removing finalizers during the grace period does not delete");
        GenericStore.DeleteResult last = widgets.delete("ns", "held", DeleteOptions.NONE.withGracePeriod(0));
        assertTrue(last.deleted());
        assertThrows(StatusException.class, () -> widgets.get("ns", "held"));
    }

    @Test
    void dryRunDecidesEverythingAndStoresNothing() {
        ObjectNode created = widgets.create("ns", object("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"graceSeconds\":30}}"), false);
        GenericStore.DeleteResult graceful = widgets.delete("ns", "w", DeleteOptions.NONE.withDryRun(true));
        assertFalse(graceful.deleted());
        assertEquals("2026-03-04T05:06:37Z", graceful.body().path("metadata").path("deletionTimestamp").asText());
        assertEquals(created, widgets.get("ns", "w"));
        GenericStore.DeleteResult immediate = widgets.delete("ns", "w", DeleteOptions.NONE.withGracePeriod(0).withDryRun(true));
        assertTrue(immediate.deleted());
        assertEquals(created, widgets.get("ns", "w"));
        configMaps.create("ns", object("{\"metadata\":{\"name\":\"c\"}}"), false);
        assertTrue(configMaps.delete("ns", "c", DeleteOptions.NONE.withDryRun(true)).deleted());
        assertEquals("c", configMaps.get("ns", "c").path("metadata").path("name").asText());
    }

    @Test
    void deleteCollectionAppliesTheOptionsToEachObjectAndAnswersWithTheListAsRead() {
        for (String name : List.of("a", "b", "c")) {
            widgets.create("ns", object("{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"pick\":\""
                    + !name.equals("c") + "\"}},\"spec\":{\"graceSeconds\":30}}"), false);
        }
        ObjectNode listed = widgets.deleteCollection("ns", new ListOptions(LabelSelector.parse("pick=true"),
                FieldSelector.EVERYTHING, "", "", 0, ""), DeleteOptions.NONE.withGracePeriod(15));
        List<String> names = new ArrayList<>();
        listed.path("items").forEach(item -> {
            names.add(item.path("metadata").path("name").asText());
            assertFalse(item.path("metadata").has("deletionTimestamp"), "items as they were before the delete");
        });
        assertEquals(List.of("a", "b"), names);
        for (String name : List.of("a", "b")) {
            assertEquals(15, widgets.get("ns", name).path("metadata").path("deletionGracePeriodSeconds").asLong());
        }
        assertFalse(widgets.get("ns", "c").path("metadata").has("deletionTimestamp"));

        ObjectNode page = widgets.deleteCollection("ns", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                "", "", 1, ""), DeleteOptions.NONE.withGracePeriod(0));
        assertEquals(1, page.path("items").size(), "a limit deletes one page");
        assertFalse(page.path("metadata").path("continue").asText().isEmpty());
        assertThrows(StatusException.class, () -> widgets.get("ns", "a"));
        assertEquals("b", widgets.get("ns", "b").path("metadata").path("name").asText());
    }

    /** A watch from an object's version, rendering each event as "TYPE deletionGracePeriodSeconds". */
    private static Events watch(GenericStore store, ObjectNode from) {
        BlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>();
        Watch watch = store.watch(from.path("metadata").path("namespace").asText(), new ListOptions(LabelSelector.EVERYTHING,
                FieldSelector.EVERYTHING, from.path("metadata").path("resourceVersion").asText(), "", 0, ""), queue::add);
        return new Events(watch, queue);
    }

    private record Events(Watch watch, BlockingQueue<WatchEvent> queue) implements AutoCloseable {
        String next() throws InterruptedException {
            String event = poll(10);
            assertTrue(event != null, "no watch event within 10 s");
            return event;
        }

        String poll() throws InterruptedException {
            return poll(0.3);
        }

        private String poll(double seconds) throws InterruptedException {
            WatchEvent event = queue.poll((long) (seconds * 1000), TimeUnit.MILLISECONDS);
            return event == null ? null : event.type() + " "
                    + event.object().path("metadata").path("deletionGracePeriodSeconds").asText("-");
        }

        @Override
        public void close() {
            watch.close();
        }
    }

    /** The tree as a reader sees it (numbers typed by their text), so trees built in memory compare with decoded ones. */
    private static JsonNode normalized(JsonNode node) throws Exception {
        return JSON.readTree(node.toString());
    }

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
