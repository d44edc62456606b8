package dev.kj.controllers.garbagecollector;

import dev.kj.api.Resource;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.InformerFactory;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Keeps the ownership graph (upstream's GraphBuilder): one metadata-only informer per resource
 * ("monitor") feeds every add, update and delete into one queue; a single thread applies them to
 * the graph of nodes keyed by uid — adding virtual nodes for owners not observed yet — and queues
 * what may now be garbage for {@code attemptToDelete}, and owners whose dependents are to be
 * orphaned for {@code attemptToOrphan}.
 */
final class GraphBuilder {
    private static final System.Logger LOG = System.getLogger(GraphBuilder.class.getName());

    /** Events are never garbage collected (upstream's ignoredResources). */
    static final Set<String> IGNORED = Set.of("/events", "events.k8s.io/events");

    enum Type { ADD, UPDATE, DELETE }

    /**
     * One change to apply.
     *
     * @param virtual made by the collector (an owner the API server does not have), not by an informer
     */
    record Change(Type type, PartialObjectMetadata object, PartialObjectMetadata old, String apiVersion, String kind,
                  boolean virtual) {
    }

    private record Monitor(SharedInformer<PartialObjectMetadata> informer, Registration registration) {
    }

    private final InformerFactory informers;
    private final EventRecorder events;
    private final BlockingQueue<Change> graphChanges = new LinkedBlockingQueue<>();
    private final Map<String, Node> uidToNode = new ConcurrentHashMap<>();
    private final WorkQueue<Node> attemptToDelete;
    private final WorkQueue<Node> attemptToOrphan;
    private final ReferenceCache absentOwnerCache;
    private final Map<Resource, Monitor> monitors = new LinkedHashMap<>();
    private volatile boolean stopped;

    GraphBuilder(InformerFactory informers, EventRecorder events, WorkQueue<Node> attemptToDelete,
                 WorkQueue<Node> attemptToOrphan, ReferenceCache absentOwnerCache) {
        this.informers = informers;
        this.events = events;
        this.attemptToDelete = attemptToDelete;
        this.attemptToOrphan = attemptToOrphan;
        this.absentOwnerCache = absentOwnerCache;
    }

    // ---- monitors ----

    /**
     * Watches exactly {@code resources} (less the ignored ones): monitors for new resources are
     * added and started, those for resources no longer served stop feeding the graph.
     */
    synchronized void syncMonitors(List<Resource> resources) {
        Map<Resource, Monitor> toRemove = new HashMap<>(monitors);
        int added = 0;
        for (Resource resource : resources) {
            if (IGNORED.contains(resource.group() + "/" + resource.plural())) {
                continue;
            }
            if (toRemove.remove(resource) != null) {
                continue;
            }
            SharedInformer<PartialObjectMetadata> informer = informers.metadata(resource);
            Registration registration = informer.addEventHandler(handler(resource));
            monitors.put(resource, new Monitor(informer, registration));
            added++;
        }
        for (Map.Entry<Resource, Monitor> gone : toRemove.entrySet()) {
            gone.getValue().registration().remove();
            monitors.remove(gone.getKey());
        }
        informers.start();
        LOG.log(System.Logger.Level.DEBUG, "synced monitors; added {0}, kept {1}, removed {2}", added,
                monitors.size() - added, toRemove.size());
    }

    private EventHandler<PartialObjectMetadata> handler(Resource resource) {
        return new EventHandler<>() {
            @Override
            public void onAdd(PartialObjectMetadata object, boolean initialList) {
                graphChanges.add(new Change(Type.ADD, object, null, resource.apiVersion(), resource.kind(), false));
            }

            @Override
            public void onUpdate(PartialObjectMetadata old, PartialObjectMetadata current) {
                graphChanges.add(new Change(Type.UPDATE, current, old, resource.apiVersion(), resource.kind(), false));
            }

            @Override
            public void onDelete(PartialObjectMetadata lastKnown, boolean finalStateUnknown) {
                graphChanges.add(new Change(Type.DELETE, lastKnown, null, resource.apiVersion(), resource.kind(), false));
            }
        };
    }

    /** True once there are monitors and every one has delivered its initial list. */
    synchronized boolean isSynced() {
        return !monitors.isEmpty() && monitors.values().stream().allMatch(m -> m.registration().hasSynced());
    }

    /** The cached metadata of an object, if a monitor watches its resource and has it. */
    synchronized java.util.Optional<PartialObjectMetadata> cached(Resource resource, String namespace, String name) {
        Monitor monitor = monitors.get(resource);
        return monitor == null ? java.util.Optional.empty() : monitor.informer().indexer().get(namespace, name);
    }

    synchronized void stop() {
        stopped = true;
        monitors.values().forEach(m -> m.registration().remove());
        monitors.clear();
        graphChanges.add(new Change(Type.DELETE, null, null, "", "", true)); // wakes the processing thread
    }

    // ---- the graph ----

    Node node(String uid) {
        return uidToNode.get(uid);
    }

    /** For the collector: the API server has no object for this virtual node's identity. */
    void enqueueVirtualDelete(ObjectReference identity) {
        PartialObjectMetadata object = new PartialObjectMetadata();
        ObjectMeta meta = new ObjectMeta();
        meta.setNamespace(identity.namespace().isEmpty() ? null : identity.namespace());
        meta.setUid(identity.uid());
        meta.setName(identity.name());
        object.setMetadata(meta);
        graphChanges.add(new Change(Type.DELETE, object, null, identity.apiVersion(), identity.kind(), true));
    }

    /** Applies changes one at a time until stopped (upstream's runProcessGraphChanges). */
    void run() throws InterruptedException {
        while (!stopped) {
            Change change = graphChanges.take();
            if (stopped) {
                return;
            }
            try {
                process(change);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "garbage collector: applying " + change.type() + " of "
                        + change.kind() + " failed", e);
            }
        }
    }

    private static ObjectReference identity(Change change) {
        ObjectMeta meta = change.object().getMetadata();
        return new ObjectReference(change.apiVersion(), change.kind(), nullToEmpty(meta.getName()),
                nullToEmpty(meta.getUid()), meta.getNamespace());
    }

    void process(Change change) {
        ObjectMeta meta = change.object().getMetadata();
        String uid = nullToEmpty(meta.getUid());
        Node existing = uidToNode.get(uid);
        if (existing != null && !change.virtual() && !existing.isObserved()) {
            // an informer has seen the object behind a virtual node
            ObjectReference observed = identity(change);
            if (!observed.equals(existing.identity())) {
                // dependents that named it differently are checked again (bad child, then good parent)
                for (Node dependent : partitionDependents(existing.dependents(), observed).nonMatching()) {
                    if (!observed.namespace().isEmpty() && !dependent.identity().namespace().equals(observed.namespace())) {
                        reportInvalidNamespaceOwnerRef(dependent, observed.uid());
                    }
                    attemptToDelete.add(dependent);
                }
                LOG.log(System.Logger.Level.DEBUG, "replacing virtual item {0} with observed item {1}", existing.identity(),
                        observed);
                existing = existing.withIdentity(observed);
                uidToNode.put(uid, existing);
            }
            existing.markObserved();
        }
        boolean beingDeleted = meta.getDeletionTimestamp() != null;
        switch (change.type()) {
            case ADD, UPDATE -> {
                List<OwnerRef> owners = OwnerRef.of(meta.getOwnerReferences());
                if (existing == null) {
                    Node created = new Node(identity(change), owners, false);
                    if (beingDeleted) {
                        created.markBeingDeleted();
                        if (hasFinalizer(meta, FOREGROUND)) {
                            created.markDeletingDependents();
                        }
                    }
                    uidToNode.put(uid, created);
                    addDependentToOwners(created, owners);
                    processTransitions(change.old(), meta, created);
                } else {
                    ReferenceDiff diff = referencesDiffs(existing.owners(), owners);
                    if (!diff.isEmpty()) {
                        // owners waiting for this dependent's deletion may be unblocked now
                        addUnblockedOwnersToDeleteQueue(diff);
                        existing.setOwners(owners);
                        addDependentToOwners(existing, diff.added());
                        removeDependentFromOwners(existing, diff.removed());
                    }
                    if (beingDeleted) {
                        existing.markBeingDeleted();
                    }
                    processTransitions(change.old(), meta, existing);
                }
            }
            case DELETE -> {
                if (existing == null) {
                    return; // an object the graph never had
                }
                processDelete(change, existing);
            }
        }
    }

    private void processDelete(Change change, Node existing) {
        boolean removeExisting = true;
        if (change.virtual()) {
            ObjectReference deleted = identity(change);
            if (!existing.isObserved()) {
                // a virtual node: its dependents may disagree on its coordinates
                Partition partition = partitionDependents(existing.dependents(), deleted);
                if (!partition.nonMatching().isEmpty()) {
                    removeExisting = false;
                    if (!partition.matching().isEmpty()) {
                        absentOwnerCache.add(deleted);
                        partition.matching().forEach(attemptToDelete::add);
                    }
                    if (existing.identity().equals(deleted)) {
                        ObjectReference replacement = alternateOwnerIdentity(partition.nonMatching(), deleted);
                        if (replacement != null) {
                            Node replacementNode = existing.withIdentity(replacement);
                            uidToNode.put(replacement.uid(), replacementNode);
                            attemptToDelete.addRateLimited(replacementNode);
                        }
                    }
                }
            } else if (!existing.identity().equals(deleted)) {
                // the observed object disagrees with the virtual delete's coordinates: keep it
                removeExisting = false;
                List<Node> matching = partitionDependents(existing.dependents(), deleted).matching();
                if (!matching.isEmpty()) {
                    absentOwnerCache.add(deleted);
                    matching.forEach(attemptToDelete::add);
                }
            }
        }
        if (!removeExisting) {
            return;
        }
        uidToNode.remove(existing.identity().uid());
        removeDependentFromOwners(existing, existing.owners());
        List<Node> dependents = existing.dependents();
        if (!dependents.isEmpty()) {
            absentOwnerCache.add(identity(change));
        }
        dependents.forEach(attemptToDelete::add);
        for (OwnerRef owner : existing.owners()) {
            Node ownerNode = uidToNode.get(owner.uid());
            if (ownerNode != null && ownerNode.isDeletingDependents()) {
                attemptToDelete.add(ownerNode); // it may be waiting for no more than this dependent
            }
        }
    }

    static final String ORPHAN = "orphan";
    static final String FOREGROUND = "foregroundDeletion";

    /** Deletion with the orphan or foregroundDeletion finalizer just began: act on the owner. */
    private void processTransitions(PartialObjectMetadata old, ObjectMeta current, Node node) {
        if (startsWaitingFor(old, current, ORPHAN)) {
            attemptToOrphan.add(node);
            return;
        }
        if (startsWaitingFor(old, current, FOREGROUND)) {
            node.markDeletingDependents(); // a node added as virtual did not know
            node.dependents().forEach(attemptToDelete::add);
            attemptToDelete.add(node);
        }
    }

    private static boolean startsWaitingFor(PartialObjectMetadata old, ObjectMeta current, String finalizer) {
        if (current.getDeletionTimestamp() == null || !hasFinalizer(current, finalizer)) {
            return false;
        }
        return old == null || old.getMetadata().getDeletionTimestamp() == null || !hasFinalizer(old.getMetadata(), finalizer);
    }

    static boolean hasFinalizer(ObjectMeta meta, String finalizer) {
        return meta.getFinalizers() != null && meta.getFinalizers().contains(finalizer);
    }

    /**
     * Adds {@code node} to its owners' dependents; an owner not in the graph gets a virtual node,
     * queued so the collector asks the API server whether it exists. A reference that cannot be
     * right (another namespace's owner, other coordinates than the observed owner's) queues the
     * dependent for a check, with an event when the owner was observed in another namespace.
     */
    private void addDependentToOwners(Node node, List<OwnerRef> owners) {
        boolean potentiallyInvalid = false;
        for (OwnerRef owner : owners) {
            Node ownerNode = uidToNode.get(owner.uid());
            boolean known = ownerNode != null;
            if (!known) {
                ownerNode = new Node(owner.coordinates(node.identity().namespace()), List.of(), true);
                LOG.log(System.Logger.Level.TRACE, "add virtual item {0}", ownerNode.identity());
                uidToNode.put(owner.uid(), ownerNode);
            }
            ownerNode.addDependent(node);
            if (!known) {
                attemptToDelete.add(ownerNode);
            } else if (!potentiallyInvalid) {
                ObjectReference ownerIdentity = ownerNode.identity();
                boolean ownerNamespaced = !ownerIdentity.namespace().isEmpty();
                if (ownerNamespaced && !ownerIdentity.namespace().equals(node.identity().namespace())) {
                    if (ownerNode.isObserved()) {
                        reportInvalidNamespaceOwnerRef(node, owner.uid());
                    }
                    potentiallyInvalid = true;
                } else if (!owner.matchesCoordinates(ownerIdentity)) {
                    potentiallyInvalid = true;
                } else if (!ownerNamespaced && !ownerIdentity.namespace().equals(node.identity().namespace())
                        && !ownerNode.isObserved()) {
                    // a virtual cluster-scoped owner named from elsewhere may be a namespaced kind (kubernetes#98040)
                    potentiallyInvalid = true;
                }
            }
        }
        if (potentiallyInvalid) {
            attemptToDelete.add(node);
        }
    }

    private void removeDependentFromOwners(Node node, List<OwnerRef> owners) {
        for (OwnerRef owner : owners) {
            Node ownerNode = uidToNode.get(owner.uid());
            if (ownerNode != null) {
                ownerNode.deleteDependent(node);
            }
        }
    }

    /** A warning event on a dependent that names an owner in another namespace. */
    private void reportInvalidNamespaceOwnerRef(Node node, String invalidOwnerUid) {
        OwnerRef invalid = null;
        for (OwnerRef owner : node.owners()) {
            if (owner.uid().equals(invalidOwnerUid)) {
                invalid = owner;
                break;
            }
        }
        if (invalid == null) {
            return;
        }
        ObjectReference identity = node.identity();
        ObjectReference invalidIdentity = invalid.coordinates(identity.namespace());
        events.event(new EventRecorder.InvolvedObject(identity.apiVersion(), identity.kind(), identity.namespace(),
                identity.name(), identity.uid()), EventRecorder.WARNING, "OwnerRefInvalidNamespace",
                "ownerRef " + invalidIdentity + " does not exist in namespace \"" + identity.namespace() + "\"");
    }

    private record ReferenceDiff(List<OwnerRef> added, List<OwnerRef> removed, List<OwnerRef[]> changed) {
        boolean isEmpty() {
            return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
        }
    }

    /** Owner references added, removed and changed (by uid) between two versions of an object. */
    private static ReferenceDiff referencesDiffs(List<OwnerRef> old, List<OwnerRef> current) {
        Map<String, OwnerRef> oldByUid = new LinkedHashMap<>();
        old.forEach(ref -> oldByUid.put(ref.uid(), ref));
        List<OwnerRef> added = new ArrayList<>();
        List<OwnerRef[]> changed = new ArrayList<>();
        for (OwnerRef ref : current) {
            OwnerRef before = oldByUid.remove(ref.uid());
            if (before == null) {
                added.add(ref);
            } else if (!before.equals(ref)) {
                changed.add(new OwnerRef[] {before, ref});
            }
        }
        return new ReferenceDiff(added, new ArrayList<>(oldByUid.values()), changed);
    }

    /** Owners a dependent blocked until now (its blocking reference removed or unblocked) are checked again. */
    private void addUnblockedOwnersToDeleteQueue(ReferenceDiff diff) {
        for (OwnerRef ref : diff.removed()) {
            if (ref.blocks()) {
                Node owner = uidToNode.get(ref.uid());
                if (owner != null) {
                    attemptToDelete.add(owner);
                }
            }
        }
        for (OwnerRef[] change : diff.changed()) {
            if (change[0].blocks() && !change[1].blocks()) {
                Node owner = uidToNode.get(change[1].uid());
                if (owner != null) {
                    attemptToDelete.add(owner);
                }
            }
        }
    }

    record Partition(List<Node> matching, List<Node> nonMatching) {
    }

    /**
     * Dependents whose reference to {@code owner}'s uid agrees with its identity, and those whose
     * does not (or that live in another namespace than a namespaced owner); a dependent with
     * several references to the uid may be in both.
     */
    static Partition partitionDependents(List<Node> dependents, ObjectReference owner) {
        boolean ownerNamespaced = !owner.namespace().isEmpty();
        List<Node> matching = new ArrayList<>();
        List<Node> nonMatching = new ArrayList<>();
        for (Node dependent : dependents) {
            boolean match = false;
            boolean mismatch = false;
            if (ownerNamespaced && !owner.namespace().equals(dependent.identity().namespace())) {
                mismatch = true;
            } else {
                for (OwnerRef ref : dependent.owners()) {
                    if (ref.uid().equals(owner.uid())) {
                        if (ref.matchesCoordinates(owner)) {
                            match = true;
                        } else {
                            mismatch = true;
                        }
                    }
                }
            }
            if (match) {
                matching.add(dependent);
            }
            if (mismatch) {
                nonMatching.add(dependent);
            }
        }
        return new Partition(matching, nonMatching);
    }

    /**
     * Another identity dependents name the absent owner's uid by: the first one after
     * {@code absent} in {@link ObjectReference#lessThan} order, else the first one; null when none.
     */
    static ObjectReference alternateOwnerIdentity(List<Node> dependents, ObjectReference absent) {
        boolean absentClusterScoped = absent.namespace().isEmpty();
        java.util.Set<ObjectReference> seen = new java.util.HashSet<>();
        seen.add(absent);
        ObjectReference first = null;
        ObjectReference firstFollowing = null;
        for (Node dependent : dependents) {
            for (OwnerRef ref : dependent.owners()) {
                if (!ref.uid().equals(absent.uid())) {
                    continue;
                }
                if (ref.matchesCoordinates(absent)
                        && (absentClusterScoped || absent.namespace().equals(dependent.identity().namespace()))) {
                    continue;
                }
                ObjectReference candidate = ref.coordinates(dependent.identity().namespace());
                if (absentClusterScoped && candidate.apiVersion().equals(absent.apiVersion())
                        && candidate.kind().equals(absent.kind())) {
                    candidate = candidate.inNamespace(""); // that kind is known to be cluster-scoped
                }
                if (!seen.add(candidate)) {
                    continue;
                }
                if (first == null || candidate.lessThan(first)) {
                    first = candidate;
                }
                if (absent.lessThan(candidate) && (firstFollowing == null || candidate.lessThan(firstFollowing))) {
                    firstFollowing = candidate;
                }
            }
        }
        return firstFollowing != null ? firstFollowing : first;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
