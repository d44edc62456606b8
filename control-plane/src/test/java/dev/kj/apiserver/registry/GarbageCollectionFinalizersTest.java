package dev.kj.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.testing.Widgets;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The orphan and foregroundDeletion finalizers a delete sets (upstream's
 * deletionFinalizersForGarbageCollection, shouldOrphanDependents, shouldDeleteDependents and
 * updateForGracefulDeletionAndFinalizers), on the store over an in-process Rhino.
 */
class GarbageCollectionFinalizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-05-06T07:08:09Z");
    private static final String ORPHAN = "orphan";
    private static final String FOREGROUND = "foregroundDeletion";

    @TempDir
    Path dir;
    private RhinoServer rhino;
    private EtcdStorage storage;
    private final ManualClock clock = new ManualClock(START);
    private final GenericStore.NamespaceLookup everywhere = namespace -> GenericStore.NamespaceState.ACTIVE;
    private GenericStore deployments;
    private GenericStore replicationControllers;
    private GenericStore widgets;

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        storage = new EtcdStorage(rhino.newInProcessChannel());
        ResourceCatalog catalog = BuiltInResources.catalog();
        deployments = new GenericStore(catalog.find("apps", "v1", "deployments").orElseThrow(), storage, JSON, clock, everywhere);
        replicationControllers = new GenericStore(catalog.find("", "v1", "replicationcontrollers").orElseThrow(), storage,
                JSON, clock, everywhere);
        widgets = new GenericStore(Widgets.resource(new Widgets()), storage, JSON, clock, everywhere);
    }

    @AfterEach
    void stop() {
        storage.close();
        rhino.close();
    }

    /**
     * @param orphanDependents null when not sent
     * @param policy           null when not sent
     * @param expected         the finalizers the object is left with; null when it is deleted
     */
    record Case(String name, String resource, List<String> finalizers, Boolean orphanDependents, String policy,
                List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("deleting dependents in the background is the default: gone at once", "deployments", List.of(),
                        null, null, null),
                new Case("Background: gone at once", "deployments", List.of(), null, "Background", null),
                new Case("Foreground: foregroundDeletion, kept", "deployments", List.of(), null, "Foreground", List.of(FOREGROUND)),
                new Case("Orphan: orphan, kept", "deployments", List.of(), null, "Orphan", List.of(ORPHAN)),
                new Case("orphanDependents=true is Orphan", "deployments", List.of(), true, null, List.of(ORPHAN)),
                new Case("orphanDependents=false is not Foreground: gone at once, as upstream's store", "deployments",
                        List.of(), false, null, null),
                new Case("orphanDependents=false removes an orphan finalizer", "deployments", List.of(ORPHAN), false,
                        null, null),
                new Case("replication controllers orphan by default", "replicationcontrollers", List.of(), null, null,
                        List.of(ORPHAN)),
                new Case("replication controllers asked for Background go at once", "replicationcontrollers", List.of(),
                        null, "Background", null),
                new Case("an orphan finalizer the object has decides when the options do not", "deployments",
                        List.of(ORPHAN), null, null, List.of(ORPHAN)),
                new Case("a foregroundDeletion finalizer the object has decides when the options do not", "deployments",
                        List.of(FOREGROUND), null, null, List.of(FOREGROUND)),
                new Case("a foregroundDeletion finalizer outweighs the orphaning default", "replicationcontrollers",
                        List.of(FOREGROUND), null, null, List.of(FOREGROUND)),
                new Case("Background removes the object's orphan finalizer: gone at once", "deployments", List.of(ORPHAN),
                        null, "Background", null),
                new Case("Orphan replaces foregroundDeletion", "deployments", List.of(FOREGROUND), null, "Orphan",
                        List.of(ORPHAN)),
                new Case("other finalizers stay first", "deployments", List.of("example.com/keep"), null, "Foreground",
                        List.of("example.com/keep", FOREGROUND)),
                new Case("other finalizers alone keep the object", "deployments", List.of("example.com/keep"), null,
                        "Background", List.of("example.com/keep")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void deleteSetsTheGarbageCollectorsFinalizers(Case c) {
        GenericStore store = c.resource().equals("deployments") ? deployments : replicationControllers;
        ObjectNode created = store.create("ns", object(c.finalizers(), c.resource()), false);
        clock.advance(Duration.ofSeconds(3));
        GenericStore.DeleteResult result = store.delete("ns", "owner", options(c.orphanDependents(), c.policy(), false));
        if (c.expected() == null) {
            assertTrue(result.deleted());
            assertThrows(StatusException.class, () -> store.get("ns", "owner"));
            return;
        }
        assertFalse(result.deleted());
        ObjectNode stored = store.get("ns", "owner");
        assertEquals(c.expected(), finalizers(stored));
        assertEquals(finalizers(result.body()), finalizers(stored), "the answer is what was stored");
        JsonNode meta = stored.path("metadata");
        assertEquals("2026-05-06T07:08:12Z", meta.path("deletionTimestamp").asText(), "marked now");
        assertEquals(0, meta.path("deletionGracePeriodSeconds").asInt(-1), "no grace: the finalizers decide");
        assertEquals(created.path("metadata").path("generation").asLong() + 1, meta.path("generation").asLong());
    }

    @Test
    void finalizerNamesAreQualifiedAndNeverBothOfTheCollectors() {
        StatusException both = assertThrows(StatusException.class,
                () -> deployments.create("ns", object(List.of(ORPHAN, FOREGROUND)), false));
        assertEquals("Deployment.apps \"owner\" is invalid: metadata.finalizers: Invalid value: []string{\"orphan\","
                + " \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set", both.getMessage());
        StatusException bad = assertThrows(StatusException.class,
                () -> deployments.create("ns", object(List.of("a/b/c")), false));
        assertEquals(422, bad.code());
        assertTrue(bad.getMessage().contains("metadata.finalizers: Invalid value: \"a/b/c\": a qualified name must"
                + " consist of alphanumeric characters"), bad.getMessage());
    }

    @Test
    void aSecondDeleteOfAMarkedObjectMayChangeThePolicy() {
        deployments.create("ns", object(List.of("example.com/keep")), false);
        GenericStore.DeleteResult foreground = deployments.delete("ns", "owner", options(null, "Foreground", false));
        assertEquals(List.of("example.com/keep", FOREGROUND), finalizers(foreground.body()));
        String deletedAt = foreground.body().path("metadata").path("deletionTimestamp").asText();
        clock.advance(Duration.ofSeconds(10));
        GenericStore.DeleteResult orphan = deployments.delete("ns", "owner", options(null, "Orphan", false));
        assertEquals(List.of("example.com/keep", ORPHAN), finalizers(deployments.get("ns", "owner")));
        assertEquals(deletedAt, orphan.body().path("metadata").path("deletionTimestamp").asText(),
                "the deletionTimestamp stays as it was");
        String version = orphan.body().path("metadata").path("resourceVersion").asText();
        GenericStore.DeleteResult again = deployments.delete("ns", "owner", options(null, null, false));
        assertEquals(version, again.body().path("metadata").path("resourceVersion").asText(),
                "the object's own finalizer decides and nothing changes: nothing is written");
    }

    @Test
    void aGracefulDeletionUnderWayKeepsItsFinalizers() {
        widgets.create("ns", JSON.valueToTree(java.util.Map.of("metadata", java.util.Map.of("name", "slow"),
                "spec", java.util.Map.of("graceSeconds", 30))), false);
        GenericStore.DeleteResult first = widgets.delete("ns", "slow", options(null, "Foreground", false));
        assertFalse(first.deleted());
        assertEquals(List.of(FOREGROUND), finalizers(first.body()));
        assertEquals(30, first.body().path("metadata").path("deletionGracePeriodSeconds").asInt());
        widgets.delete("ns", "slow", options(null, "Orphan", false));
        assertEquals(List.of(FOREGROUND), finalizers(widgets.get("ns", "slow")),
                "a pending graceful deletion is not changed by a delete that does not shorten it");
    }

    @Test
    void withoutAGarbageCollectorNoFinalizerIsSet() {
        GenericStore store = new GenericStore(BuiltInResources.catalog().find("apps", "v1", "deployments").orElseThrow(),
                storage, JSON, clock, everywhere, GenericStore.DeleteStage.NONE, GenericStore.WriteHook.NONE, false);
        store.create("ns", object(List.of()), false);
        assertTrue(store.delete("ns", "owner", options(null, "Foreground", false)).deleted(),
                "as upstream with --enable-garbage-collector=false");
    }

    @Test
    void aDryRunShowsTheFinalizersAndStoresNothing() {
        ObjectNode created = deployments.create("ns", object(List.of()), false);
        GenericStore.DeleteResult dry = deployments.delete("ns", "owner", options(null, "Foreground", true));
        assertFalse(dry.deleted());
        assertEquals(List.of(FOREGROUND), finalizers(dry.body()));
        assertEquals(created.path("metadata").path("resourceVersion").asText(),
                deployments.get("ns", "owner").path("metadata").path("resourceVersion").asText());
        assertEquals(List.of(), finalizers(deployments.get("ns", "owner")));
    }

    @Test
    void deleteCollectionSetsThemOnEveryObject() {
        for (String name : List.of("a", "b")) {
            ObjectNode object = object(List.of());
            ((ObjectNode) object.path("metadata")).put("name", name);
            deployments.create("ns", object, false);
        }
        deployments.deleteCollection("ns", ListOptions.EVERYTHING, options(null, "Orphan", false));
        for (String name : List.of("a", "b")) {
            assertEquals(List.of(ORPHAN), finalizers(deployments.get("ns", name)));
        }
    }

    private static DeleteOptions options(Boolean orphanDependents, String policy, boolean dryRun) {
        return new DeleteOptions(OptionalLong.empty(), null, null, Optional.ofNullable(orphanDependents),
                Optional.ofNullable(policy), dryRun ? List.of("All") : List.of()).validated();
    }

    private static ObjectNode object(List<String> finalizers) {
        return object(finalizers, "deployments");
    }

    /** A valid Deployment or ReplicationController (a selector matching a template with one container). */
    private static ObjectNode object(List<String> finalizers, String resource) {
        ObjectNode object = JSON.createObjectNode();
        ObjectNode meta = object.putObject("metadata");
        meta.put("name", "owner");
        if (!finalizers.isEmpty()) {
            finalizers.forEach(meta.putArray("finalizers")::add);
        }
        ObjectNode spec = object.putObject("spec").put("replicas", 1);
        if (resource.equals("deployments")) {
            spec.putObject("selector").putObject("matchLabels").put("app", "o");
        } else {
            spec.putObject("selector").put("app", "o");
        }
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").putObject("labels").put("app", "o");
        template.putObject("spec").putArray("containers").addObject().put("name", "c").put("image", "nginx");
        return object;
    }

    private static List<String> finalizers(JsonNode object) {
        List<String> finalizers = new ArrayList<>();
        object.path("metadata").path("finalizers").forEach(f -> finalizers.add(f.asText()));
        return finalizers;
    }
}
