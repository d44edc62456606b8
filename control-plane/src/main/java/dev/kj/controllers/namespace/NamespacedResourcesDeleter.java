package dev.kj.controllers.namespace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resource;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ApiResource;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.DiscoveryClient;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Empties a terminating namespace, then removes its {@code kubernetes} finalizer (upstream's
 * namespacedResourcesDeleter): every namespaced resource discovery lists with the delete verb is
 * deleted with deletecollection, or listed and deleted one by one where deletecollection is not
 * served, with propagationPolicy Background (the garbage collector must not orphan what the
 * namespace held). What remains — objects still held by finalizers or graceful deletion — is
 * counted into the namespace's status conditions and waited for.
 */
final class NamespacedResourcesDeleter {
    private static final System.Logger LOG = System.getLogger(NamespacedResourcesDeleter.class.getName());
    /** A default wait for content held by finalizers (upstream's finalizerEstimateSeconds). */
    static final long FINALIZER_ESTIMATE_SECONDS = 15;
    static final String KUBERNETES_FINALIZER = "kubernetes";

    private final ApiClient client;
    private final ResourceClient<Namespace> namespaces;
    private final Clock clock;
    /** Operations a resource has been found not to serve (upstream's operationNotSupportedCache). */
    private final Set<String> notSupported = ConcurrentHashMap.newKeySet();

    NamespacedResourcesDeleter(ApiClient client, Clock clock) {
        this.client = client;
        this.namespaces = client.typed(Resources.NAMESPACES, Namespace.class);
        this.clock = clock;
    }

    /** Some content is still there; look again in about this many seconds. */
    static final class ContentRemaining extends Exception {
        final long estimateSeconds;

        ContentRemaining(long estimateSeconds) {
            super("some content remains in the namespace, estimate " + estimateSeconds + " seconds before it is removed",
                    null, false, false);
            this.estimateSeconds = estimateSeconds;
        }
    }

