package dev.kj.kubelet.volume;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapProjection;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretProjection;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The files of configMap, secret, downwardAPI and projected volumes, as upstream's plugins compute
 * them (MakePayload, CollectData, projected's collectData), with their error messages.
 */
final class Payloads {
    /** Upstream's defaulted defaultMode (the API server defaults it too). */
    static final int DEFAULT_MODE = 0644;
    /** Upstream's default (and the API server's) serviceAccountToken expirationSeconds. */
    static final long DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

    private Payloads() {
    }

    /** Files computed for one setUp of one volume. */
    @FunctionalInterface
    interface Collector {
        Map<String, FileProjection> collect(PodContext pod) throws VolumeError;
    }

    static Collector configMap(ConfigMapVolumeSource source) {
        boolean optional = Boolean.TRUE.equals(source.getOptional());
        int mode = mode(source.getDefaultMode());
        return pod -> {
            Map<String, byte[]> data = configMapData(pod, source.getName(), optional);
            return keysToFiles(data, source.getItems(), mode, optional, "configmap references non-existent config key: ");
        };
    }

    static Collector secret(SecretVolumeSource source) {
        boolean optional = Boolean.TRUE.equals(source.getOptional());
        int mode = mode(source.getDefaultMode());
        return pod -> {
            Map<String, byte[]> data = secretData(pod, source.getSecretName(), optional);
            return keysToFiles(data, source.getItems(), mode, optional, "references non-existent secret key: ");
        };
    }

    static Collector downwardApi(List<DownwardAPIVolumeFile> items, Integer defaultMode) {
        int mode = mode(defaultMode);
        return pod -> {
            List<String> errors = new ArrayList<>();
            Map<String, FileProjection> files = downwardApiFiles(pod, items, mode, errors);
            if (!errors.isEmpty()) {
                throw new VolumeError(aggregate(errors));
            }
            return files;
        };
    }

    static Collector projected(ProjectedVolumeSource source) {
        int mode = mode(source.getDefaultMode());
        return pod -> {
            Map<String, FileProjection> files = new TreeMap<>();
            List<String> errors = new ArrayList<>();
            for (VolumeProjection projection : source.getSources() == null ? List.<VolumeProjection>of() : source.getSources()) {
                try {
                    if (projection.getConfigMap() != null) {
                        ConfigMapProjection cm = projection.getConfigMap();
                        boolean optional = Boolean.TRUE.equals(cm.getOptional());
                        files.putAll(keysToFiles(configMapData(pod, cm.getName(), optional), cm.getItems(), mode, optional,
                                "configmap references non-existent config key: "));
                    } else if (projection.getSecret() != null) {
                        SecretProjection secret = projection.getSecret();
                        boolean optional = Boolean.TRUE.equals(secret.getOptional());
                        files.putAll(keysToFiles(secretData(pod, secret.getName(), optional), secret.getItems(), mode, optional,
                                "references non-existent secret key: "));
                    } else if (projection.getDownwardAPI() != null) {
                        files.putAll(downwardApiFiles(pod, projection.getDownwardAPI().getItems(), mode, errors));
                    } else if (projection.getServiceAccountToken() != null) {
                        ServiceAccountTokenProjection token = projection.getServiceAccountToken();
                        long seconds = token.getExpirationSeconds() == null ? DEFAULT_TOKEN_EXPIRATION_SECONDS
                                : token.getExpirationSeconds();
                        // with an fsGroup the token starts 0600 and the ownership pass makes it 0640
                        int tokenMode = fsGroup(pod).isPresent() ? 0600 : mode;
                        files.put(token.getPath(), new FileProjection(
                                pod.token(token.getAudience(), seconds).getBytes(StandardCharsets.UTF_8), tokenMode));
                    } else if (projection.getClusterTrustBundle() != null) {
                        errors.add("clusterTrustBundle projections are not supported by kj's kubelet");
                    }
                } catch (VolumeError e) {
                    errors.add(e.getMessage());
                }
            }
            if (!errors.isEmpty()) {
                throw new VolumeError(aggregate(errors));
            }
            return files;
        };
    }

    static Optional<Long> fsGroup(PodContext pod) {
        var context = pod.pod().getSpec().getSecurityContext();
        return Optional.ofNullable(context == null ? null : context.getFsGroup());
    }

    private static int mode(Integer mode) {
        return mode == null ? DEFAULT_MODE : mode;
    }

    /** apimachinery's aggregate error: one message alone, several in brackets. */
    static String aggregate(List<String> errors) {
        return errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]";
    }

    private static Map<String, byte[]> configMapData(PodContext pod, String name, boolean optional) throws VolumeError {
        Optional<ConfigMap> found = pod.configMap(name);
        if (found.isEmpty()) {
            if (optional) {
                return Map.of();
            }
            // the kubelet's object cache names the resource in the singular
            throw new VolumeError("configmap \"" + name + "\" not found");
        }
        Map<String, byte[]> data = new TreeMap<>();
        if (found.get().getData() != null) {
            found.get().getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (found.get().getBinaryData() != null) {
            found.get().getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        return data;
    }

    private static Map<String, byte[]> secretData(PodContext pod, String name, boolean optional) throws VolumeError {
        Optional<Secret> found = pod.secret(name);
        if (found.isEmpty()) {
            if (optional) {
                return Map.of();
            }
            throw new VolumeError("secret \"" + name + "\" not found");
        }
        Map<String, byte[]> data = new TreeMap<>();
        if (found.get().getData() != null) {
            found.get().getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        return data;
    }

    /** Every key under its own name, or only the listed items under their paths (a listed key that is missing fails unless optional). */
    private static Map<String, FileProjection> keysToFiles(Map<String, byte[]> data, List<KeyToPath> items, int defaultMode,
                                                           boolean optional, String missingKey) throws VolumeError {
        Map<String, FileProjection> files = new TreeMap<>();
        if (items == null || items.isEmpty()) {
            data.forEach((key, bytes) -> files.put(key, new FileProjection(bytes, defaultMode)));
            return files;
        }
        for (KeyToPath item : items) {
            byte[] bytes = data.get(item.getKey());
            if (bytes == null) {
                if (optional) {
                    continue;
                }
                throw new VolumeError(missingKey + item.getKey());
            }
            files.put(item.getPath(), new FileProjection(bytes, item.getMode() == null ? defaultMode : item.getMode()));
        }
        return files;
    }

    /** downwardAPI items; a field that cannot be read adds its error and leaves an empty file, as upstream. */
    private static Map<String, FileProjection> downwardApiFiles(PodContext pod, List<DownwardAPIVolumeFile> items, int defaultMode,
                                                                List<String> errors) {
        Map<String, FileProjection> files = new TreeMap<>();
        for (DownwardAPIVolumeFile item : items == null ? List.<DownwardAPIVolumeFile>of() : items) {
            int mode = item.getMode() == null ? defaultMode : item.getMode();
            String value = "";
            try {
                if (item.getFieldRef() != null) {
                    value = FieldPath.extract(pod.pod(), item.getFieldRef().getFieldPath());
                } else if (item.getResourceFieldRef() != null) {
                    value = ResourceFields.extract(item.getResourceFieldRef(), pod.pod(), pod);
                }
            } catch (VolumeError e) {
                errors.add(e.getMessage());
            }
            files.put(AtomicWriter.cleanPath(item.getPath()), new FileProjection(value.getBytes(StandardCharsets.UTF_8), mode));
        }
        return files;
    }
}
