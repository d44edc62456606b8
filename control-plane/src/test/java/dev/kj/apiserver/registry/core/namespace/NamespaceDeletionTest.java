package dev.kj.apiserver.registry.core.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.BuiltInResources;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ResourceCatalog;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A namespace's life as upstream's namespace registry leads it, on the store over an in-process
 * Rhino (the namespace controller's part is played by the test): the first delete marks it
 * Terminating, creates in it are refused, {@code finalize} changes spec.finalizers and deletes the
 * namespace once they and metadata.finalizers are empty.
 */
class NamespaceDeletionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-07-08T09:10:11Z");

    @TempDir
    Path dir;
    private RhinoServer rhino;
    private EtcdStorage storage;
    private final ManualClock clock = new ManualClock(START);
    private GenericStore namespaces;
    private GenericStore configMaps;

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        storage = new EtcdStorage(rhino.newInProcessChannel());
        ResourceCatalog catalog = BuiltInResources.catalog();
        ResourceDescription ns = catalog.find("", "v1", "namespaces").orElseThrow();
        NamespaceLifecycle lifecycle = new NamespaceLifecycle(storage, null, ns, JSON);
        namespaces = new GenericStore(ns, storage, JSON, clock, lifecycle, new NamespaceDeletion(clock), GenericStore.WriteHook.NONE,
                true);
        configMaps = new GenericStore(catalog.find("", "v1", "configmaps").orElseThrow(), storage, JSON, clock, lifecycle);
        namespaces.create(null, object("{\"metadata\":{\"name\":\"team\"}}"), false);
        configMaps.create("team", object("{\"metadata\":{\"name\":\"before\"}}"), false);
    }

    @AfterEach
    void stop() {
        storage.close();
        rhino.close();
    }

    @Test
    void theFirstDeleteMarksTheNamespaceTerminatingAndKeepsIt() {
        clock.advance(Duration.ofSeconds(4));
        GenericStore.DeleteResult marked = namespaces.delete(null, "team", DeleteOptions.NONE);
        assertFalse(marked.deleted());
        JsonNode namespace = marked.body();
        assertEquals("Namespace", namespace.path("kind").asText(), "namespaces answer deletes with the namespace");
        assertEquals("2026-07-08T09:10:15Z", namespace.path("metadata").path("deletionTimestamp").asText());
        assertFalse(namespace.path("metadata").has("deletionGracePeriodSeconds"), "spec.finalizers decide, not a grace");
        assertFalse(namespace.path("metadata").has("finalizers"));
        assertEquals("Terminating", namespace.path("status").path("phase").asText());
        assertEquals("[\"kubernetes\"]", namespace.path("spec").path("finalizers").toString());
        assertEquals(namespace, namespaces.get(null, "team"), "the answer is what was stored");
        assertEquals("before", configMaps.get("team", "before").path("metadata").path("name").asText(),
                "the content is the namespace controller's to delete");

        clock.advance(Duration.ofSeconds(30));
        GenericStore.DeleteResult again = namespaces.delete(null, "team", DeleteOptions.NONE);
        assertFalse(again.deleted());
        assertEquals(namespace, again.body(), "a delete while spec.finalizers remain changes nothing");
    }

    @Test
    void createsInATerminatingNamespaceAreRefusedWithUpstreamsStatus() {
        namespaces.delete(null, "team", DeleteOptions.NONE);
        StatusException refused = assertThrows(StatusException.class,
                () -> configMaps.create("team", object("{\"metadata\":{\"generateName\":\"cm-\"}}"), false));
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + "\"configmaps \\\"cm-\\\" is forbidden: unable to create new content in namespace team because it is"
                + " being terminated\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"cm-\",\"kind\":\"configmaps\","
                + "\"causes\":[{\"reason\":\"NamespaceTerminating\",\"message\":\"namespace team is being terminated\","
                + "\"field\":\"metadata.namespace\"}]},\"code\":403}", refused.toStatus().toString());
        ObjectNode updated = configMaps.get("team", "before");
        updated.putObject("data").put("still", "writable");
        assertEquals("writable", configMaps.update("team", "before", updated, false).path("data").path("still").asText(),
                "only creates are refused");
    }

    @Test
    void finalizeEmptiesSpecFinalizersAndTheNamespaceGoes() {
        ObjectNode marked = namespaces.delete(null, "team", DeleteOptions.NONE).body().deepCopy();
        ((ObjectNode) marked.path("spec")).putArray("finalizers");
        ((ObjectNode) marked.path("status")).put("phase", "Active"); // finalize never writes status
        ObjectNode last = namespaces.update(null, "team", GenericStore.Part.FINALIZE, marked, false);
        assertEquals("Terminating", last.path("status").path("phase").asText());
        StatusException gone = assertThrows(StatusException.class, () -> namespaces.get(null, "team"));
        assertEquals(404, gone.code());
        StatusException noNamespace = assertThrows(StatusException.class,
                () -> configMaps.create("team", object("{\"metadata\":{\"name\":\"late\"}}"), false));
        assertEquals("namespaces \"team\" not found", noNamespace.getMessage());
    }

    @Test
    void metadataFinalizersOutlastSpecFinalizers() {
        ObjectNode withFinalizer = namespaces.get(null, "team");
        ((ObjectNode) withFinalizer.path("metadata")).putArray("finalizers").add("example.com/audit");
        namespaces.update(null, "team", withFinalizer, false);
        ObjectNode marked = namespaces.delete(null, "team", DeleteOptions.NONE).body().deepCopy();
        ((ObjectNode) marked.path("spec")).putArray("finalizers");
        namespaces.update(null, "team", GenericStore.Part.FINALIZE, marked, false);
        ObjectNode held = namespaces.get(null, "team");
        assertEquals("[]", held.path("spec").path("finalizers").toString());
        assertEquals("Terminating", held.path("status").path("phase").asText());

        GenericStore.DeleteResult generic = namespaces.delete(null, "team", DeleteOptions.NONE);
        assertFalse(generic.deleted(), "with spec.finalizers done, the generic delete runs and the finalizer holds it");
        assertEquals(0, generic.body().path("metadata").path("deletionGracePeriodSeconds").asInt(-1));

        ObjectNode released = namespaces.get(null, "team");
        ((ObjectNode) released.path("metadata")).remove("finalizers");
        namespaces.update(null, "team", released, false);
        assertThrows(StatusException.class, () -> namespaces.get(null, "team"), "the last finalizer's removal deletes it");
    }

    @Test
    void theFirstDeleteSetsTheCollectorsFinalizersAsAsked() {
        for (String policy : List.of("Foreground", "Orphan")) {
            namespaces.create(null, object("{\"metadata\":{\"name\":\"" + policy.toLowerCase() + "\"}}"), false);
            ObjectNode marked = namespaces.delete(null, policy.toLowerCase(), new DeleteOptions(OptionalLong.empty(), null,
                    null, Optional.empty(), Optional.of(policy), List.of()).validated()).body();
            assertEquals(policy.equals("Orphan") ? "[\"orphan\"]" : "[\"foregroundDeletion\"]",
                    marked.path("metadata").path("finalizers").toString());
        }
        namespaces.create(null, object("{\"metadata\":{\"name\":\"legacy\"}}"), false);
        ObjectNode marked = namespaces.delete(null, "legacy", new DeleteOptions(OptionalLong.empty(), null, null,
                Optional.of(false), Optional.empty(), List.of()).validated()).body();
        assertEquals("[\"foregroundDeletion\"]", marked.path("metadata").path("finalizers").toString(),
                "orphanDependents=false asks for the dependents to go first");
    }

    @Test
    void preconditionsAndTheImmortalNamespaces() {
        String uid = namespaces.get(null, "team").path("metadata").path("uid").asText();
        StatusException wrongUid = assertThrows(StatusException.class,
                () -> namespaces.delete(null, "team", DeleteOptions.preconditions("other", null)));
        assertEquals(409, wrongUid.code());
        assertEquals("Operation cannot be fulfilled on namespaces \"team\": Precondition failed: UID in precondition:"
                + " other, UID in object meta: " + uid, wrongUid.getMessage());
        StatusException wrongVersion = assertThrows(StatusException.class,
                () -> namespaces.delete(null, "team", DeleteOptions.preconditions(uid, "1")));
        assertTrue(wrongVersion.getMessage().startsWith("Operation cannot be fulfilled on namespaces \"team\":"
                + " Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: "),
                wrongVersion.getMessage());
        for (String immortal : List.of("default", "kube-system", "kube-public")) {
            StatusException refused = assertThrows(StatusException.class,
                    () -> namespaces.delete(null, immortal, DeleteOptions.NONE));
            assertEquals(403, refused.code());
            assertEquals("namespaces \"" + immortal + "\" is forbidden: this namespace may not be deleted",
                    refused.getMessage());
        }
    }

    @Test
    void finalizerNamesAndPhasesAreValidated() {
        ObjectNode marked = namespaces.delete(null, "team", DeleteOptions.NONE).body().deepCopy();
        ((ObjectNode) marked.path("spec")).putArray("finalizers").add("cleanup");
        StatusException badName = assertThrows(StatusException.class,
                () -> namespaces.update(null, "team", GenericStore.Part.FINALIZE, marked, false));
        assertEquals("Namespace \"team\" is invalid: spec.finalizers[0]: Invalid value: \"cleanup\": name is neither a"
                + " standard finalizer name nor is it fully qualified", badName.getMessage());

        ObjectNode status = namespaces.get(null, "team");
        ((ObjectNode) status.path("status")).put("phase", "Active");
        StatusException badPhase = assertThrows(StatusException.class,
                () -> namespaces.update(null, "team", GenericStore.Part.STATUS, status, false));
        assertEquals("Namespace \"team\" is invalid: status.Phase: Invalid value: \"Active\": may only be 'Terminating'"
                + " if `deletionTimestamp` is not empty", badPhase.getMessage());

        StatusException created = assertThrows(StatusException.class, () -> namespaces.create(null,
                object("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"finalizers\":[\"example.com/a/b\"]}}"), false));
        assertTrue(created.getMessage().startsWith("Namespace \"x\" is invalid: spec.finalizers[0]: Invalid value:"
                + " \"example.com/a/b\": a qualified name must consist of"), created.getMessage());
        ObjectNode withOwn = namespaces.create(null,
                object("{\"metadata\":{\"name\":\"y\"},\"spec\":{\"finalizers\":[\"example.com/own\"]}}"), false);
        assertEquals("[\"example.com/own\",\"kubernetes\"]", withOwn.path("spec").path("finalizers").toString(),
                "the kubernetes finalizer is added to the ones given");
    }

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
