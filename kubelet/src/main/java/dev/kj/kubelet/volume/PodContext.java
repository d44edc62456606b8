package dev.kj.kubelet.volume;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * What one setUp of one pod reads: the pod, and through the API (as the node) the config maps,
 * secrets, tokens and the node's allocatable resources its volumes need, each read at most once
 * per setUp.
 */
final class PodContext implements ResourceFields.Allocatable {
    private final Pod pod;
    private final ApiClient api;
    private final TokenManager tokens;
    private Map<String, Quantity> allocatable;

    PodContext(Pod pod, ApiClient api, TokenManager tokens) {
        this.pod = pod;
        this.api = api;
        this.tokens = tokens;
    }

    Pod pod() {
        return pod;
    }

    String namespace() {
        return pod.getMetadata().getNamespace();
    }

    /** The config map, empty when it does not exist; other failures in upstream's words. */
    Optional<ConfigMap> configMap(String name) throws VolumeError {
        return read(() -> api.typed(Resources.CONFIG_MAPS, ConfigMap.class).get(namespace(), name));
    }

    Optional<Secret> secret(String name) throws VolumeError {
        return read(() -> api.typed(Resources.SECRETS, Secret.class).get(namespace(), name));
    }

    String token(String audience, long expirationSeconds) throws VolumeError {
        String account = pod.getSpec().getServiceAccountName();
        return tokens.token(new TokenManager.Key(namespace(), account == null || account.isEmpty() ? "default" : account,
                audience == null ? "" : audience, expirationSeconds, pod.getMetadata().getName(), pod.getMetadata().getUid()));
    }

    @Override
    public Map<String, Quantity> get() throws VolumeError {
        if (allocatable == null) {
            String nodeName = pod.getSpec().getNodeName();
            Node node = read(() -> api.typed(Resources.NODES, Node.class).get(null, nodeName))
                    .orElseThrow(() -> new VolumeError("node \"" + nodeName + "\" not found"));
            allocatable = node.getStatus() == null || node.getStatus().getAllocatable() == null ? Map.of()
                    : node.getStatus().getAllocatable();
        }
        return allocatable;
    }

    private interface Call<T> {
        T call();
    }

    private static <T> Optional<T> read(Call<T> call) throws VolumeError {
        try {
            return Optional.of(call.call());
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw new VolumeError(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new VolumeError(e.getCause().getMessage() == null ? e.getCause().toString() : e.getCause().getMessage(), e);
        }
    }
}
