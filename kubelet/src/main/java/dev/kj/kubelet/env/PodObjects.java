package dev.kj.kubelet.env;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Optional;

/** The API objects a container's environment reads (config maps and secrets by name, services). */
public interface PodObjects {
    Optional<ConfigMap> configMap(String namespace, String name);

    Optional<Secret> secret(String namespace, String name);

    List<Service> services();
}
