package dev.kj.apiserver.authz.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authz.Forbidden;
import dev.kj.apiserver.authz.RequestUser;
import dev.kj.apiserver.registry.GenericStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.Set;
import java.util.TreeSet;

/**
 * Upstream's NodeRestriction admission plugin for pods and nodes: a kubelet creates only mirror
 * pods bound to itself that reference no secrets, config maps, claims or service account; updates
 * and deletes only pods bound to itself; modifies only its own Node, never its taints, nor labels
 * under node-restriction.kubernetes.io/ or kubernetes.io/k8s.io labels a kubelet does not own.
 */
public final class NodeRestriction implements GenericStore.WriteHook {
    private static final String MIRROR = "kubernetes.io/config.mirror";
    private static final Set<String> KUBELET_LABELS = Set.of("kubernetes.io/hostname", "kubernetes.io/os",
            "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type", "failure-domain.beta.kubernetes.io/zone",
            "failure-domain.beta.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
            "node.kubernetes.io/windows-build");
    private static final Set<String> KUBELET_LABEL_NAMESPACES = Set.of("kubelet.kubernetes.io", "node.kubernetes.io");

    private final String resource;
    private final GenericStore.WriteHook next;
    private final Function<String, ObjectNode> nodes;

    /**
     * @param resource pods, nodes or persistentvolumeclaims (status only); {@code next} is the store's own hook, run after these checks
     * @param nodes    a Node by name (a missing one: the store's 404), to check a mirror pod's owner uid
     */
    public NodeRestriction(String resource, GenericStore.WriteHook next, Function<String, ObjectNode> nodes) {
        this.resource = resource;
        this.next = next;
        this.nodes = nodes;
    }

    /**
     * A kubelet's status writes: pods only when bound to it (labels cannot change through status
     * here, the status strategy keeping metadata); claims only in status.capacity, status.conditions
     * and the expansion-recovery fields, as upstream's admitPVCStatus.
     */
    @Override
    public void beforeSubresourceUpdate(String subresource, ObjectNode object, ObjectNode old) {
        Optional<String> node = node();
        if (node.isEmpty() || !subresource.equals("status")) {
            return;
        }
        if (resource.equals("pods")) {
            admitPodStatus(old);
        } else if (resource.equals("persistentvolumeclaims")) {
            ObjectNode before = old.deepCopy();
            ObjectNode after = object.deepCopy();
            for (ObjectNode claim : List.of(before, after)) {
                ObjectNode meta = (ObjectNode) claim.path("metadata");
                meta.remove(List.of("resourceVersion", "managedFields"));
                if (claim.get("status") instanceof ObjectNode status) {
                    status.remove(List.of("capacity", "conditions", "allocatedResources", "allocatedResourceStatuses"));
                }
            }
            if (!before.equals(after)) {
                throw Forbidden.forbidden("", "persistentvolumeclaims", name(old), "node " + Forbidden.quote(node.get())
                        + " is not allowed to update fields other than status.capacity and status.conditions: "
                        + "status " + before.path("status") + " would become " + after.path("status"));
            }
        }
    }

    /**
     * A kubelet's TokenRequest (upstream's admitServiceAccount): bound to a pod, by uid, that is
     * scheduled on the requesting node, so a node cannot mint tokens for pods it does not run.
     *
     * @param pods a pod by namespace and name (a missing one: the store's 404, as upstream returns it)
     */
    public static void admitTokenRequest(String namespace, String serviceAccount, ObjectNode tokenRequest,
                                         java.util.function.BiFunction<String, String, ObjectNode> pods) {
        Optional<String> node = node();
        if (node.isEmpty()) {
            return;
        }
        JsonNode ref = tokenRequest.path("spec").path("boundObjectRef");
        if (!ref.path("apiVersion").asText().equals("v1") || !ref.path("kind").asText().equals("Pod")
                || ref.path("name").asText().isEmpty()) {
            throw Forbidden.forbidden("", "serviceaccounts", serviceAccount, "node requested token not bound to a pod");
        }
        String uid = ref.path("uid").asText();
        if (uid.isEmpty()) {
            throw Forbidden.forbidden("", "serviceaccounts", serviceAccount,
                    "node requested token with a pod binding without a uid");
        }
        ObjectNode pod = pods.apply(namespace, ref.path("name").asText());
        if (!uid.equals(pod.path("metadata").path("uid").asText())) {
            throw Forbidden.forbidden("", "serviceaccounts", serviceAccount, "the UID in the bound object reference (" + uid
                    + ") does not match the UID in record. The object might have been deleted and then recreated");
        }
        if (!pod.path("spec").path("nodeName").asText().equals(node.get())) {
            throw Forbidden.forbidden("", "serviceaccounts", serviceAccount,
                    "node requested token bound to a pod scheduled on a different node");
        }
    }