    /** One namespace: status to Terminating, contents deleted, then the finalizer removed. */
    void delete(String name) throws ContentRemaining {
        Namespace namespace;
        try {
            namespace = namespaces.get(null, name);
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return;
            }
            throw e;
        }
        if (namespace.getMetadata().getDeletionTimestamp() == null) {
            return;
        }
        try {
            namespace = retryOnConflict(namespace, this::markTerminating);
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return;
            }
            throw e;
        }
        if (namespace.getMetadata().getDeletionTimestamp() == null || finalized(namespace)) {
            return;
        }
        long estimate = deleteAllContent(namespace);
        if (estimate > 0) {
            throw new ContentRemaining(estimate);
        }
        try {
            retryOnConflict(namespace, this::finalizeNamespace);
        } catch (ApiException e) {
            if (!e.isNotFound()) { // another controller sharing the token finished it
                throw e;
            }
        }
    }

    /** Applies {@code change}, re-reading the namespace after each conflict; its uid must stay the same. */
    private Namespace retryOnConflict(Namespace namespace, UnaryOperator<Namespace> change) {
        Namespace latest = namespace;
        while (true) {
            try {
                return change.apply(latest);
            } catch (ApiException e) {
                if (!e.isConflict()) {
                    throw e;
                }
            }
            Namespace previous = latest;
            latest = namespaces.get(null, latest.getMetadata().getName());
            if (!previous.getMetadata().getUid().equals(latest.getMetadata().getUid())) {
                throw new IllegalStateException("namespace uid has changed across retries");
            }
        }
    }

    private Namespace markTerminating(Namespace namespace) {
        if (namespace.getMetadata().getDeletionTimestamp() == null || namespace.getStatus() != null
                && "Terminating".equals(namespace.getStatus().getPhase())) {
            return namespace;
        }
        Namespace updated = copy(namespace);
        if (updated.getStatus() == null) {
            updated.setStatus(new io.fabric8.kubernetes.api.model.NamespaceStatus());
        }
        updated.getStatus().setPhase("Terminating");
        return namespaces.updateStatus(updated);
    }

    private static boolean finalized(Namespace namespace) {
        return namespace.getSpec() == null || namespace.getSpec().getFinalizers() == null
                || namespace.getSpec().getFinalizers().isEmpty();
    }

    /** The finalize subresource, with spec.finalizers less ours (sorted, as upstream's set lists them). */
    private Namespace finalizeNamespace(Namespace namespace) {
        Namespace finalizing = copy(namespace);
        TreeSet<String> finalizers = new TreeSet<>(finalizing.getSpec().getFinalizers());
        finalizers.remove(KUBERNETES_FINALIZER);
        finalizing.getSpec().setFinalizers(new ArrayList<>(finalizers));
        try {
            return namespaces.update(finalizing, "finalize");
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return namespace; // removed already
            }
            throw e;
        }
    }

    private static Namespace copy(Namespace namespace) {
        return dev.kj.api.objects.Json.TYPED.convertValue(namespace, Namespace.class);
    }

    /**
     * Deletes everything in the namespace and records how it went in the status conditions.
     * Returns the seconds to wait for what remains (0: nothing remains); a failure of some resource
     * is thrown after the others were tried.
     */
    private long deleteAllContent(Namespace namespace) {
        String name = namespace.getMetadata().getName();
        Instant deletedAt = Instant.parse(namespace.getMetadata().getDeletionTimestamp());
        NamespaceConditions conditions = new NamespaceConditions(clock);
        List<String> errors = new ArrayList<>();
        List<ApiResource> deletable = new ArrayList<>();
        try {
            DiscoveryClient.Discovered discovered = client.discovery().serverPreferredResources();
            if (!discovered.failures().isEmpty()) {
                String failed = failedGroups(discovered.failures());
                errors.add(failed);
                conditions.discoveryFailed("Discovery failed for some groups, " + discovered.failures().size()
                        + " failing: " + failed);
            }
            for (ApiResource resource : discovered.resources()) {
                if (resource.namespaced() && resource.supports("delete")) {
                    deletable.add(resource);
                }
            }
        } catch (RuntimeException e) {
            errors.add(message(e));
            conditions.discoveryFailed(message(e));
        }
        long estimate = 0;
        Map<String, Integer> remainingByResource = new LinkedHashMap<>();
        Map<String, Integer> remainingByFinalizer = new LinkedHashMap<>();
        for (ApiResource resource : deletable) {
            Remaining remaining;
            try {
                remaining = deleteAllOf(resource, name, deletedAt);
            } catch (ContentError e) {
                errors.add(e.getMessage());
                conditions.deleteContentFailed(e.getMessage());
                remaining = e.remaining;
            }
            estimate = Math.max(estimate, remaining.estimateSeconds());
            if (remaining.count() > 0) {
                remainingByResource.put(resource.name() + "." + resource.group(), remaining.count());
                remaining.byFinalizer().forEach((finalizer, count) -> remainingByFinalizer.merge(finalizer, count, Integer::sum));
            }
        }
        conditions.contentTotals(remainingByResource, remainingByFinalizer);
        // always written: a condition that failed before may have recovered
        if (conditions.update(namespace)) {
            try {
                namespaces.updateStatus(namespace);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "couldn''t update status condition for namespace \"{0}\": {1}", name,
                        message(e));
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
        }
        return estimate;
    }

    /** What is left of one resource in the namespace. */
    private record Remaining(long estimateSeconds, int count, Map<String, Integer> byFinalizer) {
        static final Remaining NONE = new Remaining(0, 0, Map.of());
    }

    private static final class ContentError extends Exception {
        final Remaining remaining;

        ContentError(String message, Remaining remaining) {
            super(message, null, false, false);
            this.remaining = remaining;
        }
    }

    /** upstream's deleteAllContentForGroupVersionResource. */
    private Remaining deleteAllOf(ApiResource discovered, String namespace, Instant deletedAt) throws ContentError {
        Resource resource = discovered.resource();
        long estimate;
        try {
            estimate = estimateGracefulTermination(resource, namespace, deletedAt);
        } catch (RuntimeException e) {
            throw new ContentError(message(e), Remaining.NONE);
        }
        ResourceClient<PartialObjectMetadata> objects = client.metadata(resource);
        try {
            if (!deleteCollection(discovered, objects, namespace)) {
                deleteEachItem(discovered, objects, namespace);
            }
        } catch (RuntimeException e) {
            throw new ContentError(message(e), new Remaining(estimate, 0, Map.of()));
        }
        List<PartialObjectMetadata> left;
        try {
            left = list(discovered, objects, namespace);
        } catch (RuntimeException e) {
            throw new ContentError(message(e), new Remaining(estimate, 0, Map.of()));
        }
        if (left == null) {
            return new Remaining(estimate, 0, Map.of());
        }
        if (left.isEmpty()) {
            return Remaining.NONE;
        }
        Map<String, Integer> byFinalizer = new LinkedHashMap<>();
        for (PartialObjectMetadata item : left) {
            if (item.getMetadata().getFinalizers() != null) {
                item.getMetadata().getFinalizers().forEach(f -> byFinalizer.merge(f, 1, Integer::sum));
            }
        }
        if (estimate != 0) {
            return new Remaining(estimate, left.size(), byFinalizer);
        }
        if (!byFinalizer.isEmpty()) {
            return new Remaining(FINALIZER_ESTIMATE_SECONDS, left.size(), byFinalizer);
        }
        throw new ContentError("unexpected items still remain in namespace: " + namespace + " for gvr: "
                + discovered.group() + "/" + discovered.version() + ", Resource=" + discovered.name(),
                new Remaining(estimate, left.size(), Map.of()));
    }

    /** True when deletecollection was served; NotFound and MethodNotAllowed answers mean it is not. */
    private boolean deleteCollection(ApiResource discovered, ResourceClient<PartialObjectMetadata> objects, String namespace) {
        String key = discovered.apiVersion() + "/" + discovered.name() + " deletecollection";
        if (!discovered.supports("deletecollection") || notSupported.contains(key)) {
            return false;
        }
        try {
            objects.deleteCollection(namespace, DeleteOptions.NONE.withPropagationPolicy(DeleteOptions.PropagationPolicy.Background),
                    ListOptions.NONE);
            return true;
        } catch (ApiException e) {
            if (isMethodNotSupported(e) || e.isNotFound()) {
                notSupported.add(key);
                return false;
            }
            throw e;
        }
    }

    private void deleteEachItem(ApiResource discovered, ResourceClient<PartialObjectMetadata> objects, String namespace) {
        List<PartialObjectMetadata> items = list(discovered, objects, namespace);
        if (items == null) {
            return;
        }
        for (PartialObjectMetadata item : items) {
            try {
                objects.delete(namespace, item.getMetadata().getName(),
                        DeleteOptions.NONE.withPropagationPolicy(DeleteOptions.PropagationPolicy.Background));
            } catch (ApiException e) {
                if (!e.isNotFound() && !isMethodNotSupported(e)) {
                    throw e;
                }
            }
        }
    }

    /** The objects in the namespace, or null when list is not served. */
    private List<PartialObjectMetadata> list(ApiResource discovered, ResourceClient<PartialObjectMetadata> objects,
                                             String namespace) {
        String key = discovered.apiVersion() + "/" + discovered.name() + " list";
        if (!discovered.supports("list") || notSupported.contains(key)) {
            return null;
        }
        try {
            return objects.list(namespace, ListOptions.NONE).items();
        } catch (ApiException e) {
            if (isMethodNotSupported(e) || e.isNotFound()) {
                notSupported.add(key);
                return null;
            }
            throw e;
        }
    }

    /**
     * How long pods may still take to go: the longest terminationGracePeriodSeconds of the pods not
     * yet finished, or 0 once that long has passed since the namespace's deletion began.
     */
    private long estimateGracefulTermination(Resource resource, String namespace, Instant deletedAt) {
        if (!resource.group().isEmpty() || !resource.plural().equals("pods")) {
            return 0;
        }
        long estimate = 0;
        for (ObjectNode pod : client.generic(resource).list(namespace, ListOptions.NONE).items()) {
            String phase = pod.path("status").path("phase").asText("");
            if (phase.equals("Succeeded") || phase.equals("Failed")) {
                continue;
            }
            JsonNode grace = pod.path("spec").path("terminationGracePeriodSeconds");
            if (grace.canConvertToLong()) {
                estimate = Math.max(estimate, grace.asLong());
            }
        }
        if (Duration.between(deletedAt, clock.instant()).compareTo(Duration.ofSeconds(estimate)) >= 0) {
            return 0;
        }
        return estimate;
    }

    private static boolean isMethodNotSupported(ApiException e) {
        return "MethodNotAllowed".equals(e.reason()) || e.code() == 405;
    }

    /** client-go's ErrGroupDiscoveryFailed text. */
    private static String failedGroups(Map<String, RuntimeException> failures) {
        List<String> groups = new ArrayList<>();
        failures.forEach((groupVersion, e) -> groups.add(groupVersion + ": " + message(e)));
        groups.sort(null);
        return "unable to retrieve the complete list of server APIs: " + String.join(", ", groups);
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
