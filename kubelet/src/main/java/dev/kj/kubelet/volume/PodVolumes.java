package dev.kj.kubelet.volume;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.Map;

/**
 * The volumes of the pods on this node, as the pod workers see them: set up before a pod's
 * containers are created, torn down once none of its containers is left.
 */
public interface PodVolumes {
    /**
     * Makes every volume of the pod ready on the host and returns, by volume name, the host path
     * that a container's volumeMount binds (subPath is the caller's to append). Idempotent: a later
     * call refreshes configMap, secret, downwardAPI and projected contents, atomically for readers.
     */
    Map<String, Path> setUp(Pod pod) throws VolumeException;

    /** Removes everything {@link #setUp} made for the pod with this uid (unmounting what it mounted). */
    void tearDown(String podUid) throws VolumeException;
}
