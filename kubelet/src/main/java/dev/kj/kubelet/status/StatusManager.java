package dev.kj.kubelet.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.objects.Json;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes pod statuses through {@code pods/status} with a JSON merge patch that names the pod's uid
 * (so a re-created pod of the same name is never written), only when the status changed; a pod
 * whose phase is terminal keeps its status (upstream's status manager refuses to leave a terminal
 * phase).
 */
public final class StatusManager {
    private static final System.Logger LOG = System.getLogger(StatusManager.class.getName());
    private final ResourceClient<Pod> pods;
    private final Map<String, JsonNode> written = new ConcurrentHashMap<>();

    public StatusManager(ResourceClient<Pod> pods) {
        this.pods = pods;
    }

    public static boolean terminal(PodStatus status) {
        return status != null && ("Succeeded".equals(status.getPhase()) || "Failed".equals(status.getPhase()));
    }

    /** @return whether a patch was sent */
    public boolean update(Pod pod, PodStatus status) {
        if (terminal(pod.getStatus()) && !terminal(status)) {
            return false;
        }
        String uid = pod.getMetadata().getUid();
        JsonNode wanted = Json.tree(status);
        if (wanted.equals(written.get(uid)) || (pod.getStatus() != null && wanted.equals(Json.tree(pod.getStatus())))) {
            return false;
        }
        ObjectNode patch = Json.TREES.createObjectNode();
        patch.putObject("metadata").put("uid", uid);
        patch.set("status", wanted);
        try {
            pods.patchStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), PatchType.MERGE,
                    new String(Json.write(patch), StandardCharsets.UTF_8));
            written.put(uid, wanted);
            return true;
        } catch (ApiException e) {
            if (e.isNotFound() || e.isConflict()) {
                return false;
            }
            LOG.log(System.Logger.Level.WARNING, "Failed to update status for pod {0}/{1}: {2}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.getMessage());
            return false;
        }
    }

    public void forget(String uid) {
        written.remove(uid);
    }
}
