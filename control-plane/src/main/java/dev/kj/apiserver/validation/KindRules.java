package dev.kj.apiserver.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * A kind's defaulting and validation (upstream's v1 SetDefaults_* and pkg/apis/&lt;group&gt;/validation).
 * The store defaults every object a create or an update brings (as upstream's decoder does), then
 * validates it after the generic metadata checks; objects are in the storage version.
 */
public interface KindRules {
    /** Fills in what upstream's defaulting fills in. */
    default void setDefaults(ObjectNode object) {
    }

    /**
     * What upstream's strategy fills in once the new object's name and uid are known (a Job's
     * generated selector); runs on create only, right before validation.
     */
    default void completeCreate(ObjectNode object) {
    }

    /** The kind's problems (ValidateX without the generic ObjectMeta checks). */
    default List<FieldError> validate(ObjectNode object) {
        return List.of();
    }

    /**
     * The kind's problems when {@code object} replaces {@code old}: {@link #validate} unless upstream
     * relaxes some rules for what the stored object already broke (webhook configurations, policies).
     */
    default List<FieldError> validateOnUpdate(ObjectNode object, ObjectNode old) {
        return validate(object);
    }

    /** Problems only a create has, reported after {@link #validate} (events.k8s.io's strict create checks). */
    default List<FieldError> validateCreate(ObjectNode object) {
        return List.of();
    }

    /** Problems of an update beyond {@link #validate}: immutable fields, allowed transitions. */
    default List<FieldError> validateUpdate(ObjectNode object, ObjectNode old) {
        return List.of();
    }

    /**
     * The whole of an update's kind-specific problems, for kinds whose update rules are not their
     * create rules plus {@link #validateUpdate} (a CRD's update relaxes what the old object broke);
     * empty for the others.
     */
    default Optional<List<FieldError>> validateAsUpdate(ObjectNode object, ObjectNode old) {
        return Optional.empty();
    }

    /**
     * A write through a subresource (status), for kinds whose status strategy validates less than an
     * update (a CRD's checks status.acceptedNames only); empty: validated as an update.
     */
    default Optional<List<FieldError>> validateStatusUpdate(ObjectNode object, ObjectNode old) {
        return Optional.empty();
    }

    KindRules NONE = new KindRules() {
    };
}
