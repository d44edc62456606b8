package dev.kj.apiserver.authz.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authz.StoreMirror;
import dev.kj.apiserver.registry.GenericStore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each node may reach (upstream's node authorizer graph, built here from in-memory copies of
 * pods, persistent volume claims and volume attachments): the pods bound to it, and the secrets,
 * config maps, claims and service accounts those pods reference, the volumes bound to those
 * claims and the secrets those volumes name, and the attachments naming the node. Rebuilt lazily after a change.
 */
public final class NodeGraph implements AutoCloseable {
    private final StoreMirror pods;
    private final StoreMirror claims;
    private final StoreMirror volumes;
    private final StoreMirror attachments;
    private volatile Map<String, Set<String>> reachable;

    public NodeGraph(GenericStore pods, GenericStore claims, GenericStore volumes, GenericStore attachments) {
        Runnable changed = () -> reachable = null;
        this.pods = new StoreMirror(pods, changed);
        this.claims = new StoreMirror(claims, changed);
        this.volumes = new StoreMirror(volumes, changed);
        this.attachments = new StoreMirror(attachments, changed);
    }

    /** Whether {@code node} has a path to the object, named {@code kind/namespace/name} ("" namespace for cluster objects). */
    public boolean reaches(String node, String kind, String namespace, String name) {
        return reachable().getOrDefault(node, Set.of()).contains(kind + "/" + namespace + "/" + name);
    }

    /** The pod as this server last saw it, or null. */
    public ObjectNode pod(String namespace, String name) {
        return pods.get(namespace, name);
    }

    private Map<String, Set<String>> reachable() {
        Map<String, Set<String>> current = reachable;
        if (current != null) {
            return current;
        }
        Map<String, Set<String>> out = new HashMap<>();
        for (ObjectNode pod : pods.objects()) {
            String node = pod.path("spec").path("nodeName").asText();
            if (node.isEmpty()) {
                continue;
            }
            String namespace = pod.path("metadata").path("namespace").asText();
            Set<String> set = out.computeIfAbsent(node, n -> new HashSet<>());
            set.add("pod/" + namespace + "/" + pod.path("metadata").path("name").asText());
            addPodReferences(pod, namespace, set);
        }
        for (ObjectNode attachment : attachments.objects()) {
            String node = attachment.path("spec").path("nodeName").asText();
            if (!node.isEmpty()) {
                out.computeIfAbsent(node, n -> new HashSet<>()).add("volumeattachment//"
                        + attachment.path("metadata").path("name").asText());
            }
        }
        for (Set<String> set : out.values()) {
            for (String entry : List.copyOf(set)) {
                if (entry.startsWith("pvc/")) {
                    String[] parts = entry.split("/", 3);
                    ObjectNode claim = claims.get(parts[1], parts[2]);
                    if (claim != null && !claim.path("spec").path("volumeName").asText().isEmpty()) {
                        String volumeName = claim.path("spec").path("volumeName").asText();
                        set.add("pv//" + volumeName);
                        ObjectNode volume = volumes.get("", volumeName);
                        if (volume != null) {
                            addVolumeSecrets(volume, set);
                        }
                    }
                }
            }
        }
        reachable = out;
        return out;
    }

    static void addPodReferences(ObjectNode pod, String namespace, Set<String> set) {
        JsonNode spec = pod.path("spec");
        String serviceAccount = spec.path("serviceAccountName").asText();
        if (!serviceAccount.isEmpty()) {
            set.add("serviceaccount/" + namespace + "/" + serviceAccount);
        }
        spec.path("imagePullSecrets").forEach(s -> add(set, "secret", namespace, s.path("name")));
        for (String list : List.of("containers", "initContainers", "ephemeralContainers")) {
            for (JsonNode container : spec.path(list)) {
                for (JsonNode env : container.path("env")) {
                    add(set, "secret", namespace, env.path("valueFrom").path("secretKeyRef").path("name"));
                    add(set, "configmap", namespace, env.path("valueFrom").path("configMapKeyRef").path("name"));
                }
                for (JsonNode from : container.path("envFrom")) {
                    add(set, "secret", namespace, from.path("secretRef").path("name"));
                    add(set, "configmap", namespace, from.path("configMapRef").path("name"));
                }
            }
        }
        String podName = pod.path("metadata").path("name").asText();
        for (JsonNode volume : spec.path("volumes")) {
            add(set, "secret", namespace, volume.path("secret").path("secretName"));
            add(set, "configmap", namespace, volume.path("configMap").path("name"));
            add(set, "pvc", namespace, volume.path("persistentVolumeClaim").path("claimName"));
            if (volume.has("ephemeral")) { // the claim the ephemeral volume controller makes: <pod>-<volume>
                set.add("pvc/" + namespace + "/" + podName + "-" + volume.path("name").asText());
            }
            for (JsonNode source : volume.path("projected").path("sources")) {
                add(set, "secret", namespace, source.path("secret").path("name"));
                add(set, "configmap", namespace, source.path("configMap").path("name"));
            }
            // volume plugins that name a secret of the pod's namespace
            for (String plugin : List.of("azureFile", "cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos", "csi")) {
                JsonNode ref = volume.path(plugin);
                add(set, "secret", namespace, ref.path("secretRef").path("name"));
                add(set, "secret", namespace, ref.path("nodePublishSecretRef").path("name"));
            }
            add(set, "secret", namespace, volume.path("azureFile").path("secretName"));
        }
    }

    /**
     * The secrets a persistent volume's source names (upstream's VisitPVSecretNames): a reference
     * without a namespace means the bound claim's namespace; azureFile's secret, without
     * secretNamespace, the claim's or "default"; CSI's references carry their own.
     */
    static void addVolumeSecrets(ObjectNode volume, Set<String> set) {
        JsonNode spec = volume.path("spec");
        String claimNamespace = spec.path("claimRef").path("namespace").asText();
        for (String plugin : List.of("cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos")) {
            JsonNode ref = spec.path(plugin).path("secretRef");
            String namespace = ref.path("namespace").asText();
            add(set, "secret", namespace.isEmpty() ? claimNamespace : namespace, ref.path("name"));
        }
        JsonNode azureFile = spec.path("azureFile");
        String azureNamespace = azureFile.path("secretNamespace").isTextual() ? azureFile.path("secretNamespace").asText()
                : claimNamespace.isEmpty() ? "default" : claimNamespace;
        add(set, "secret", azureNamespace, azureFile.path("secretName"));
        for (String field : List.of("controllerPublishSecretRef", "nodeStageSecretRef", "nodePublishSecretRef",
                "controllerExpandSecretRef", "nodeExpandSecretRef")) {
            JsonNode ref = spec.path("csi").path(field);
            add(set, "secret", ref.path("namespace").asText(), ref.path("name"));
        }
    }

    private static void add(Set<String> set, String kind, String namespace, JsonNode name) {
        if (name.isTextual() && !name.asText().isEmpty()) {
            set.add(kind + "/" + namespace + "/" + name.asText());
        }
    }

    public void awaitSynced() throws InterruptedException {
        for (StoreMirror mirror : List.of(pods, claims, volumes, attachments)) {
            if (!mirror.awaitSynced(60)) {
                throw new IllegalStateException("pods, claims, volumes and attachments were not listed within 60 s");
            }
        }
    }

    @Override
    public void close() {
        pods.close();
        claims.close();
        volumes.close();
        attachments.close();
    }
}