    private static Optional<String> node() {
        return RequestUser.current().flatMap(NodeIdentity::nodeName);
    }

    @Override
    public Outcome beforeCreate(ObjectNode object, boolean dryRun) {
        Optional<String> node = node();
        if (node.isPresent()) {
            if (resource.equals("pods")) {
                admitPodCreate(node.get(), object);
            } else if (resource.equals("nodes")) {
                admitNode(node.get(), object, null);
            }
        }
        return next.beforeCreate(object, dryRun);
    }

    @Override
    public Outcome beforeUpdate(ObjectNode object, ObjectNode old, boolean dryRun) {
        Optional<String> node = node();
        if (node.isPresent()) {
            if (resource.equals("pods")) {
                if (!old.path("spec").path("nodeName").asText().equals(node.get())) {
                    throw forbidden(name(old), "node " + Forbidden.quote(node.get())
                            + " can only update pod status for pods with spec.nodeName set to itself");
                }
            } else if (resource.equals("nodes")) {
                admitNode(node.get(), object, old);
            }
        }
        return next.beforeUpdate(object, old, dryRun);
    }

    @Override
    public void afterDelete(ObjectNode object) {
        next.afterDelete(object);
    }

    /** A delete by a kubelet, checked against the stored object before anything is written. */
    public static void admitDelete(String resource, ObjectNode existing) {
        Optional<String> node = node();
        if (node.isEmpty()) {
            return;
        }
        if (resource.equals("pods") && !existing.path("spec").path("nodeName").asText().equals(node.get())) {
            throw Forbidden.forbidden("", "pods", name(existing), "node " + Forbidden.quote(node.get())
                    + " can only delete pods with spec.nodeName set to itself");
        }
        if (resource.equals("nodes") && !name(existing).equals(node.get())) {
            throw Forbidden.forbidden("", "nodes", name(existing), "node " + Forbidden.quote(node.get())
                    + " is not allowed to delete node " + Forbidden.quote(name(existing)));
        }
    }

    /**
     * A kubelet's write of a pod's status, checked against the stored pod before the write (the
     * stores run write hooks for the main object only).
     */
    public static void admitPodStatus(ObjectNode existing) {
        Optional<String> node = node();
        if (node.isPresent() && !existing.path("spec").path("nodeName").asText().equals(node.get())) {
            throw Forbidden.forbidden("", "pods", name(existing), "node " + Forbidden.quote(node.get())
                    + " can only update pod status for pods with spec.nodeName set to itself");
        }
    }

