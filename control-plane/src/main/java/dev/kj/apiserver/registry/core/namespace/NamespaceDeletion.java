package dev.kj.apiserver.registry.core.namespace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.registry.GarbageCollectionPolicy;
import dev.kj.apiserver.registry.GenericStore;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A namespace's delete (upstream's namespace REST Delete over the generic store): the first delete
 * only marks it — deletionTimestamp, phase Terminating, the garbage collector's finalizers as the
 * options say — and answers with it; the namespace controller then empties it and removes the
 * {@code kubernetes} finalizer through {@code finalize}, whose update deletes the namespace once
 * spec.finalizers and metadata.finalizers are both empty. A delete while spec.finalizers remain
 * changes nothing; once they are gone it is the generic delete. {@code default},
 * {@code kube-system} and {@code kube-public} may not be deleted (the NamespaceLifecycle
 * admission plugin's immortal namespaces).
 */
public final class NamespaceDeletion implements GenericStore.DeleteStage {
    public static final Set<String> IMMORTAL = Set.of("default", "kube-system", "kube-public");

    private final Clock clock;

    public NamespaceDeletion(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Optional<GenericStore.DeleteResult> delete(GenericStore store, String ignored, String name,
                                                      DeleteOptions options) {
        if (IMMORTAL.contains(name)) {
            throw StatusException.forbidden("namespaces", "", "namespaces", name, "this namespace may not be deleted",
                    List.of());
        }
        ObjectNode namespace = store.get(null, name);
        String uid = namespace.path("metadata").path("uid").asText();
        checkPreconditions(name, namespace, uid, options);
        if (!namespace.path("metadata").hasNonNull("deletionTimestamp")) {
            ObjectNode marked = store.guaranteedUpdate(null, name, existing -> {
                // the uid read first is a precondition, so a namespace recreated meanwhile is not marked
                checkPreconditions(name, existing, uid, options);
                return mark(existing, options);
            }, options.isDryRun());
            return Optional.of(new GenericStore.DeleteResult(marked, false));
        }
        JsonNode finalizers = namespace.path("spec").path("finalizers");
        if (finalizers.isArray() && !finalizers.isEmpty()) {
            return Optional.of(new GenericStore.DeleteResult(namespace, false)); // the controller is still at work
        }
        return Optional.empty();
    }

    private static void checkPreconditions(String name, ObjectNode namespace, String uid, DeleteOptions options) {
        String actualUid = namespace.path("metadata").path("uid").asText();
        String wantedUid = options.preconditionUid() != null ? options.preconditionUid() : uid;
        if (!wantedUid.equals(actualUid)) {
            throw StatusException.conflict("namespaces", "", "namespaces", name, "Precondition failed: UID in"
                    + " precondition: " + wantedUid + ", UID in object meta: " + actualUid);
        }
        String version = namespace.path("metadata").path("resourceVersion").asText();
        if (options.preconditionResourceVersion() != null && !options.preconditionResourceVersion().equals(version)) {
            throw StatusException.conflict("namespaces", "", "namespaces", name, "Precondition failed: ResourceVersion"
                    + " in precondition: " + options.preconditionResourceVersion() + ", ResourceVersion in object meta: "
                    + version);
        }
    }

    /**
     * deletionTimestamp (no grace period: spec.finalizers decide), phase Terminating, and the
     * orphan / foregroundDeletion finalizers as the options ask, else as the namespace has them.
     */
    private ObjectNode mark(ObjectNode namespace, DeleteOptions options) {
        ObjectNode meta = (ObjectNode) namespace.get("metadata");
        if (!meta.hasNonNull("deletionTimestamp")) {
            meta.put("deletionTimestamp", DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
        }
        namespace.with("status").put("phase", NamespaceStrategy.TERMINATING);
        List<String> finalizers = new ArrayList<>();
        meta.path("finalizers").forEach(f -> finalizers.add(f.asText()));
        boolean orphan = options.orphanDependents().isPresent() ? options.orphanDependents().get()
                : options.propagationPolicy().map(p -> p.equals(DeleteOptions.ORPHAN))
                .orElse(finalizers.contains(GarbageCollectionPolicy.ORPHAN_FINALIZER));
        boolean foreground = options.orphanDependents().isPresent() ? !options.orphanDependents().get()
                : options.propagationPolicy().map(p -> p.equals(DeleteOptions.FOREGROUND))
                .orElse(finalizers.contains(GarbageCollectionPolicy.FOREGROUND_FINALIZER));
        List<String> wanted = new ArrayList<>(finalizers);
        set(wanted, GarbageCollectionPolicy.ORPHAN_FINALIZER, orphan);
        set(wanted, GarbageCollectionPolicy.FOREGROUND_FINALIZER, foreground);
        if (!wanted.equals(finalizers)) {
            if (wanted.isEmpty()) {
                meta.remove("finalizers");
            } else {
                ArrayNode list = meta.putArray("finalizers");
                wanted.forEach(list::add);
            }
        }
        return namespace;
    }

    private static void set(List<String> finalizers, String finalizer, boolean present) {
        if (!present) {
            finalizers.removeIf(finalizer::equals);
        } else if (!finalizers.contains(finalizer)) {
            finalizers.add(finalizer);
        }
    }
}
