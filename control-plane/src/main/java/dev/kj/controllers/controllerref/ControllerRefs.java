package dev.kj.controllers.controllerref;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Optional;

/** An object's controller reference (metav1.GetControllerOf / NewControllerRef). */
public final class ControllerRefs {
    private ControllerRefs() {
    }

    /** The owner reference with controller=true, if any. */
    public static Optional<OwnerReference> of(HasMetadata object) {
        var references = object.getMetadata().getOwnerReferences();
        if (references == null) {
            return Optional.empty();
        }
        return references.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    /** The reference a controller puts on what it creates or adopts: controller and blockOwnerDeletion true. */
    public static OwnerReference to(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind)
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }
}