    private void admitPodCreate(String node, ObjectNode pod) {
        String name = name(pod);
        String who = "node " + Forbidden.quote(node);
        if (!pod.path("metadata").path("annotations").has(MIRROR)) {
            throw forbidden(name, "pod does not have " + Forbidden.quote(MIRROR) + " annotation, " + who
                    + " can only create mirror pods");
        }
        if (!pod.path("spec").path("nodeName").asText().equals(node)) {
            throw forbidden(name, who + " can only create pods with spec.nodeName set to itself");
        }
        JsonNode owners = pod.path("metadata").path("ownerReferences");
        if (owners.size() > 1) {
            throw forbidden(name, who + " can only create pods with a single owner reference set to itself");
        }
        if (owners.size() == 1) {
            JsonNode owner = owners.get(0);
            if (!owner.path("apiVersion").asText().equals("v1") || !owner.path("kind").asText().equals("Node")
                    || !owner.path("name").asText().equals(node)) {
                throw forbidden(name, who + " can only create pods with an owner reference set to itself");
            }
            if (!owner.path("controller").asBoolean(false)) {
                throw forbidden(name, who + " can only create pods with a controller owner reference set to itself");
            }
            if (owner.path("blockOwnerDeletion").asBoolean(false)) {
                throw forbidden(name, who + " must not set blockOwnerDeletion on an owner reference");
            }
            String nodeUid = nodes.apply(node).path("metadata").path("uid").asText();
            if (!owner.path("uid").asText().equals(nodeUid)) {
                throw forbidden(name, "node " + node + " UID mismatch: expected " + owner.path("uid").asText() + " got "
                        + nodeUid);
            }
        }
        JsonNode spec = pod.path("spec");
        if (!spec.path("serviceAccountName").asText().isEmpty()) {
            throw forbidden(name, who + " can not create pods that reference a service account");
        }
        Set<String> references = new java.util.HashSet<>();
        NodeGraph.addPodReferences(pod, pod.path("metadata").path("namespace").asText(), references);
        for (String kind : List.of("secret", "configmap", "pvc")) {
            if (references.stream().anyMatch(r -> r.startsWith(kind + "/"))) {
                String plural = switch (kind) {
                    case "secret" -> "secrets";
                    case "configmap" -> "configmaps";
                    default -> "persistentvolumeclaims";
                };
                throw forbidden(name, who + " can not create pods that reference " + plural);
            }
        }
    }

    private void admitNode(String node, ObjectNode object, ObjectNode old) {
        String requested = name(object);
        if (!requested.equals(node)) {
            throw forbidden(requested, "node " + Forbidden.quote(node) + " is not allowed to modify node "
                    + Forbidden.quote(requested));
        }
        JsonNode labels = object.path("metadata").path("labels");
        if (old == null) {
            Set<String> forbiddenLabels = forbiddenLabels(keys(labels));
            if (!forbiddenLabels.isEmpty()) {
                throw forbidden(requested, "is not allowed to set the following labels: " + String.join(", ", forbiddenLabels));
            }
            return;
        }
        if (!object.path("spec").path("taints").equals(old.path("spec").path("taints"))) {
            throw forbidden(requested, "node " + Forbidden.quote(node) + " is not allowed to modify taints");
        }
        JsonNode oldLabels = old.path("metadata").path("labels");
        List<String> modified = new ArrayList<>();
        for (String key : keys(labels)) {
            if (!labels.path(key).equals(oldLabels.path(key))) {
                modified.add(key);
            }
        }
        for (String key : keys(oldLabels)) {
            if (!labels.has(key)) {
                modified.add(key);
            }
        }
        Set<String> forbiddenLabels = forbiddenLabels(modified);
        if (!forbiddenLabels.isEmpty()) {
            throw forbidden(requested, "is not allowed to modify labels: " + String.join(", ", forbiddenLabels));
        }
    }

    private static List<String> keys(JsonNode labels) {
        List<String> out = new ArrayList<>();
        Iterator<String> names = labels.fieldNames();
        names.forEachRemaining(out::add);
        return out;
    }

    private static Set<String> forbiddenLabels(List<String> labels) {
        Set<String> out = new TreeSet<>();
        for (String label : labels) {
            int slash = label.indexOf('/');
            String namespace = slash < 0 ? "" : label.substring(0, slash);
            if (namespace.equals("node-restriction.kubernetes.io") || namespace.endsWith(".node-restriction.kubernetes.io")) {
                out.add(label);
            }
            boolean kubernetes = namespace.equals("kubernetes.io") || namespace.endsWith(".kubernetes.io")
                    || namespace.equals("k8s.io") || namespace.endsWith(".k8s.io");
            boolean kubelet = KUBELET_LABELS.contains(label) || KUBELET_LABEL_NAMESPACES.stream()
                    .anyMatch(ns -> namespace.equals(ns) || namespace.endsWith("." + ns));
            if (kubernetes && !kubelet) {
                out.add(label);
            }
        }
        return out;
    }

    private static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    private RuntimeException forbidden(String name, String why) {
        return Forbidden.forbidden("", resource, name, why);
    }
}
