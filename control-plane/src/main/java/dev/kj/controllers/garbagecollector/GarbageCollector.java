package dev.kj.controllers.garbagecollector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resource;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ApiResource;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.DiscoveryClient;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.controller.Controller;
import dev.kj.api.controller.Requeue;
import dev.kj.api.objects.Json;
import dev.kj.api.workqueue.RateLimiter;
import dev.kj.api.workqueue.Ticker;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.ManagedController;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The garbage collector (upstream's pkg/controller/garbagecollector): the {@link GraphBuilder}
 * keeps the ownership graph from metadata-only informers of every resource that can be listed,
 * watched and deleted; workers then
 * <ul>
 * <li>{@code attemptToDelete}: delete an object whose owners are all gone (Background, or as the
 *     object's own orphan / foregroundDeletion finalizer says), delete in the foreground the
 *     dependents of an owner deleted in the foreground, remove references to absent owners while
 *     another owner stays, and remove {@code foregroundDeletion} from an owner once no dependent
 *     blocks it;</li>
 * <li>{@code attemptToOrphan}: remove an owner from its dependents' references, then its
 *     {@code orphan} finalizer.</li>
 * </ul>
 * An owner the graph has only heard of is looked up in the API server (and remembered as absent).
 * Discovery is read again every 30 seconds, so resources that appear get monitors.
 */
public final class GarbageCollector implements ManagedController {
    private static final System.Logger LOG = System.getLogger(GarbageCollector.class.getName());
    public static final String NAME = "garbage-collector-controller";
    /** upstream's --concurrent-gc-syncs default. */
    static final int WORKERS = 20;
    /** How often discovery is read for new resources (kube-controller-manager's GC resource sync). */
    static final Duration RESOURCE_SYNC = Duration.ofSeconds(30);
    private static final int ABSENT_OWNER_CACHE_SIZE = 500;

    private final ApiClient client;
    private final DiscoveryClient discovery;
    private final RestMapper restMapper;
    private final GraphBuilder graph;
    private final ReferenceCache absentOwnerCache = new ReferenceCache(ABSENT_OWNER_CACHE_SIZE);
    private final WorkQueue<Node> attemptToDelete;
    private final WorkQueue<Node> attemptToOrphan;
    private final Controller<Node> deleteWorkers;
    private final Controller<Node> orphanWorkers;
    /** Workers hold it for reading; a change of the monitored resources holds it for writing. */
    private final ReentrantReadWriteLock workerLock = new ReentrantReadWriteLock();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;
    private Set<Resource> monitored = Set.of();

    public GarbageCollector(ControllerContext context) {
        this.client = context.client();
        this.discovery = client.discovery();
        this.restMapper = new RestMapper(discovery, context.clock());
        this.attemptToDelete = new WorkQueue<>(RateLimiter.defaultControllerRateLimiter(Ticker.SYSTEM), Ticker.SYSTEM);
        this.attemptToOrphan = new WorkQueue<>(RateLimiter.defaultControllerRateLimiter(Ticker.SYSTEM), Ticker.SYSTEM);
        this.graph = new GraphBuilder(context.informers(), context.eventRecorder(NAME), attemptToDelete, attemptToOrphan,
                absentOwnerCache);
        this.deleteWorkers = new Controller<>(NAME + "-attempt-to-delete", attemptToDelete,
                node -> withWorkerLock(() -> attemptToDeleteWorker(node)), WORKERS, List.of(graph::isSynced));
        this.orphanWorkers = new Controller<>(NAME + "-attempt-to-orphan", attemptToOrphan,
                node -> withWorkerLock(() -> attemptToOrphanWorker(node)), WORKERS, List.of(graph::isSynced));
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private void withWorkerLock(Work work) throws Exception {
        workerLock.readLock().lock();
        try {
            work.run();
        } finally {
            workerLock.readLock().unlock();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run() throws InterruptedException {
        try {
            syncResources();
        } catch (RuntimeException e) {
            // workers wait for monitors; the resource sync below tries again
            LOG.log(System.Logger.Level.WARNING, "garbage collector: resource discovery failed: {0}", e.toString());
        }
        threads.add(Thread.ofVirtual().name(NAME + "-graph").start(() -> {
            try {
                graph.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        threads.add(Thread.ofVirtual().name(NAME + "-orphan").start(() -> {
            try {
                orphanWorkers.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        threads.add(Thread.ofVirtual().name(NAME + "-resources").start(this::resyncLoop));
        deleteWorkers.run();
    }

    /** Reads discovery every {@link #RESOURCE_SYNC} and monitors resources that appeared (upstream's Sync). */
    private void resyncLoop() {
        while (!closed) {
            try {
                Thread.sleep(RESOURCE_SYNC);
                syncResources();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "garbage collector: resource sync failed: {0}", e.toString());
            }
        }
    }

    /**
     * Monitors every preferred resource that supports delete, list and watch (upstream's
     * GetDeletableResources). Resources of groups discovery failed to read keep their monitors.
     * Workers pause while the set changes.
     */
    private void syncResources() {
        DiscoveryClient.Discovered discovered = discovery.serverPreferredResources();
        Set<Resource> wanted = new HashSet<>();
        for (ApiResource resource : discovered.resources()) {
            if (resource.supports("delete", "list", "watch")) {
                wanted.add(resource.resource());
            }
        }
        for (Resource kept : monitored) {
            if (discovered.failures().containsKey(kept.apiVersion())) {
                wanted.add(kept);
            }
        }
        if (wanted.isEmpty() || wanted.equals(monitored)) {
            return;
        }
        workerLock.writeLock().lock();
        try {
            restMapper.reset();
            graph.syncMonitors(List.copyOf(wanted));
            monitored = Set.copyOf(wanted);
        } finally {
            workerLock.writeLock().unlock();
        }
        LOG.log(System.Logger.Level.INFO, "garbage collector monitors {0} resources", wanted.size());
    }

    // ---- attemptToDelete ----

    private void attemptToDeleteWorker(Node node) throws Exception {
        if (!node.isObserved()) {
            Node inGraph = graph.node(node.identity().uid());
            if (inGraph == null || inGraph.isObserved()) {
                return; // deleted meanwhile, or the object behind it was observed: nothing for this virtual node
            }
        }
        try {
            attemptToDeleteItem(node);
        } catch (VirtualDeleteQueued | ClusterScopedOwnerError done) {
            return;
        } catch (RestMapper.MappingException e) {
            // a kind not (yet) served: retried, quietly
            throw Requeue.rateLimited(e.getMessage());
        }
        if (!node.isObserved()) {
            // a virtual node stays queued until an informer sees it or it is found absent (kubernetes#56121)
            throw Requeue.rateLimited("item " + node.identity() + " has not been observed via informer yet");
        }
    }

    /** The object is not there: a virtual delete was queued for the graph. */
    private static final class VirtualDeleteQueued extends Exception {
        VirtualDeleteQueued() {
            super(null, null, false, false);
        }
    }

    /** A cluster-scoped object naming a namespaced owner: retrying cannot help. */
    private static final class ClusterScopedOwnerError extends Exception {
        ClusterScopedOwnerError() {
            super("cluster-scoped objects cannot refer to namespaced owners", null, false, false);
        }
    }

    /**
     * Looks the object up; deletes it when every owner is absent; handles owners deleting their
     * dependents in the foreground; leaves it when an owner stays (removing references to absent
     * or foreground-deleting owners).
     */
    private void attemptToDeleteItem(Node item) throws Exception {
        if (item.isBeingDeleted() && !item.isDeletingDependents()) {
            return; // on its way out; its dependents are handled when it is gone
        }
        PartialObjectMetadata latest;
        try {
            latest = getObject(item.identity());
        } catch (ApiException e) {
            if (e.isNotFound()) {
                graph.enqueueVirtualDelete(item.identity());
                throw new VirtualDeleteQueued();
            }
            throw e;
        }
        if (!item.identity().uid().equals(latest.getMetadata().getUid())) {
            graph.enqueueVirtualDelete(item.identity());
            throw new VirtualDeleteQueued();
        }
        if (item.isDeletingDependents()) {
            processDeletingDependentsItem(item);
            return;
        }
        List<OwnerRef> owners = OwnerRef.of(latest.getMetadata().getOwnerReferences());
        if (owners.isEmpty()) {
            return;
        }
        List<OwnerRef> solid = new ArrayList<>();
        List<OwnerRef> dangling = new ArrayList<>();
        List<OwnerRef> waitingForDependentsDeletion = new ArrayList<>();
        for (OwnerRef reference : owners) {
            PartialObjectMetadata owner = dangling(reference, item);
            if (owner == null) {
                dangling.add(reference);
            } else if (owner.getMetadata().getDeletionTimestamp() != null
                    && GraphBuilder.hasFinalizer(owner.getMetadata(), GraphBuilder.FOREGROUND)) {
                waitingForDependentsDeletion.add(reference);
            } else {
                solid.add(reference);
            }
        }
        if (!solid.isEmpty()) {
            if (dangling.isEmpty() && waitingForDependentsDeletion.isEmpty()) {
                return;
            }
            // references to absent owners and to owners waiting for this dependent go; the solid owner stays
            Set<String> gone = new HashSet<>();
            dangling.forEach(r -> gone.add(r.uid()));
            waitingForDependentsDeletion.forEach(r -> gone.add(r.uid()));
            patchOwnerReferences(item, refs -> refs.stream().filter(r -> !gone.contains(r.uid())).toList());
            return;
        }
        if (!waitingForDependentsDeletion.isEmpty() && item.dependentsLength() != 0) {
            for (Node dependent : item.dependents()) {
                if (dependent.isDeletingDependents()) {
                    // a dependent deleting its own dependents too: unblock this item's owners so no cycle waits
                    patchOwnerReferences(item, refs -> refs.stream().map(r -> r.blocks() ? r.unblocked() : r).toList());
                    break;
                }
            }
            deleteObject(item.identity(), DeleteOptions.PropagationPolicy.Foreground);
            return;
        }
        // no owner is left: collect it, honouring a finalizer that says how
        DeleteOptions.PropagationPolicy policy = GraphBuilder.hasFinalizer(latest.getMetadata(), GraphBuilder.ORPHAN)
                ? DeleteOptions.PropagationPolicy.Orphan
                : GraphBuilder.hasFinalizer(latest.getMetadata(), GraphBuilder.FOREGROUND)
                ? DeleteOptions.PropagationPolicy.Foreground : DeleteOptions.PropagationPolicy.Background;
        LOG.log(System.Logger.Level.DEBUG, "deleting {0} with propagationPolicy {1}", item.identity(), policy);
        deleteObject(item.identity(), policy);
    }

    /** An owner waiting for its dependents: done once none blocks it, else its blocking dependents are queued. */
    private void processDeletingDependentsItem(Node item) throws Exception {
        List<Node> blocking = item.blockingDependents();
        if (blocking.isEmpty()) {
            removeFinalizer(item, GraphBuilder.FOREGROUND);
            return;
        }
        for (Node dependent : blocking) {
            if (!dependent.isDeletingDependents()) {
                attemptToDelete.add(dependent);
            }
        }
    }

    /**
     * Null when {@code reference} names an owner that does not exist (absent, or another object
     * under the name now); else the owner as the API server has it. Owners found absent are
     * remembered. A namespaced owner is looked for in the dependent's namespace.
     */
    private PartialObjectMetadata dangling(OwnerRef reference, Node item) throws Exception {
        ObjectReference absentKey = reference.coordinates("");
        if (absentOwnerCache.has(absentKey) || absentOwnerCache.has(reference.coordinates(item.identity().namespace()))) {
            return null;
        }
        ApiResource resource = restMapper.resourceFor(reference.apiVersion(), reference.kind());
        if (resource.namespaced()) {
            if (item.identity().namespace().isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, "item {0} is cluster-scoped, but refers to a namespaced owner {1}",
                        item.identity(), reference);
                throw new ClusterScopedOwnerError();
            }
            absentKey = reference.coordinates(item.identity().namespace());
        }
        PartialObjectMetadata owner;
        try {
            owner = client.metadata(resource.resource()).get(resource.namespaced() ? item.identity().namespace() : null,
                    reference.name());
        } catch (ApiException e) {
            if (e.isNotFound()) {
                absentOwnerCache.add(absentKey);
                return null;
            }
            throw e;
        }
        if (!reference.uid().equals(owner.getMetadata().getUid())) {
            absentOwnerCache.add(absentKey);
            return null;
        }
        return owner;
    }

    // ---- attemptToOrphan ----

    /** Removes the owner from every dependent's references, then its orphan finalizer. */
    private void attemptToOrphanWorker(Node owner) throws Exception {
        List<Node> dependents = owner.dependents();
        List<Thread> patches = new ArrayList<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (Node dependent : dependents) {
            patches.add(Thread.ofVirtual().start(() -> {
                try {
                    patchOwnerReferences(dependent, refs -> refs.stream()
                            .filter(r -> !r.uid().equals(owner.identity().uid())).toList());
                } catch (ApiException e) {
                    if (!e.isNotFound()) {
                        failures.add("orphaning " + dependent.identity() + " failed, " + e.getMessage());
                    }
                } catch (Exception e) {
                    failures.add("orphaning " + dependent.identity() + " failed, " + e.getMessage());
                }
            }));
        }
        for (Thread patch : patches) {
            patch.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("failed to orphan dependents of owner " + owner.identity() + ", got errors: "
                    + (failures.size() == 1 ? failures.getFirst() : "[" + String.join(", ", failures) + "]"));
        }
        removeFinalizer(owner, GraphBuilder.ORPHAN);
    }

    // ---- operations on the API ----

    private ApiResource mapping(ObjectReference identity) throws RestMapper.MappingException {
        return restMapper.resourceFor(identity.apiVersion(), identity.kind());
    }

    private static String namespaceOf(ApiResource resource, ObjectReference identity) {
        return resource.namespaced() ? identity.namespace() : null;
    }

    private PartialObjectMetadata getObject(ObjectReference identity) throws RestMapper.MappingException {
        ApiResource resource = mapping(identity);
        return client.metadata(resource.resource()).get(namespaceOf(resource, identity), identity.name());
    }

    /** Deletes the object with its uid as a precondition, so a newer object under the name is kept. */
    private void deleteObject(ObjectReference identity, DeleteOptions.PropagationPolicy policy) throws RestMapper.MappingException {
        ApiResource resource = mapping(identity);
        client.metadata(resource.resource()).delete(namespaceOf(resource, identity), identity.name(),
                DeleteOptions.NONE.withPreconditions(identity.uid(), null).withPropagationPolicy(policy));
    }

    /**
     * A JSON merge patch of the object's ownerReferences, guarded by the resourceVersion they were
     * read at (the informer's cache when it has the object, else a GET). Upstream sends a strategic
     * merge patch first and this as the fallback for resources without one; kj serves no strategic
     * merge patch, so this is all it sends.
     */
    private void patchOwnerReferences(Node item, java.util.function.UnaryOperator<List<OwnerRef>> change) throws Exception {
        ObjectReference identity = item.identity();
        ApiResource resource = mapping(identity);
        String namespace = namespaceOf(resource, identity);
        PartialObjectMetadata current = graph.cached(resource.resource(), namespace, identity.name()).orElse(null);
        if (current == null) {
            current = client.metadata(resource.resource()).get(namespace, identity.name());
        }
        List<OwnerRef> references = change.apply(OwnerRef.of(current.getMetadata().getOwnerReferences()));
        ObjectNode patch = Json.TREES.createObjectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.put("resourceVersion", current.getMetadata().getResourceVersion());
        if (references.isEmpty()) {
            meta.putNull("ownerReferences");
        } else {
            ArrayNode list = meta.putArray("ownerReferences");
            references.forEach(r -> r.writeTo(list.addObject()));
        }
        client.metadata(resource.resource()).patch(namespace, identity.name(), PatchType.MERGE,
                Json.TREES.writeValueAsString(patch));
    }

    /**
     * Removes one finalizer from the owner with a merge patch at the resourceVersion just read,
     * retried on conflicts as client-go's retry.DefaultBackoff does (4 tries, 10 ms ×5 with jitter).
     */
    private void removeFinalizer(Node owner, String finalizer) throws Exception {
        Duration pause = Duration.ofMillis(10);
        for (int attempt = 1; ; attempt++) {
            PartialObjectMetadata object;
            try {
                object = getObject(owner.identity());
            } catch (ApiException e) {
                if (e.isNotFound()) {
                    return;
                }
                throw new IllegalStateException("cannot finalize owner " + owner.identity() + ", because cannot get it: "
                        + e.getMessage() + ". The garbage collector will retry later.");
            }
            ObjectMeta meta = object.getMetadata();
            List<String> finalizers = meta.getFinalizers() == null ? List.of() : meta.getFinalizers();
            if (!finalizers.contains(finalizer)) {
                return;
            }
            List<String> remaining = finalizers.stream().filter(f -> !f.equals(finalizer)).toList();
            ObjectNode patch = Json.TREES.createObjectNode();
            ObjectNode patchMeta = patch.putObject("metadata");
            patchMeta.put("resourceVersion", meta.getResourceVersion());
            if (remaining.isEmpty()) {
                patchMeta.putNull("finalizers");
            } else {
                ArrayNode list = patchMeta.putArray("finalizers");
                remaining.forEach(list::add);
            }
            ApiResource resource = mapping(owner.identity());
            try {
                client.metadata(resource.resource()).patch(namespaceOf(resource, owner.identity()),
                        owner.identity().name(), PatchType.MERGE, Json.TREES.writeValueAsString(patch));
                return;
            } catch (ApiException e) {
                if (!e.isConflict()) {
                    throw e;
                }
                if (attempt == 4) {
                    throw new IllegalStateException("updateMaxRetries(4) has reached. The garbage collector will retry"
                            + " later for owner " + owner.identity() + ".");
                }
            }
            Thread.sleep(pause.plusMillis((long) (pause.toMillis() * 0.1 * ThreadLocalRandom.current().nextDouble())));
            pause = pause.multipliedBy(5);
        }
    }

    @Override
    public void close() {
        closed = true;
        deleteWorkers.close();
        orphanWorkers.close();
        graph.stop();
        threads.forEach(Thread::interrupt);
    }
}
