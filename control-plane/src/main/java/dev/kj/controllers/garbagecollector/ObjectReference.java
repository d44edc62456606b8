package dev.kj.controllers.garbagecollector;

/**
 * Who an object is, as the graph knows it (upstream's objectReference): the coordinates an owner
 * reference names it by, plus its namespace ("" for cluster-scoped objects, and for a virtual node
 * the namespace of the dependent that named it).
 */
record ObjectReference(String apiVersion, String kind, String name, String uid, String namespace) {
    ObjectReference {
        namespace = namespace == null ? "" : namespace;
    }

    /** The same coordinates in another namespace. */
    ObjectReference inNamespace(String other) {
        return new ObjectReference(apiVersion, kind, name, uid, other);
    }

    /** Ordering of alternate identities (upstream's referenceLessThan): kind, apiVersion, namespace, name, uid. */
    boolean lessThan(ObjectReference other) {
        if (!kind.equals(other.kind)) {
            return kind.compareTo(other.kind) < 0;
        }
        if (!apiVersion.equals(other.apiVersion)) {
            return apiVersion.compareTo(other.apiVersion) < 0;
        }
        if (!namespace.equals(other.namespace)) {
            return namespace.compareTo(other.namespace) < 0;
        }
        if (!name.equals(other.name)) {
            return name.compareTo(other.name) < 0;
        }
        return uid.compareTo(other.uid) < 0;
    }

    /** As upstream logs it. */
    @Override
    public String toString() {
        return "[" + apiVersion + "/" + kind + ", namespace: " + namespace + ", name: " + name + ", uid: " + uid + "]";
    }
}
