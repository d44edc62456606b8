package dev.kj.kubelet.env;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.ResourceFieldSelectorBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import dev.kj.kubelet.volume.FieldPath;
import dev.kj.kubelet.volume.ResourceFields;
import dev.kj.kubelet.volume.VolumeError;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * A container's environment as upstream's makeEnvironmentVariables builds it: envFrom sources
 * (prefixed; keys that are not valid names skipped and reported), then env in order, each value
 * expanded against the variables before it and the service variables, which fill in last.
 */
public final class Environment {
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    /** What the pod's environment may refer to beyond the pod object. */
    public record Facts(List<String> podIps, List<String> hostIps, BigDecimal nodeCpuCores, BigDecimal nodeMemoryBytes) {
    }

    private Environment() {
    }

    /**
     * @param invalidKeys told, per envFrom source, the keys skipped (upstream's
     *                    InvalidEnvironmentVariableNames event)
     */
    public static Map<String, String> make(Pod pod, Container container, Facts facts, PodObjects objects,
                                           BiConsumer<String, String> invalidKeys) throws ConfigError {
        String ns = pod.getMetadata().getNamespace();
        boolean links = pod.getSpec().getEnableServiceLinks() == null || pod.getSpec().getEnableServiceLinks();
        Map<String, String> serviceEnv = ServiceLinks.variables(ServiceLinks.visible(objects.services(), ns, links));
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : nonNull(container.getEnvFrom())) {
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            List<String> invalid = new ArrayList<>();
            if (from.getConfigMapRef() != null) {
                String name = from.getConfigMapRef().getName();
                Optional<ConfigMap> cm = objects.configMap(ns, name);
                if (cm.isEmpty()) {
                    if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        continue;
                    }
                    throw new ConfigError("configmap \"" + name + "\" not found");
                }
                putAll(env, prefix, data(cm.get()), invalid);
                report(invalidKeys, invalid, "configMap", ns, name);
            } else if (from.getSecretRef() != null) {
                String name = from.getSecretRef().getName();
                Optional<Secret> secret = objects.secret(ns, name);
                if (secret.isEmpty()) {
                    if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        continue;
                    }
                    throw new ConfigError("secret \"" + name + "\" not found");
                }
                putAll(env, prefix, data(secret.get()), invalid);
                report(invalidKeys, invalid, "secret", ns, name);
            }
        }
        for (EnvVar var : nonNull(container.getEnv())) {
            String value = var.getValue() == null ? "" : var.getValue();
            if (var.getValueFrom() == null) {
                Map<String, String> before = env;
                value = Expansion.expand(value, name -> before.containsKey(name) ? before.get(name) : serviceEnv.get(name));
            } else {
                Optional<String> resolved = valueFrom(pod, container, var.getValueFrom(), facts, objects);
                if (resolved.isEmpty()) {
                    continue; // an optional reference to something absent: the variable is left out
                }
                value = resolved.get();
            }
            env.put(var.getName(), value);
        }
        Map<String, String> result = new LinkedHashMap<>(env);
        serviceEnv.forEach(result::putIfAbsent);
        return result;
    }

    /** Expands {@code $(VAR)} in a command or args entry against the container's final environment. */
    public static List<String> expand(List<String> values, Map<String, String> env) {
        return nonNull(values).stream().map(v -> Expansion.expand(v, env::get)).toList();
    }

    private static Optional<String> valueFrom(Pod pod, Container container, EnvVarSource source, Facts facts, PodObjects objects)
            throws ConfigError {
        String ns = pod.getMetadata().getNamespace();
        if (source.getFieldRef() != null) {
            return Optional.of(field(pod, source.getFieldRef(), facts));
        }
        if (source.getResourceFieldRef() != null) {
            return Optional.of(resource(pod, container, source.getResourceFieldRef(), facts));
        }
        if (source.getConfigMapKeyRef() != null) {
            var ref = source.getConfigMapKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<ConfigMap> cm = objects.configMap(ns, ref.getName());
            if (cm.isEmpty()) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("configmap \"" + ref.getName() + "\" not found");
            }
            String value = data(cm.get()).get(ref.getKey());
            if (value == null) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
            }
            return Optional.of(value);
        }
        if (source.getSecretKeyRef() != null) {
            var ref = source.getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<Secret> secret = objects.secret(ns, ref.getName());
            if (secret.isEmpty()) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("secret \"" + ref.getName() + "\" not found");
            }
            String value = data(secret.get()).get(ref.getKey());
            if (value == null) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
            }
            return Optional.of(value);
        }
        return Optional.of("");
    }

    /** Upstream's podFieldSelectorRuntimeValue; metadata paths as a downwardAPI file shows them (volume.FieldPath). */
    static String field(Pod pod, ObjectFieldSelector selector, Facts facts) throws ConfigError {
        String path = selector.getFieldPath();
        return switch (path) {
            case "spec.nodeName" -> nullToEmpty(pod.getSpec().getNodeName());
            case "spec.serviceAccountName" -> nullToEmpty(pod.getSpec().getServiceAccountName());
            case "status.hostIP" -> facts.hostIps().isEmpty() ? "" : facts.hostIps().getFirst();
            case "status.hostIPs" -> String.join(",", facts.hostIps());
            case "status.podIP" -> facts.podIps().isEmpty() ? "" : facts.podIps().getFirst();
            case "status.podIPs" -> String.join(",", facts.podIps());
            default -> {
                try {
                    yield FieldPath.extract(pod, path);
                } catch (VolumeError e) {
                    throw new ConfigError(e.getMessage());
                }
            }
        };
    }

    /** A request or limit (volume.ResourceFields, shared with downwardAPI volumes); the container defaults to the one being made. */
    static String resource(Pod pod, Container owner, ResourceFieldSelector selector, Facts facts) throws ConfigError {
        ResourceFieldSelector withContainer = selector.getContainerName() == null || selector.getContainerName().isEmpty()
                ? new ResourceFieldSelectorBuilder(selector).withContainerName(owner.getName()).build() : selector;
        try {
            return ResourceFields.extract(withContainer, pod, () -> Map.of("cpu", new Quantity(facts.nodeCpuCores().toPlainString()),
                    "memory", new Quantity(facts.nodeMemoryBytes().toPlainString())));
        } catch (VolumeError e) {
            throw new ConfigError(e.getMessage());
        }
    }

    private static void putAll(Map<String, String> env, String prefix, Map<String, String> data, List<String> invalid) {
        data.keySet().stream().sorted().forEach(key -> {
            String name = prefix + key;
            if (ENV_NAME.matcher(name).matches()) {
                env.put(name, data.get(key));
            } else {
                invalid.add(name);
            }
        });
    }

    private static void report(BiConsumer<String, String> invalidKeys, List<String> invalid, String kind, String ns, String name) {
        if (!invalid.isEmpty()) {
            invalidKeys.accept("InvalidEnvironmentVariableNames", "Keys [" + String.join(", ", invalid) + "] from the EnvFrom "
                    + kind + " " + ns + "/" + name + " were skipped since they are considered invalid environment variable names.");
        }
    }

    private static Map<String, String> data(ConfigMap cm) {
        Map<String, String> out = new LinkedHashMap<>();
        if (cm.getData() != null) {
            out.putAll(cm.getData());
        }
        if (cm.getBinaryData() != null) {
            cm.getBinaryData().forEach((k, v) -> out.putIfAbsent(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static Map<String, String> data(Secret secret) {
        Map<String, String> out = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
