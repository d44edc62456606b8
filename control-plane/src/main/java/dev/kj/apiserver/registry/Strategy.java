package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException.Cause;
import java.util.List;

/**
 * What differs between resources on the write path (upstream's RESTCreateStrategy and
 * RESTUpdateStrategy). Only the prepare hooks may change the object; the store calls them in a
 * fixed order: prepare, then generic metadata validation plus {@link #validate}.
 */
public interface Strategy {
    /** Defaults and clears fields clients may not set on create. */
    default void prepareForCreate(ObjectNode object) {
    }

    /** Carries over what an update may not change. */
    default void prepareForUpdate(ObjectNode object, ObjectNode old) {
    }

    /** Resource-specific validation problems. */
    default List<Cause> validate(ObjectNode object) {
        return List.of();
    }

    /** Whether metadata.generation starts at 1 and counts spec changes (workloads do; data objects do not). */
    default boolean tracksGeneration() {
        return false;
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
