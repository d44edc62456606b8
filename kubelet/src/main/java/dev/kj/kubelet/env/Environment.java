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
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment as upstream's makeEnvironmentVariables builds it: envFrom sources
 * (prefixed; keys that are not valid names skipped and reported), then env in order, each value
 * expanded against the variables before it and the service variables, which fill in last.
 */
public final class Environment {
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern LABEL_PATH = Pattern.compile("metadata\\.(labels|annotations)\\['(.*)'\\]");

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

    /** Upstream's podFieldSelectorRuntimeValue plus ExtractFieldPathAsString. */
    static String field(Pod pod, ObjectFieldSelector selector, Facts facts) throws ConfigError {
        String path = selector.getFieldPath();
        var meta = pod.getMetadata();
        switch (path) {
            case "metadata.name" -> {
                return meta.getName();
            }
            case "metadata.namespace" -> {
                return meta.getNamespace();
            }
            case "metadata.uid" -> {
                return meta.getUid();
            }
            case "spec.nodeName" -> {
                return nullToEmpty(pod.getSpec().getNodeName());
            }
            case "spec.serviceAccountName" -> {
                return nullToEmpty(pod.getSpec().getServiceAccountName());
            }
            case "status.hostIP" -> {
                return facts.hostIps().isEmpty() ? "" : facts.hostIps().getFirst();
            }
            case "status.hostIPs" -> {
                return String.join(",", facts.hostIps());
            }
            case "status.podIP" -> {
                return facts.podIps().isEmpty() ? "" : facts.podIps().getFirst();
            }
            case "status.podIPs" -> {
                return String.join(",", facts.podIps());
            }
            case "metadata.labels" -> {
                return formatMap(meta.getLabels());
            }
            case "metadata.annotations" -> {
                return formatMap(meta.getAnnotations());
            }
            default -> {
                Matcher m = LABEL_PATH.matcher(path);
                if (m.matches()) {
                    Map<String, String> map = m.group(1).equals("labels") ? meta.getLabels() : meta.getAnnotations();
                    return map == null ? "" : nullToEmpty(map.get(m.group(2)));
                }
                throw new ConfigError("unsupported fieldPath: " + path);
            }
        }
    }

    /** Upstream's ExtractContainerResourceValue; an unset limit falls back to the node's allocatable. */
    static String resource(Pod pod, Container owner, ResourceFieldSelector selector, Facts facts) throws ConfigError {
        Container container = owner;
        if (selector.getContainerName() != null && !selector.getContainerName().isEmpty()) {
            container = allContainers(pod).stream().filter(c -> c.getName().equals(selector.getContainerName())).findFirst()
                    .orElseThrow(() -> new ConfigError("cannot find container: " + selector.getContainerName()));
        }
        String resource = selector.getResource();
        Quantity divisor = selector.getDivisor() == null ? null : selector.getDivisor();
        Map<String, Quantity> limits = container.getResources() == null || container.getResources().getLimits() == null
                ? Map.of() : container.getResources().getLimits();
        Map<String, Quantity> requests = container.getResources() == null || container.getResources().getRequests() == null
                ? Map.of() : container.getResources().getRequests();
        String kind = resource.substring(resource.indexOf('.') + 1);
        BigDecimal value;
        if (resource.startsWith("limits.")) {
            value = limits.containsKey(kind) ? Quantity.getAmountInBytes(limits.get(kind)) : allocatable(kind, facts);
        } else if (resource.startsWith("requests.")) {
            value = requests.containsKey(kind) ? Quantity.getAmountInBytes(requests.get(kind)) : BigDecimal.ZERO;
            if (!requests.containsKey(kind) && limits.containsKey(kind)) {
                value = Quantity.getAmountInBytes(limits.get(kind));
            }
        } else {
            throw new ConfigError("unsupported container resource : " + resource);
        }
        BigDecimal by = divisor == null || Quantity.getAmountInBytes(divisor).signum() == 0 ? BigDecimal.ONE : Quantity.getAmountInBytes(divisor);
        return value.divide(by, 0, RoundingMode.CEILING).toPlainString();
    }

    private static BigDecimal allocatable(String kind, Facts facts) {
        return switch (kind) {
            case "cpu" -> facts.nodeCpuCores();
            case "memory" -> facts.nodeMemoryBytes();
            default -> BigDecimal.ZERO;
        };
    }

    private static List<Container> allContainers(Pod pod) {
        List<Container> all = new ArrayList<>(nonNull(pod.getSpec().getInitContainers()));
        all.addAll(nonNull(pod.getSpec().getContainers()));
        return all;
    }

    /** Upstream's FormatMap: sorted {@code key="value"} lines, value Go-quoted. */
    private static String formatMap(Map<String, String> map) {
        if (map == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        map.keySet().stream().sorted().forEach(k -> out.append(k).append("=\"")
                .append(map.get(k).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append("\"\n"));
        return out.toString().strip();
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
