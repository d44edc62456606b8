package dev.kj.api.objects;

/**
 * Object keys as informers and work queues use them (client-go's MetaNamespaceKeyFunc):
 * {@code namespace/name}, or just {@code name} for cluster-scoped objects.
 */
public final class Keys {
    private Keys() {
    }

    public static String of(String namespace, String name) {
        return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    }

    /** The namespace part, or "" for a cluster-scoped key. */
    public static String namespace(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    public static String name(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(slash + 1);
    }
}
