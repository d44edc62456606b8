package dev.kj.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import dev.kj.api.objects.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels and annotations kuberuntime puts on sandboxes and containers (upstream's labels.go). */
public final class Labels {
    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";
    public static final String RESTART_COUNT = "io.kubernetes.container.restartCount";
    public static final String HASH = "io.kubernetes.container.hash";
    public static final String TERMINATION_MESSAGE_PATH = "io.kubernetes.container.terminationMessagePath";
    public static final String TERMINATION_MESSAGE_POLICY = "io.kubernetes.container.terminationMessagePolicy";
    public static final String POD_TERMINATION_GRACE_PERIOD = "io.kubernetes.pod.terminationGracePeriod";
    public static final String POD_DELETION_GRACE_PERIOD = "io.kubernetes.pod.deletionGracePeriod";

    private Labels() {
    }

    /** The pod's own labels plus the three that tie a sandbox to its Pod. */
    public static Map<String, String> sandbox(Pod pod) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (pod.getMetadata().getLabels() != null) {
            labels.putAll(pod.getMetadata().getLabels());
        }
        labels.put(POD_NAME, pod.getMetadata().getName());
        labels.put(POD_NAMESPACE, pod.getMetadata().getNamespace());
        labels.put(POD_UID, pod.getMetadata().getUid());
        return labels;
    }

    public static Map<String, String> container(Pod pod, Container container) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(POD_NAME, pod.getMetadata().getName());
        labels.put(POD_NAMESPACE, pod.getMetadata().getNamespace());
        labels.put(POD_UID, pod.getMetadata().getUid());
        labels.put(CONTAINER_NAME, container.getName());
        return labels;
    }

    public static Map<String, String> containerAnnotations(Pod pod, Container container, int restartCount) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(HASH, hash(container));
        annotations.put(RESTART_COUNT, Integer.toString(restartCount));
        annotations.put(TERMINATION_MESSAGE_PATH, terminationMessagePath(container));
        annotations.put(TERMINATION_MESSAGE_POLICY, container.getTerminationMessagePolicy() == null ? "File" : container.getTerminationMessagePolicy());
        Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
        annotations.put(POD_TERMINATION_GRACE_PERIOD, Long.toString(grace == null ? 30 : grace));
        return annotations;
    }

    public static String terminationMessagePath(Container container) {
        String path = container.getTerminationMessagePath();
        return path == null || path.isEmpty() ? "/dev/termination-log" : path;
    }

    /** A change of the container's spec restarts it (upstream hashes the spec the same way: FNV-32a of its JSON). */
    public static String hash(Container container) {
        byte[] json = Json.write(Json.tree(container));
        int h = 0x811c9dc5;
        for (byte b : json) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return Integer.toHexString(h);
    }

    static int intAnnotation(Map<String, String> annotations, String key) {
        try {
            return Integer.parseInt(annotations.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

}
