package dev.kj.controllers.garbagecollector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.client.ApiClient;
import dev.kj.api.client.Transport;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.objects.Json;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.Await;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The graph builder's bookkeeping, change by change (upstream's processGraphChanges): virtual
 * owners, their replacement by what an informer observes, owners in other namespaces, the
 * transitions that start foreground deletion and orphaning, and virtual deletes whose dependents
 * disagree on the owner's coordinates.
 */
class GraphBuilderTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final WorkQueue<Node> attemptToDelete = WorkQueue.create();
    private final WorkQueue<Node> attemptToOrphan = WorkQueue.create();
    private final ReferenceCache absent = new ReferenceCache(10);
    private final GraphBuilder graph = new GraphBuilder(null, new EventRecorder(new ApiClient(new Transport() {
        @Override
        public Response send(Request request) {
            events.add(Json.readObject(request.body()).path("reason").asText() + ": "
                    + Json.readObject(request.body()).path("message").asText());
            return Response.of(201, "application/json", request.body());
        }

        @Override
        public void close() {
        }
    }), "garbage-collector-controller", Clock.systemUTC()), attemptToDelete, attemptToOrphan, absent);

    private static PartialObjectMetadata object(String namespace, String name, String uid, List<OwnerReference> owners,
                                                List<String> finalizers, boolean deleting) {
        ObjectMeta meta = new ObjectMeta();
        meta.setNamespace(namespace);
        meta.setName(name);
        meta.setUid(uid);
        meta.setOwnerReferences(new ArrayList<>(owners));
        meta.setFinalizers(new ArrayList<>(finalizers));
        if (deleting) {
            meta.setDeletionTimestamp("2026-01-01T00:00:00Z");
        }
        PartialObjectMetadata object = new PartialObjectMetadata();
        object.setMetadata(meta);
        return object;
    }

    private static OwnerReference ref(String kind, String name, String uid, boolean blocking) {
        return new OwnerReferenceBuilder().withApiVersion("v1").withKind(kind).withName(name).withUid(uid)
                .withBlockOwnerDeletion(blocking).build();
    }

    private void add(PartialObjectMetadata object) {
        graph.process(new GraphBuilder.Change(GraphBuilder.Type.ADD, object, null, "v1", "ConfigMap", false));
    }

    private void update(PartialObjectMetadata old, PartialObjectMetadata object) {
        graph.process(new GraphBuilder.Change(GraphBuilder.Type.UPDATE, object, old, "v1", "ConfigMap", false));
    }

    private void delete(PartialObjectMetadata object) {
        graph.process(new GraphBuilder.Change(GraphBuilder.Type.DELETE, object, null, "v1", "ConfigMap", false));
    }

    /** What was queued, by name, in order; the queue is empty afterwards. */
    private static List<String> drained(WorkQueue<Node> queue) {
        List<String> names = new ArrayList<>();
        try {
            while (queue.len() > 0) {
                Node node = queue.get().orElseThrow();
                names.add(node.identity().name() + (node.isObserved() ? "" : " (virtual)"));
                queue.done(node);
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    @Test
    void anOwnerNamedBeforeItIsSeenIsVirtualUntilObserved() {
        add(object("ns", "dependent", "d", List.of(ref("ConfigMap", "owner", "o", true)), List.of(), false));
        assertEquals(List.of("owner (virtual)"), drained(attemptToDelete), "the collector is to check whether it exists");
        assertFalse(graph.node("o").isObserved());
        add(object("ns", "owner", "o", List.of(), List.of(), false));
        assertTrue(graph.node("o").isObserved());
        assertEquals(List.of(), drained(attemptToDelete), "the dependent named it rightly: nothing to check");
        assertEquals(List.of("dependent"), graph.node("o").dependents().stream().map(n -> n.identity().name()).toList());
    }

    @Test
    void anObservedOwnerWithOtherCoordinatesReplacesTheVirtualNodeAndQueuesTheDependent() {
        add(object("ns", "dependent", "d", List.of(ref("Secret", "owner", "o", true)), List.of(), false));
        drained(attemptToDelete);
        add(object("ns", "owner", "o", List.of(), List.of(), false));
        assertEquals("ConfigMap", graph.node("o").identity().kind(), "the observed identity replaces the virtual one");
        assertEquals(List.of("dependent"), drained(attemptToDelete), "its reference is checked again");
    }

    @Test
    void anOwnerInAnotherNamespaceIsReportedOnTheDependent() throws Exception {
        add(object("owners", "owner", "o", List.of(), List.of(), false));
        add(object("ns", "cross", "d", List.of(ref("ConfigMap", "owner", "o", false)), List.of(), false));
        assertEquals(List.of("cross"), drained(attemptToDelete));
        for (int i = 0; i < 100 && events.isEmpty(); i++) {
            Thread.sleep(20);
        }
        assertEquals(List.of("OwnerRefInvalidNamespace: ownerRef [v1/ConfigMap, namespace: ns, name: owner, uid: o] does"
                + " not exist in namespace \"ns\""), events);
    }

    @Test
    void deletionTransitionsAndDeletesQueueTheRightWork() {
        PartialObjectMetadata owner = object("ns", "owner", "o", List.of(), List.of(), false);
        add(owner);
        PartialObjectMetadata blocking = object("ns", "blocking", "b", List.of(ref("ConfigMap", "owner", "o", true)), List.of(), false);
        add(blocking);
        add(object("ns", "other", "x", List.of(ref("ConfigMap", "owner", "o", false)), List.of(), false));
        drained(attemptToDelete);

        PartialObjectMetadata foreground = object("ns", "owner", "o", List.of(), List.of("foregroundDeletion"), true);
        update(owner, foreground);
        assertTrue(graph.node("o").isDeletingDependents());
        List<String> queued = drained(attemptToDelete);
        assertEquals(List.of("blocking", "other", "owner"), queued.stream().sorted().toList(),
                "dependents first, then the owner waiting for them");
        update(foreground, foreground);
        assertEquals(List.of(), drained(attemptToDelete), "a transition acts once");

        PartialObjectMetadata unblocked = object("ns", "blocking", "b", List.of(ref("ConfigMap", "owner", "o", false)),
                List.of(), false);
        update(blocking, unblocked);
        assertEquals(List.of("owner"), drained(attemptToDelete), "an owner waiting for dependents looks again once one unblocks");

        delete(unblocked);
        assertEquals(List.of("owner"), drained(attemptToDelete), "and once one goes");
        delete(foreground);
        assertEquals(List.of("other"), drained(attemptToDelete), "dependents of a deleted owner are checked");
        assertTrue(absent.has(new ObjectReference("v1", "ConfigMap", "owner", "o", "ns")));

        PartialObjectMetadata orphaning = object("ns", "parent", "p", List.of(), List.of(), false);
        add(orphaning);
        update(orphaning, object("ns", "parent", "p", List.of(), List.of("orphan"), true));
        assertEquals(List.of("parent"), drained(attemptToOrphan));
    }

    @Test
    void aVirtualDeleteKeepsANodeOtherDependentsNameDifferently() {
        add(object("ns", "as-config-map", "d1", List.of(ref("ConfigMap", "owner", "o", false)), List.of(), false));
        add(object("ns", "as-secret", "d2", List.of(ref("Secret", "owner", "o", false)), List.of(), false));
        drained(attemptToDelete);
        graph.process(new GraphBuilder.Change(GraphBuilder.Type.DELETE, virtual("ns", "owner", "o"), null, "v1",
                "ConfigMap", true));
        assertEquals("Secret", graph.node("o").identity().kind(), "replaced by the identity the other dependent names");
        Await.sleepQuietly(java.time.Duration.ofMillis(100)); // the replacement comes back rate-limited
        assertEquals(List.of("as-config-map", "owner (virtual)"), drained(attemptToDelete),
                "the dependent naming the absent identity is collected, the replacement checked in turn");
        assertTrue(absent.has(new ObjectReference("v1", "ConfigMap", "owner", "o", "ns")));
    }

    private static PartialObjectMetadata virtual(String namespace, String name, String uid) {
        return object(namespace, name, uid, List.of(), List.of(), false);
    }

    @Test
    void alternateIdentitiesFollowTheAbsentOneInUpstreamsOrder() {
        Node a = new Node(new ObjectReference("v1", "ConfigMap", "d1", "d1", "ns"),
                OwnerRef.of(List.of(ref("Secret", "owner", "o", false))), false);
        Node b = new Node(new ObjectReference("v1", "ConfigMap", "d2", "d2", "ns"),
                OwnerRef.of(List.of(ref("Alpha", "owner", "o", false))), false);
        ObjectReference absentIdentity = new ObjectReference("v1", "ConfigMap", "owner", "o", "ns");
        assertEquals("Secret", GraphBuilder.alternateOwnerIdentity(List.of(a, b), absentIdentity).kind(),
                "the first one after ConfigMap");
        assertEquals("Alpha", GraphBuilder.alternateOwnerIdentity(List.of(b), absentIdentity).kind(),
                "else the first one");
    }
}
