package dev.kj.controllers.garbagecollector;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.List;

/** metav1.OwnerReference as the collector compares it: every field, {@code controller} and {@code blockOwnerDeletion} unset as null. */
record OwnerRef(String apiVersion, String kind, String name, String uid, Boolean controller, Boolean blockOwnerDeletion) {
    static List<OwnerRef> of(List<OwnerReference> references) {
        List<OwnerRef> refs = new ArrayList<>();
        if (references != null) {
            for (OwnerReference r : references) {
                refs.add(new OwnerRef(nullToEmpty(r.getApiVersion()), nullToEmpty(r.getKind()), nullToEmpty(r.getName()),
                        nullToEmpty(r.getUid()), r.getController(), r.getBlockOwnerDeletion()));
            }
        }
        return List.copyOf(refs);
    }

    boolean blocks() {
        return Boolean.TRUE.equals(blockOwnerDeletion);
    }

    OwnerRef unblocked() {
        return new OwnerRef(apiVersion, kind, name, uid, controller, false);
    }

    /** The owner's identity as this reference names it, in {@code namespace} (upstream's ownerReferenceCoordinates). */
    ObjectReference coordinates(String namespace) {
        return new ObjectReference(apiVersion, kind, name, uid, namespace);
    }

    /** uid, name, kind and apiVersion all agree (upstream's ownerReferenceMatchesCoordinates). */
    boolean matchesCoordinates(ObjectReference identity) {
        return uid.equals(identity.uid()) && name.equals(identity.name()) && kind.equals(identity.kind())
                && apiVersion.equals(identity.apiVersion());
    }

    /** The reference as metav1.OwnerReference marshals it (pointers left out when unset). */
    void writeTo(ObjectNode node) {
        node.put("apiVersion", apiVersion);
        node.put("kind", kind);
        node.put("name", name);
        node.put("uid", uid);
        if (controller != null) {
            node.put("controller", controller);
        }
        if (blockOwnerDeletion != null) {
            node.put("blockOwnerDeletion", blockOwnerDeletion);
        }
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
