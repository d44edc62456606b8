package dev.kj.api;

/**
 * One REST resource of the Kubernetes API (a GroupVersionResource plus what a client needs to
 * address it): where its objects live and what their kind is.
 *
 * @param group      "" for the core group
 * @param plural     the path segment, e.g. {@code deployments}
 * @param namespaced whether objects live in a namespace
 * @param kind       the objects' kind, e.g. {@code Deployment}
 */
public record Resource(String group, String version, String plural, boolean namespaced, String kind) {
    public Resource {
        if (version.isEmpty() || plural.isEmpty() || kind.isEmpty()) {
            throw new IllegalArgumentException("a resource needs a version, a plural and a kind");
        }
    }

    /** {@code v1} for the core group, {@code <group>/<version>} otherwise. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /**
     * The path of the collection ({@code name} null) or of one object, as the API serves it:
     * {@code /api/v1/namespaces/<ns>/pods/<name>}, {@code /apis/apps/v1/deployments} (all namespaces).
     *
     * @param namespace null or empty for cluster-scoped resources and for lists across all namespaces
     */
    public String path(String namespace, String name) {
        StringBuilder path = new StringBuilder(group.isEmpty() ? "/api/" : "/apis/" + group + "/").append(version);
        boolean inNamespace = namespace != null && !namespace.isEmpty();
        if (inNamespace && !namespaced) {
            throw new IllegalArgumentException(plural + " are cluster-scoped; no namespace expected, got " + namespace);
        }
        if (inNamespace) {
            path.append("/namespaces/").append(namespace);
        } else if (namespaced && name != null) {
            throw new IllegalArgumentException(plural + " are namespaced; a namespace is needed to address " + name);
        }
        path.append('/').append(plural);
        if (name != null) {
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("%")) {
                throw new IllegalArgumentException("not a valid object name for a path: \"" + name + "\"");
            }
            path.append('/').append(name);
        }
        return path.toString();
    }

    @Override
    public String toString() {
        return group.isEmpty() ? plural : plural + "." + group;
    }
}
