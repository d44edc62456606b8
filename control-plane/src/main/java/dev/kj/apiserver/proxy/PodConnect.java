package dev.kj.apiserver.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.endpoints.ApiResponse;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.GenericStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The connect subresources: pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy, as
 * upstream's pod and node REST storage: the options checked and the container defaulted as there,
 * then the request sent on to the kubelet of the pod's node.
 */
public final class PodConnect {
    private final GenericStore pods;
    private final GenericStore nodes;
    private final KubeletClient kubelets;

    public PodConnect(GenericStore pods, GenericStore nodes, KubeletClient kubelets) {
        this.pods = pods;
        this.nodes = nodes;
        this.kubelets = kubelets;
    }

    /** Whether this router path is a connect subresource. */
    public static boolean serves(String resource, String subresource) {
        return switch (resource) {
            case "pods" -> List.of("log", "exec", "attach", "portforward").contains(subresource);
            case "nodes" -> subresource.equals("proxy");
            default -> false;
        };
    }

    /**
     * @param upgrade the request asks to upgrade its connection (SPDY or WebSocket)
     * @param rest    path after {@code nodes/<name>/proxy}, for nodes/proxy
     */
    public ApiResponse connect(String method, String resource, String namespace, String name, String subresource,
                               Map<String, List<String>> query, boolean upgrade, String rest, byte[] body, String contentType) {
        if (resource.equals("nodes")) {
            KubeletClient.Location at = KubeletClient.locate(nodes.get(null, name));
            String path = (rest.isEmpty() ? "/" : rest) + queryString(query, List.of());
            return upgrade ? kubelets.upgrade(at, path) : kubelets.proxy(at, method, path, body, contentType);
        }
        JsonNode pod = pods.get(namespace, name);
        return switch (subresource) {
            case "log" -> log(pod, namespace, name, query);
            case "exec", "attach" -> {
                requireUpgrade(method, upgrade);
                String container = container(pod, name, first(query, "container"));
                List<String> command = query.getOrDefault("command", List.of());
                if (subresource.equals("exec") && command.isEmpty()) {
                    throw StatusException.badRequest("you must specify at least 1 command");
                }
                boolean stdin = bool(query, "stdin");
                boolean stdout = bool(query, "stdout");
                boolean stderr = bool(query, "stderr");
                boolean tty = bool(query, "tty");
                if (!stdin && !stdout && !stderr) {
                    throw StatusException.badRequest("you must specify at least one of stdin, stdout, stderr");
                }
                StringJoiner kubeletQuery = new StringJoiner("&", "?", "").setEmptyValue("");
                command.forEach(c -> kubeletQuery.add("command=" + encode(c)));
                if (stdin) kubeletQuery.add("input=1");
                if (stdout) kubeletQuery.add("output=1");
                if (stderr) kubeletQuery.add("error=1");
                if (tty) kubeletQuery.add("tty=1");
                yield kubelets.upgrade(node(pod, name), "/" + subresource + "/" + namespace + "/" + name + "/" + container
                        + kubeletQuery);
            }
            case "portforward" -> {
                requireUpgrade(method, upgrade);
                yield kubelets.upgrade(node(pod, name), "/portForward/" + namespace + "/" + name
                        + queryString(query, List.of("ports")));
            }
            default -> throw StatusException.pathNotFound();
        };
    }

    private ApiResponse log(JsonNode pod, String namespace, String name, Map<String, List<String>> query) {
        String container = container(pod, name, first(query, "container"));
        long tail = number(query, "tailLines", 0);
        if (first(query, "tailLines") != null && tail < 0) {
            throw invalid("tailLines", tail, "must be greater than or equal to 0");
        }
        if (first(query, "limitBytes") != null && number(query, "limitBytes", 1) < 1) {
            throw invalid("limitBytes", number(query, "limitBytes", 1), "must be greater than 0");
        }
        if (first(query, "sinceSeconds") != null && first(query, "sinceTime") != null) {
            throw StatusException.badRequest("at most one of `sinceTime` or `sinceSeconds` may be specified");
        }
        if (pod.path("spec").path("nodeName").asText().isEmpty()) {
            // upstream answers an unscheduled pod's logs with an empty body
            return new ApiResponse.Full(200, "text/plain", new byte[0]);
        }
        return kubelets.stream(node(pod, name), "/containerLogs/" + namespace + "/" + name + "/" + container
                        + queryString(query, List.of("follow", "previous", "tailLines", "timestamps", "sinceSeconds", "sinceTime", "limitBytes")),
                bool(query, "insecureSkipTLSVerifyBackend"));
    }

    private KubeletClient.Location node(JsonNode pod, String name) {
        String nodeName = pod.path("spec").path("nodeName").asText();
        if (nodeName.isEmpty()) {
            throw StatusException.badRequest("pod " + name + " does not have a host assigned");
        }
        return KubeletClient.locate(nodes.get(null, nodeName));
    }

    /** Upstream's container defaulting and checks (pkg/registry/core/pod/strategy.go). */
    static String container(JsonNode pod, String podName, String requested) {
        List<String> containers = names(pod.path("spec").path("containers"));
        List<String> init = names(pod.path("spec").path("initContainers"));
        List<String> ephemeral = names(pod.path("spec").path("ephemeralContainers"));
        if (requested == null || requested.isEmpty()) {
            if (containers.size() == 1) {
                return containers.getFirst();
            }
            String message = "a container name must be specified for pod " + podName + ", choose one of: " + goList(containers);
            if (!init.isEmpty()) {
                message += " or one of the init containers: " + goList(init);
            }
            if (!ephemeral.isEmpty()) {
                message += " or one of the ephemeral containers: " + goList(ephemeral);
            }
            throw StatusException.badRequest(message);
        }
        if (!containers.contains(requested) && !init.contains(requested) && !ephemeral.contains(requested)) {
            throw StatusException.badRequest("container " + requested + " is not valid for pod " + podName);
        }
        return requested;
    }

    private static void requireUpgrade(String method, boolean upgrade) {
        if (!upgrade) {
            // what upstream's upgrade-aware handler answers a plain request
            throw StatusException.badRequest("Upgrade request required");
        }
    }

    private static List<String> names(JsonNode containers) {
        List<String> names = new ArrayList<>();
        containers.forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    private static String goList(List<String> names) {
        return "[" + String.join(" ", names) + "]";
    }

    private static StatusException invalid(String field, long value, String why) {
        return new StatusException(422, "Invalid", "PodLogOptions \"\" is invalid: " + field + ": Invalid value: " + value + ": " + why, null);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static boolean bool(Map<String, List<String>> query, String name) {
        String value = first(query, name);
        return value != null && (value.equals("true") || value.equals("1") || value.equals("True"));
    }

    private static long number(Map<String, List<String>> query, String name, long otherwise) {
        String value = first(query, name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw StatusException.badRequest("invalid value for " + name + ": " + value);
        }
    }

    /** The named parameters (all when {@code keep} is empty) as a query string. */
    private static String queryString(Map<String, List<String>> query, List<String> keep) {
        StringJoiner out = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((name, values) -> {
            if (keep.isEmpty() || keep.contains(name)) {
                values.forEach(v -> out.add(encode(name) + "=" + encode(v)));
            }
        });
        return out.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
