package dev.kj.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generic store's mechanics on an in-process Rhino, through the etcd v3 API. */
class GenericStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private RhinoServer rhino;
    private EtcdStorage storage;
    private GenericStore configMaps;
    private GenericStore namespaces;

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        storage = new EtcdStorage(rhino.newInProcessChannel());
        ResourceCatalog catalog = BuiltInResources.catalog();
        ResourceDescription ns = catalog.find("", "v1", "namespaces").orElseThrow();
        GenericStore.NamespaceLookup lookup = new dev.kj.apiserver.registry.core.namespace.NamespaceLifecycle(storage, null, ns, JSON);
        namespaces = new GenericStore(ns, storage, JSON, CLOCK, lookup,
                new dev.kj.apiserver.registry.core.namespace.NamespaceDeletion(CLOCK), GenericStore.WriteHook.NONE, true);
        configMaps = new GenericStore(catalog.find("", "v1", "configmaps").orElseThrow(), storage, JSON, CLOCK, lookup);
        namespaces.create(null, object("{\"metadata\":{\"name\":\"default\"}}"), false);
    }

    @AfterEach
    void stop() {
        storage.close();
        rhino.close();
    }

    @Test
    void timestampsFollowTheClockSecondBySecond() throws Exception {
        // the stamp of the current second is formatted once and reused: each write must still get its own second's
        Instant[] now = {Instant.parse("2026-03-04T05:06:07.100Z")};
        Clock moving = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        ResourceCatalog catalog = BuiltInResources.catalog();
        GenericStore.NamespaceLookup lookup = new dev.kj.apiserver.registry.core.namespace.NamespaceLifecycle(
                storage, null, catalog.find("", "v1", "namespaces").orElseThrow(), JSON);
        GenericStore store = new GenericStore(catalog.find("", "v1", "configmaps").orElseThrow(), storage, JSON, moving, lookup);
        List<String> stamps = new java.util.ArrayList<>();
        for (String at : List.of("05:06:07.100", "05:06:07.999", "05:06:08.000", "05:06:07.500", "05:07:08.000")) {
            now[0] = Instant.parse("2026-03-04T" + at + "Z");
            ObjectNode created = store.create("default", object("{\"metadata\":{\"name\":\"t" + stamps.size() + "\"}}"), false);
            stamps.add(created.path("metadata").path("creationTimestamp").asText());
        }
        assertEquals(List.of("2026-03-04T05:06:07Z", "2026-03-04T05:06:07Z", "2026-03-04T05:06:08Z", "2026-03-04T05:06:07Z",
                "2026-03-04T05:07:08Z"), stamps);
    }

    @Test
    void createFillsSystemMetadataAndStoresUnderUpstreamKey() throws Exception {
        ObjectNode created = configMaps.create("default",
                object("{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"99\",\"uid\":\"mine\"},\"data\":{\"k\":\"v\"}}"), false);
        JsonNode meta = created.path("metadata");
        assertEquals("ConfigMap", created.path("kind").asText());
        assertEquals("v1", created.path("apiVersion").asText());
        assertEquals("default", meta.path("namespace").asText());
        assertEquals("2026-01-02T03:04:05Z", meta.path("creationTimestamp").asText());
        assertNotEquals("mine", meta.path("uid").asText());
        assertEquals(36, meta.path("uid").asText().length());
        assertFalse(meta.has("generation"), "configmaps do not track generation, as upstream");
        var stored = storage.get("/registry/configmaps/default/a").orElseThrow();
        assertEquals(Long.toString(stored.modRevision()), meta.path("resourceVersion").asText());
        JsonNode value = JSON.readTree(stored.value());
        assertFalse(value.path("metadata").has("resourceVersion"), "resourceVersion is never stored");
        assertEquals("v", value.path("data").path("k").asText());
        assertEquals(created, configMaps.get("default", "a"));
    }

    @Test
    void errorsCarryUpstreamReasonsAndTexts() {
        configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"}}"), false);
        StatusException exists = assertThrows(StatusException.class,
                () -> configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"}}"), false));
        assertEquals(409, exists.code());
        assertEquals("AlreadyExists", exists.reason());
        assertEquals("configmaps \"a\" already exists", exists.getMessage());

        StatusException missing = assertThrows(StatusException.class, () -> configMaps.get("default", "b"));
        assertEquals(404, missing.code());
        assertEquals("configmaps \"b\" not found", missing.getMessage());

        StatusException noNamespace = assertThrows(StatusException.class,
                () -> configMaps.create("nope", object("{\"metadata\":{\"name\":\"a\"}}"), false));
        assertEquals(404, noNamespace.code());
        assertEquals("namespaces \"nope\" not found", noNamespace.getMessage());

        StatusException badName = assertThrows(StatusException.class,
                () -> configMaps.create("default", object("{\"metadata\":{\"name\":\"Bad_Name\"}}"), false));
        assertEquals(422, badName.code());
        assertEquals("Invalid", badName.reason());
        assertTrue(badName.getMessage().startsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value:"
                + " \"Bad_Name\": a lowercase RFC 1123 subdomain"), badName.getMessage());

        StatusException noName = assertThrows(StatusException.class,
                () -> configMaps.create("default", object("{\"metadata\":{}}"), false));
        assertEquals("ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required",
                noName.getMessage());
    }

    @Test
    void updateIsGuardedByResourceVersion() {
        ObjectNode created = configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"1\"}}"), false);
        ObjectNode first = created.deepCopy();
        ((ObjectNode) first.path("data")).put("k", "2");
        ObjectNode updated = configMaps.update("default", "a", first, false);
        assertNotEquals(created.path("metadata").path("resourceVersion"), updated.path("metadata").path("resourceVersion"));
        assertEquals(created.path("metadata").path("uid"), updated.path("metadata").path("uid"));

        ObjectNode stale = created.deepCopy();
        ((ObjectNode) stale.path("data")).put("k", "3");
        StatusException conflict = assertThrows(StatusException.class, () -> configMaps.update("default", "a", stale, false));
        assertEquals(409, conflict.code());
        assertEquals("Conflict", conflict.reason());
        assertEquals("Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply"
                + " your changes to the latest version and try again", conflict.getMessage());

        ObjectNode unconditional = stale.deepCopy();
        ((ObjectNode) unconditional.path("metadata")).remove("resourceVersion");
        assertEquals("3", configMaps.update("default", "a", unconditional, false).path("data").path("k").asText());

        ObjectNode same = configMaps.get("default", "a");
        assertEquals(same, configMaps.update("default", "a", same.deepCopy(), false), "a no-op update writes nothing");
    }

    @Test
    void secretStringDataIsMergedIntoDataAndNeverStored() {
        ResourceDescription secretsDescription = BuiltInResources.catalog().find("", "v1", "secrets").orElseThrow();
        GenericStore secrets = new GenericStore(secretsDescription, storage, JSON, CLOCK,
                name -> GenericStore.NamespaceState.ACTIVE);
        ObjectNode created = secrets.create("default", object("{\"metadata\":{\"name\":\"s\"},"
                + "\"data\":{\"keep\":\"a2VlcA==\",\"both\":\"b2xk\"},\"stringData\":{\"both\":\"new\",\"text\":\"h\u00e9\"}}"),
                false);
        assertEquals("Opaque", created.path("type").asText());
        assertFalse(created.has("stringData"));
        assertEquals("a2VlcA==", created.path("data").path("keep").asText());
        assertEquals("bmV3", created.path("data").path("both").asText(), "stringData wins over data");
        assertEquals("aMOp", created.path("data").path("text").asText(), "UTF-8, then base64");
        ObjectNode update = secrets.get("default", "s").deepCopy();
        update.putObject("stringData").put("added", "x");
        ObjectNode updated = secrets.update("default", "s", update, false);
        assertEquals("eA==", updated.path("data").path("added").asText());
        assertFalse(updated.has("stringData"));
        assertFalse(new String(storage.get("/registry/secrets/default/s").orElseThrow().value(),
                java.nio.charset.StandardCharsets.UTF_8).contains("stringData"));
    }

    @Test
    void generateNameAddsFiveCharacters() {
        ObjectNode created = configMaps.create("default", object("{\"metadata\":{\"generateName\":\"job-\"}}"), false);
        assertTrue(created.path("metadata").path("name").asText().matches("job-[bcdfghjklmnpqrstvwxz2456789]{5}"));
    }

    @Test
    void dryRunStoresNothing() {
        ObjectNode created = configMaps.create("default", object("{\"metadata\":{\"name\":\"dry\"}}"), true);
        assertEquals("dry", created.path("metadata").path("name").asText());
        assertThrows(StatusException.class, () -> configMaps.get("default", "dry"));
    }

    @Test
    void listPagesWithContinueTokensAtOneRevisionAndFiltersBySelectors() {
        for (int i = 0; i < 5; i++) {
            configMaps.create("default", object("{\"metadata\":{\"name\":\"cm" + i + "\",\"labels\":{\"parity\":\""
                    + (i % 2 == 0 ? "even" : "odd") + "\"}}}"), false);
        }
        ObjectNode page1 = configMaps.list("default", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                "", "", 2, ""));
        assertEquals(List.of("cm0", "cm1"), names(page1));
        assertEquals("ConfigMapList", page1.path("kind").asText());
        assertFalse(page1.path("items").get(0).has("kind"), "list items carry no kind, as upstream");
        String token = page1.path("metadata").path("continue").asText();
        configMaps.create("default", object("{\"metadata\":{\"name\":\"cm9\"}}"), false); // after the first page
        ObjectNode page2 = configMaps.list("default", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                "", "", 10, token));
        assertEquals(List.of("cm2", "cm3", "cm4"), names(page2), "continuations read at the first page's revision");
        assertFalse(page2.path("metadata").has("continue"));
        assertEquals(page1.path("metadata").path("resourceVersion"), page2.path("metadata").path("resourceVersion"));

        ObjectNode odd = configMaps.list("default", new ListOptions(LabelSelector.parse("parity notin (even)"),
                FieldSelector.EVERYTHING, "", "", 0, ""));
        assertEquals(List.of("cm1", "cm3", "cm9"), names(odd));
        ObjectNode evenPaged = configMaps.list("default", new ListOptions(LabelSelector.parse("parity=even"),
                FieldSelector.EVERYTHING, "", "", 2, ""));
        assertEquals(List.of("cm0", "cm2"), names(evenPaged), "a limit counts matching items");
        ObjectNode one = configMaps.list("default", new ListOptions(LabelSelector.EVERYTHING,
                FieldSelector.parse("metadata.name=cm3"), "", "", 0, ""));
        assertEquals(List.of("cm3"), names(one));
        StatusException unsupported = assertThrows(StatusException.class, () -> configMaps.list("default",
                new ListOptions(LabelSelector.EVERYTHING, FieldSelector.parse("spec.x=y"), "", "", 0, "")));
        assertEquals("field label not supported: spec.x", unsupported.getMessage());
    }

    @Test
    void watchFromAVersionSeesChangesInOrderAndSelectorTransitions() throws Exception {
        ObjectNode created = configMaps.create("default", object("{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"x\"}}}"), false);
        String from = created.path("metadata").path("resourceVersion").asText();
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = configMaps.watch("default", new ListOptions(LabelSelector.parse("app=x"),
                FieldSelector.EVERYTHING, from, "", 0, ""), events::add)) {
            ObjectNode changed = configMaps.get("default", "a");
            ((ObjectNode) changed.path("metadata")).putObject("annotations").put("note", "1");
            configMaps.update("default", "a", changed, false);
            configMaps.create("default", object("{\"metadata\":{\"name\":\"other\",\"labels\":{\"app\":\"y\"}}}"), false);
            ObjectNode relabeled = configMaps.get("default", "a");
            ((ObjectNode) relabeled.path("metadata").path("labels")).put("app", "z");
            configMaps.update("default", "a", relabeled, false);
            configMaps.create("default", object("{\"metadata\":{\"name\":\"b\",\"labels\":{\"app\":\"x\"}}}"), false);
            configMaps.delete("default", "b", DeleteOptions.NONE);

            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                WatchEvent event = events.poll(10, TimeUnit.SECONDS);
                seen.add(event.type() + " " + event.object().path("metadata").path("name").asText());
            }
            assertEquals(List.of("MODIFIED a", "DELETED a", "ADDED b", "DELETED b"), seen);
            assertTrue(events.poll(300, TimeUnit.MILLISECONDS) == null, "the unselected object never shows up");
        }
    }

    @Test
    void finalizersHoldADeletedObjectUntilTheyAreRemoved() {
        configMaps.create("default", object("{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/x\"]}}"), false);
        GenericStore.DeleteResult outcome = configMaps.delete("default", "held", DeleteOptions.NONE);
        assertFalse(outcome.deleted());
        ObjectNode marked = outcome.body();
        assertEquals("ConfigMap", marked.path("kind").asText());
        assertEquals("2026-01-02T03:04:05Z", marked.path("metadata").path("deletionTimestamp").asText());
        assertEquals(0, marked.path("metadata").path("deletionGracePeriodSeconds").asInt(-1));
        ObjectNode released = configMaps.get("default", "held");
        ((ObjectNode) released.path("metadata")).putArray("finalizers");
        configMaps.update("default", "held", released, false);
        assertThrows(StatusException.class, () -> configMaps.get("default", "held"));
    }

    @Test
    void deletePreconditionsAreChecked() {
        configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"}}"), false);
        StatusException conflict = assertThrows(StatusException.class,
                () -> configMaps.delete("default", "a", DeleteOptions.preconditions("other-uid", null)));
        assertEquals(409, conflict.code());
        String uid = configMaps.get("default", "a").path("metadata").path("uid").asText();
        assertEquals("Operation cannot be fulfilled on ConfigMap \"a\": the UID in the precondition (other-uid) does"
                + " not match the UID in record (" + uid + "). The object might have been deleted and then recreated",
                conflict.getMessage());
        assertEquals("{\"name\":\"a\",\"kind\":\"ConfigMap\"}", conflict.toStatus().path("details").toString());
        StatusException stale = assertThrows(StatusException.class,
                () -> configMaps.delete("default", "a", DeleteOptions.preconditions(null, "1")));
        assertTrue(stale.getMessage().endsWith("the ResourceVersion in the precondition (1) does not match the"
                + " ResourceVersion in record (" + configMaps.get("default", "a").path("metadata").path("resourceVersion")
                .asText() + "). The object might have been modified"), stale.getMessage());
        GenericStore.DeleteResult outcome = configMaps.delete("default", "a", DeleteOptions.preconditions(uid, null));
        assertTrue(outcome.deleted());
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"details\":"
                + "{\"name\":\"a\",\"kind\":\"configmaps\",\"uid\":\"" + uid + "\"}}", outcome.body().toString());
    }

    @Test
    void namespacesStartActiveWithTheKubernetesFinalizerInSpec() {
        ObjectNode ns = namespaces.get(null, "default");
        assertEquals("Active", ns.path("status").path("phase").asText());
        assertEquals("kubernetes", ns.path("spec").path("finalizers").get(0).asText());
        assertFalse(ns.path("metadata").has("namespace"));
    }

    @Test
    void workloadsCountSpecChangesAndWriteStatusOnlyThroughTheSubresource() {
        ResourceCatalog catalog = BuiltInResources.catalog();
        GenericStore deployments = new GenericStore(catalog.find("apps", "v1", "deployments").orElseThrow(), storage,
                JSON, CLOCK, name -> GenericStore.NamespaceState.ACTIVE);
        ObjectNode created = deployments.create("default", object(
                "{\"metadata\":{\"name\":\"web\"},\"spec\":" + DeletionTest.VALID_DEPLOYMENT_SPEC
                        + ",\"status\":{\"replicas\":9}}"), false);
        assertEquals(1, created.path("metadata").path("generation").asInt());
        assertEquals(object("{}"), created.path("status"), "clients cannot set status on create");

        ObjectNode scaled = created.deepCopy();
        ((ObjectNode) scaled.path("spec")).put("replicas", 3);
        scaled.putObject("status").put("replicas", 7);
        ObjectNode updated = deployments.update("default", "web", scaled, false);
        assertEquals(2, updated.path("metadata").path("generation").asInt());
        assertEquals(object("{}"), updated.path("status"), "a write to the resource keeps the stored status");

        ObjectNode reported = updated.deepCopy();
        reported.putObject("status").put("replicas", 3);
        ((ObjectNode) reported.path("spec")).put("replicas", 100);
        ObjectNode status = deployments.update("default", "web", GenericStore.Part.STATUS, reported, false);
        assertEquals(3, status.path("status").path("replicas").asInt());
        assertEquals(3, status.path("spec").path("replicas").asInt(), "a status write keeps the spec");
        assertEquals(2, status.path("metadata").path("generation").asInt());

        ObjectNode labeled = deployments.patch("default", "web", GenericStore.PatchType.MERGE_PATCH,
                object("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}"), false);
        assertEquals(2, labeled.path("metadata").path("generation").asInt(), "metadata changes are not spec changes");
        assertEquals(3, labeled.path("status").path("replicas").asInt());
    }

    @Test
    void strategicMergePatchesRetryConflictsUnlessThePatchPinsAResourceVersion() throws Exception {
        ObjectNode created = configMaps.create("default", object("{\"metadata\":{\"name\":\"smp\"}}"), false);
        int writers = 6;
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ObjectNode>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String finalizer = "kj.dev/f" + i;
                done.add(threads.submit(() -> configMaps.patch("default", "smp", GenericStore.PatchType.STRATEGIC_MERGE_PATCH,
                        object("{\"metadata\":{\"finalizers\":[\"" + finalizer + "\"]}}"), false)));
            }
            for (var write : done) {
                write.get(30, TimeUnit.SECONDS);
            }
        }
        JsonNode finalizers = configMaps.get("default", "smp").path("metadata").path("finalizers");
        assertEquals(writers, finalizers.size(), "every concurrent patch merged into the set: " + finalizers);

        StatusException pinned = assertThrows(StatusException.class, () -> configMaps.patch("default", "smp",
                GenericStore.PatchType.STRATEGIC_MERGE_PATCH, object("{\"metadata\":{\"resourceVersion\":\""
                        + created.path("metadata").path("resourceVersion").asText() + "\",\"labels\":{\"a\":\"b\"}}}"), false));
        assertEquals(409, pinned.code(), "a patch naming an old resourceVersion conflicts");
    }

    @Test
    void scaleIsAViewOfSpecReplicas() {
        GenericStore deployments = new GenericStore(BuiltInResources.catalog().find("apps", "v1", "deployments").orElseThrow(),
                storage, JSON, CLOCK, name -> GenericStore.NamespaceState.ACTIVE);
        deployments.create("default", object("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":1,"
                + "\"selector\":{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"tier\","
                + "\"operator\":\"In\",\"values\":[\"b\",\"a\"]},{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]},"
                + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"a\"}},\"spec\":{\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}"), false);
        ScaleSubresource scale = new ScaleSubresource(deployments);
        ObjectNode view = scale.get("default", "web");
        assertEquals("Scale", view.path("kind").asText());
        assertEquals("autoscaling/v1", view.path("apiVersion").asText());
        assertEquals(1, view.path("spec").path("replicas").asInt());
        assertEquals("app=web,!canary,tier in (a,b)", view.path("status").path("selector").asText());
        ObjectNode scaled = scale.patch("default", "web", GenericStore.PatchType.MERGE_PATCH,
                object("{\"spec\":{\"replicas\":4}}"), false);
        assertEquals(4, scaled.path("spec").path("replicas").asInt());
        ObjectNode deployment = deployments.get("default", "web");
        assertEquals(4, deployment.path("spec").path("replicas").asInt());
        assertEquals(2, deployment.path("metadata").path("generation").asInt());
        assertEquals(deployment.path("metadata").path("resourceVersion"), scaled.path("metadata").path("resourceVersion"));
        StatusException stale = assertThrows(StatusException.class, () -> scale.update("default", "web", view, false));
        assertEquals(409, stale.code(), "a Scale carrying an old resourceVersion conflicts");
    }

    @Test
    void compactedHistoryEndsOldWatchesAndContinueTokensWith410() throws Exception {
        ObjectNode a = configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"}}"), false);
        configMaps.create("default", object("{\"metadata\":{\"name\":\"b\"}}"), false);
        String old = a.path("metadata").path("resourceVersion").asText();
        ObjectNode page = configMaps.list("default", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                "", "", 1, ""));
        ObjectNode later = configMaps.create("default", object("{\"metadata\":{\"name\":\"c\"}}"), false);
        long compactTo = Long.parseLong(later.path("metadata").path("resourceVersion").asText());
        storage.compact(compactTo);

        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = configMaps.watch("default", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                old, "", 0, ""), events::add)) {
            WatchEvent event = events.poll(10, TimeUnit.SECONDS);
            assertTrue(event instanceof WatchEvent.Error, String.valueOf(event));
            assertEquals(410, event.object().path("code").asInt());
            assertEquals("Expired", event.object().path("reason").asText());
            assertEquals("too old resource version: " + old + " (" + compactTo + ")", event.object().path("message").asText());
        }
        StatusException expired = assertThrows(StatusException.class, () -> configMaps.list("default",
                new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING, "", "", 1,
                        page.path("metadata").path("continue").asText())));
        assertEquals(410, expired.code());
        assertTrue(expired.getMessage().startsWith("The provided continue parameter is too old"));
    }

    @Test
    void listResourceVersionSemantics() {
        ObjectNode a = configMaps.create("default", object("{\"metadata\":{\"name\":\"a\"}}"), false);
        long created = Long.parseLong(a.path("metadata").path("resourceVersion").asText());
        configMaps.delete("default", "a", DeleteOptions.NONE);
        ObjectNode exact = configMaps.list("default", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                Long.toString(created), "Exact", 0, ""));
        assertEquals(List.of("a"), names(exact), "Exact reads the past");
        assertEquals(Long.toString(created), exact.path("metadata").path("resourceVersion").asText());
        ObjectNode notOlder = configMaps.list("default", new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                Long.toString(created), "", 0, ""));
        assertEquals(List.of(), names(notOlder), "NotOlderThan may answer with newer state");
        StatusException future = assertThrows(StatusException.class, () -> configMaps.list("default",
                new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING, Long.toString(created + 1000), "", 0, "")));
        assertEquals(504, future.code());
        assertTrue(future.getMessage().startsWith("Too large resource version: " + (created + 1000) + ", current: "));
    }

    @Test
    void eventsExpireAfterTheirTimeToLive() throws Exception {
        GenericStore events = new GenericStore(BuiltInResources.catalog(java.time.Duration.ofSeconds(2))
                .find("", "v1", "events").orElseThrow(), storage, JSON, Clock.systemUTC(),
                name -> GenericStore.NamespaceState.ACTIVE);
        configMaps.create("default", object("{\"metadata\":{\"name\":\"stays\"}}"), false);
        events.create("default", object("{\"metadata\":{\"name\":\"e1\"},\"reason\":\"Test\"}"), false);
        assertEquals("Test", events.get("default", "e1").path("reason").asText());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (storage.get("/registry/events/default/e1").isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(storage.get("/registry/events/default/e1").isEmpty(), "the event's lease expired");
        assertTrue(storage.get("/registry/configmaps/default/stays").isPresent(), "objects without a TTL stay");
    }

    @Test
    void rbacNamesArePathSegments() {
        GenericStore clusterRoles = new GenericStore(BuiltInResources.catalog()
                .find("rbac.authorization.k8s.io", "v1", "clusterroles").orElseThrow(), storage, JSON, CLOCK,
                name -> GenericStore.NamespaceState.ACTIVE);
        clusterRoles.create(null, object("{\"metadata\":{\"name\":\"system:controller:x\"}}"), false);
        StatusException slash = assertThrows(StatusException.class,
                () -> clusterRoles.create(null, object("{\"metadata\":{\"name\":\"a/b\"}}"), false));
        assertEquals("ClusterRole.rbac.authorization.k8s.io \"a/b\" is invalid: metadata.name: Invalid value: \"a/b\": may not contain '/'",
                slash.getMessage());
    }

    private static List<String> names(ObjectNode list) {
        List<String> names = new ArrayList<>();
        list.path("items").forEach(item -> names.add(item.path("metadata").path("name").asText()));
        return names;
    }

    /**
     * A version served over another storage version: bodies are stored converted, answers come back
     * in the served version, and an object an older server stored in the served version is read too.
     */
    @Test
    void storageVersionsConvertAtTheEdges() throws Exception {
        ResourceCatalog catalog = BuiltInResources.catalog();
        GenericStore v1 = new GenericStore(catalog.find("autoscaling", "v1", "horizontalpodautoscalers").orElseThrow(),
                storage, JSON, CLOCK, name -> GenericStore.NamespaceState.ACTIVE);
        GenericStore v2 = new GenericStore(catalog.find("autoscaling", "v2", "horizontalpodautoscalers").orElseThrow(),
                storage, JSON, CLOCK, name -> GenericStore.NamespaceState.ACTIVE);
        ObjectNode created = v1.create("default", object("""
                {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"a"},
                 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"a"},"maxReplicas":3}}"""), false);
        assertEquals("autoscaling/v1", created.path("apiVersion").asText());
        JsonNode stored = JSON.readTree(storage.get("/registry/horizontalpodautoscalers/default/a").orElseThrow().value());
        assertEquals("autoscaling/v2", stored.path("apiVersion").asText());
        assertEquals(80, stored.path("spec").path("metrics").get(0).path("resource").path("target").path("averageUtilization").asInt(),
                "v1's implicit CPU target becomes explicit in v2");

        // written by an older server in v1: read through both versions
        storage.create("/registry/horizontalpodautoscalers/default/legacy", JSON.writeValueAsBytes(object("""
                {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"legacy","namespace":"default",
                 "uid":"u-1","creationTimestamp":"2020-01-01T00:00:00Z"},
                 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"legacy"},"maxReplicas":2,"targetCPUUtilizationPercentage":40}}""")));
        assertEquals(40, v2.get("default", "legacy").path("spec").path("metrics").get(0).path("resource").path("target")
                .path("averageUtilization").asInt());
        assertEquals(40, v1.get("default", "legacy").path("spec").path("targetCPUUtilizationPercentage").asInt());
        // a write through v2 stores it in the storage version
        ObjectNode patched = v2.patch("default", "legacy", GenericStore.PatchType.MERGE_PATCH, object("{\"spec\":{\"maxReplicas\":4}}"), false);
        assertEquals("autoscaling/v2", patched.path("apiVersion").asText());
        assertEquals("autoscaling/v2", JSON.readTree(storage.get("/registry/horizontalpodautoscalers/default/legacy")
                .orElseThrow().value()).path("apiVersion").asText());
        List<String> names = new ArrayList<>();
        v1.list("default", ListOptions.EVERYTHING).path("items").forEach(item -> names.add(item.path("metadata").path("name").asText()
                + "@" + item.path("spec").path("maxReplicas").asInt()));
        assertEquals(List.of("a@3", "legacy@4"), names);
    }

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
