package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.errors.StatusException.Cause;
import java.util.List;

/**
 * What differs between resources on the write path (upstream's RESTCreateStrategy and
 * RESTUpdateStrategy). Only the prepare hooks may change the object; the store calls them in a
 * fixed order: prepare, then generic metadata validation plus {@link #validate}. Objects are in the
 * resource's storage version (see {@link StorageVersion}), whichever version the request used.
 */
public interface Strategy {
    /** Defaults and clears fields clients may not set on create. */
    default void prepareForCreate(ObjectNode object) {
    }

    /** As {@link #prepareForCreate(ObjectNode)}, for strategies that record who asked (CSRs); null when nobody is known. */
    default void prepareForCreate(ObjectNode object, User requester) {
        prepareForCreate(object);
    }

    /** Carries over what an update may not change. */
    default void prepareForUpdate(ObjectNode object, ObjectNode old) {
    }

    /**
     * The object a write through {@code subresource} stores, from what was written and the stored
     * object. By default (upstream's status strategies) only status changes.
     */
    default ObjectNode prepareForSubresourceUpdate(Subresource subresource, ObjectNode written, ObjectNode old) {
        ObjectNode object = old.deepCopy();
        JsonNode status = written.get("status");
        if (status == null) {
            object.remove("status");
        } else {
            object.set("status", status.deepCopy());
        }
        return object;
    }

    /**
     * Whether something besides metadata.finalizers keeps an object whose deletion was asked for
     * (a namespace's spec.finalizers, upstream's ShouldDeleteNamespaceDuringUpdate): an update that
     * removes the last finalizer then stores the object instead of deleting it.
     */
    default boolean holdsDeletion(ObjectNode object) {
        return false;
    }

    /** Resource-specific validation problems. */
    default List<Cause> validate(ObjectNode object) {
        return List.of();
    }

    /** Problems of an update (immutable fields, allowed transitions), beyond {@link #validate}. */
    default List<Cause> validateUpdate(ObjectNode object, ObjectNode old) {
        return List.of();
    }

    /** Whether metadata.generation starts at 1 and counts spec changes (workloads do; data objects do not). */
    default boolean tracksGeneration() {
        return false;
    }

    /** The top-level fields whose changes bump metadata.generation ({@code webhooks} for webhook configurations). */
    default List<String> generationFields() {
        return List.of("spec");
    }

    /**
     * The value field selectors see for {@code field}, given the value at that path of the object
     * ("" when absent): upstream's field sets may default it (a pod's spec.hostNetwork is "false")
     * or read it elsewhere (a pod's status.podIP is its first podIPs entry).
     */
    default String selectableFieldValue(JsonNode object, String field, String atPath) {
        return atPath;
    }

    /** How long objects live after their last write (events: --event-ttl); zero for ever. */
    default java.time.Duration timeToLive() {
        return java.time.Duration.ZERO;
    }

    /**
     * Graceful deletion (upstream's RESTGracefulDeleteStrategy.CheckGracefulDelete): empty for the
     * resources that go at once (the default); otherwise the grace period, in seconds, to give this
     * object, usually {@code options.gracePeriodSeconds()} or a default from the object. The store
     * then sets deletionTimestamp = now + grace and deletionGracePeriodSeconds, and deletes at once
     * when the grace is 0.
     */
    default java.util.OptionalLong checkGracefulDelete(ObjectNode object, DeleteOptions options) {
        return java.util.OptionalLong.empty();
    }

    /** What a delete that does not say does to dependents (upstream's DefaultGarbageCollectionPolicy). */
    default GarbageCollectionPolicy defaultGarbageCollectionPolicy() {
        return GarbageCollectionPolicy.DELETE_DEPENDENTS;
    }

    /**
     * Whether a delete answers with the deleted object rather than a Success Status (upstream's
     * Store.ReturnDeletedObject: pods, persistent volumes and claims, service accounts).
     */
    default boolean returnsDeletedObject() {
        return false;
    }

    /** For resources with nothing of their own (ConfigMap's upstream strategy is nearly empty, too). */
    Strategy NONE = new Strategy() {
    };

    /** Nothing of their own, but a delete answers with the deleted object. */
    Strategy RETURNS_DELETED_OBJECT = new Strategy() {
        @Override
        public boolean returnsDeletedObject() {
            return true;
        }
    };
}
