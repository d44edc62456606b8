package dev.kj.kubelet.volume;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;

/** One volume of a pod spec, by the kind of work setting it up takes. */
sealed interface PodVolume permits PodVolume.EmptyDir, PodVolume.HostPath, PodVolume.Projected {
    String name();

    /** A directory of the pod's own, on disk or (medium Memory) a tmpfs. */
    record EmptyDir(String name, String medium, Quantity sizeLimit) implements PodVolume {
    }

    /** A path of the host, checked against its declared type (created for the *OrCreate types). */
    record HostPath(String name, String path, String type) implements PodVolume {
    }

    /**
     * configMap, secret, downwardAPI, projected: files computed from the API and the pod, written
     * with the {@link AtomicWriter} into the plugin's directory (a tmpfs when memory-backed).
     */
    record Projected(String name, String plugin, boolean memoryBacked, Payloads.Collector files) implements PodVolume {
    }

    static final String EMPTY_DIR = "kubernetes.io~empty-dir";
    static final String CONFIG_MAP = "kubernetes.io~configmap";
    static final String SECRET = "kubernetes.io~secret";
    static final String DOWNWARD_API = "kubernetes.io~downward-api";
    static final String PROJECTED = "kubernetes.io~projected";

    /** The plugins whose directories live under {@code pods/<uid>/volumes}. */
    static java.util.List<String> podPlugins() {
        return java.util.List.of(EMPTY_DIR, CONFIG_MAP, SECRET, DOWNWARD_API, PROJECTED);
    }

    static PodVolume of(Volume volume) throws VolumeError {
        String name = volume.getName();
        if (volume.getEmptyDir() != null) {
            String medium = volume.getEmptyDir().getMedium();
            return new EmptyDir(name, medium == null ? "" : medium, volume.getEmptyDir().getSizeLimit());
        }
        if (volume.getHostPath() != null) {
            String type = volume.getHostPath().getType();
            return new HostPath(name, volume.getHostPath().getPath(), type == null ? "" : type);
        }
        if (volume.getConfigMap() != null) {
            return new Projected(name, CONFIG_MAP, false, Payloads.configMap(volume.getConfigMap()));
        }
        if (volume.getSecret() != null) {
            // secrets never touch the disk: upstream wraps them in a memory-backed emptyDir
            return new Projected(name, SECRET, true, Payloads.secret(volume.getSecret()));
        }
        if (volume.getDownwardAPI() != null) {
            return new Projected(name, DOWNWARD_API, false,
                    Payloads.downwardApi(volume.getDownwardAPI().getItems(), volume.getDownwardAPI().getDefaultMode()));
        }
        if (volume.getProjected() != null) {
            return new Projected(name, PROJECTED, true, Payloads.projected(volume.getProjected()));
        }
        // persistentVolumeClaim, ephemeral, csi, image, nfs … : no plugin in kj's kubelet
        throw new VolumeError("no volume plugin matched");
    }
}
