package dev.kj.controllers.controllerref;

import dev.kj.api.client.ApiException;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A controller claiming the objects it manages (upstream's BaseControllerRefManager with its pod
 * and ReplicaSet variants): objects it controls that no longer match are released, orphans that
 * match are adopted, objects controlled by others are left alone. Adoption is preceded, once per
 * claim, by a live read of the controller (upstream's RecheckDeletionTimestamp), so a controller
 * deleted meanwhile adopts nothing. Both changes are upstream's strategic merge patches, carrying
 * the object's uid so a replaced object is not touched.
 */
public final class ClaimManager<T extends HasMetadata> {
    private final HasMetadata controller;
    private final OwnerReference controllerRef;
    private final Predicate<T> selects;
    private final ResourceClient<T> objects;
    private final Supplier<HasMetadata> freshController;
    private Boolean canAdopt;
    private RuntimeException cannotAdopt;

    /**
     * @param freshController a live GET of the controller (uncached)
     */
    public ClaimManager(HasMetadata controller, OwnerReference controllerRef, Predicate<T> selects,
                        ResourceClient<T> objects, Supplier<HasMetadata> freshController) {
        this.controller = controller;
        this.controllerRef = controllerRef;
        this.selects = selects;
        this.objects = objects;
        this.freshController = freshController;
    }

    /** The objects this controller owns after adopting and releasing; the first failure is thrown after trying all. */
    public List<T> claim(List<T> candidates) {
        List<T> claimed = new ArrayList<>();
        RuntimeException failure = null;
        for (T object : candidates) {
            try {
                if (claimOne(object)) {
                    claimed.add(object);
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return claimed;
    }

    private boolean claimOne(T object) {
        var ref = ControllerRefs.of(object);
        if (ref.isPresent()) {
            if (!ref.get().getUid().equals(controller.getMetadata().getUid())) {
                return false; // someone else's
            }
            if (selects.test(object)) {
                return true;
            }
            if (controller.getMetadata().getDeletionTimestamp() != null) {
                return false;
            }
            patchIgnoringNotFound(object, releasePatch(object));
            return false;
        }
        if (controller.getMetadata().getDeletionTimestamp() != null || !selects.test(object)
                || object.getMetadata().getDeletionTimestamp() != null
                || !Objects.equals(controller.getMetadata().getNamespace(), object.getMetadata().getNamespace())) {
            return false;
        }
        checkCanAdopt();
        return patchIgnoringNotFound(object, adoptPatch(object));
    }

    private void checkCanAdopt() {
        if (canAdopt == null) {
            try {
                HasMetadata fresh = freshController.get();
                if (!fresh.getMetadata().getUid().equals(controller.getMetadata().getUid())) {
                    cannotAdopt = new IllegalStateException("original %s %s/%s is gone: got uid %s, wanted %s".formatted(
                            controller.getKind(), controller.getMetadata().getNamespace(), controller.getMetadata().getName(),
                            fresh.getMetadata().getUid(), controller.getMetadata().getUid()));
                } else if (fresh.getMetadata().getDeletionTimestamp() != null) {
                    cannotAdopt = new IllegalStateException("%s %s/%s has just been deleted at %s".formatted(
                            controller.getKind(), controller.getMetadata().getNamespace(), controller.getMetadata().getName(),
                            fresh.getMetadata().getDeletionTimestamp()));
                }
            } catch (RuntimeException e) {
                cannotAdopt = e;
            }
            canAdopt = cannotAdopt == null;
        }
        if (!canAdopt) {
            throw cannotAdopt;
        }
    }

    private boolean patchIgnoringNotFound(T object, String patch) {
        try {
            objects.patch(object.getMetadata().getNamespace(), object.getMetadata().getName(), PatchType.STRATEGIC_MERGE, patch);
            return true;
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    private String adoptPatch(T object) {
        return """
                {"metadata":{"ownerReferences":[{"apiVersion":"%s","kind":"%s","name":"%s","uid":"%s","controller":true,\
                "blockOwnerDeletion":true}],"uid":"%s"}}""".formatted(controllerRef.getApiVersion(), controllerRef.getKind(),
                controllerRef.getName(), controllerRef.getUid(), object.getMetadata().getUid());
    }

    private String releasePatch(T object) {
        return """
                {"metadata":{"ownerReferences":[{"$patch":"delete","uid":"%s"}],"uid":"%s"}}""".formatted(
                controllerRef.getUid(), object.getMetadata().getUid());
    }
}
