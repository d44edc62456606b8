package dev.kj.apiserver.registry;

import java.util.List;

/**
 * The subresources a resource may have, with what discovery says of them: the response kind (null:
 * the resource's own) and the verbs.
 */
public enum Subresource {
    /** {@code <name>/approval}: the only way to write Approved/Denied conditions (CSRs). */
    APPROVAL("approval", null, null, null, List.of("get", "patch", "update")),
    /** {@code <name>/binding}: POST a v1 Binding to assign a pod to a node. */
    BINDING("binding", "", "v1", "Binding", List.of("create")),
    /** {@code namespaces/<name>/finalize}: the only way to change a namespace's spec.finalizers (PUT only). */
    FINALIZE("finalize", null, null, null, List.of("update")),
    /** {@code <name>/scale}: an autoscaling/v1 Scale view of spec.replicas. */
    SCALE("scale", "autoscaling", "v1", "Scale", List.of("get", "patch", "update")),
    /** {@code <name>/status}: the only way to write status. */
    STATUS("status", null, null, null, List.of("get", "patch", "update")),
    /** {@code serviceaccounts/<name>/token}: POST an authentication.k8s.io/v1 TokenRequest for a bound token. */
    TOKEN("token", "authentication.k8s.io", "v1", "TokenRequest", List.of("create"));

    private final String path;
    private final String group;
    private final String version;
    private final String kind;
    private final List<String> verbs;

    Subresource(String path, String group, String version, String kind, List<String> verbs) {
        this.path = path;
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.verbs = verbs;
    }

    /** The path segment after the object's name. */
    public String path() {
        return path;
    }

    /** The response kind's group, null when it is the resource's own kind. */
    public String group() {
        return group;
    }

    public String version() {
        return version;
    }

    public String kind() {
        return kind;
    }

    /** Discovery's verbs, sorted as upstream lists them. */
    public List<String> verbs() {
        return verbs;
    }
}
