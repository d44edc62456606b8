package dev.kj.kubelet.env;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The service environment variables (upstream's envvars.FromServices): {@code NAME_SERVICE_HOST},
 * {@code NAME_SERVICE_PORT}, one {@code NAME_SERVICE_PORT_<PORT NAME>} per named port, and the
 * Docker-link style {@code NAME_PORT…} variables. Services without a cluster IP are skipped.
 */
public final class ServiceLinks {
    public static final String MASTER_SERVICE_NAMESPACE = "default";
    public static final String MASTER_SERVICE_NAME = "kubernetes";

    private ServiceLinks() {
    }

    /**
     * Which services a pod sees (upstream's getServiceEnvVarMap): the {@code kubernetes} service of
     * {@code default} always, and, with service links enabled, every service of the pod's namespace
     * (a namespace's service wins over a same-named one from {@code default}).
     */
    public static List<Service> visible(List<Service> all, String podNamespace, boolean enableServiceLinks) {
        Map<String, Service> byName = new LinkedHashMap<>();
        for (Service service : all) {
            String ns = service.getMetadata().getNamespace();
            String name = service.getMetadata().getName();
            if (!hasClusterIp(service)) {
                continue;
            }
            if (MASTER_SERVICE_NAMESPACE.equals(ns) && MASTER_SERVICE_NAME.equals(name)) {
                byName.putIfAbsent(name, service);
            } else if (podNamespace.equals(ns) && enableServiceLinks) {
                byName.put(name, service);
            }
        }
        return new ArrayList<>(byName.values());
    }

    public static Map<String, String> variables(List<Service> services) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Service service : services) {
            if (!hasClusterIp(service) || service.getSpec().getPorts() == null || service.getSpec().getPorts().isEmpty()) {
                continue;
            }
            String prefix = envName(service.getMetadata().getName());
            String ip = service.getSpec().getClusterIP();
            ServicePort first = service.getSpec().getPorts().getFirst();
            env.put(prefix + "_SERVICE_HOST", ip);
            env.put(prefix + "_SERVICE_PORT", Integer.toString(first.getPort()));
            for (ServicePort port : service.getSpec().getPorts()) {
                if (port.getName() != null && !port.getName().isEmpty()) {
                    env.put(prefix + "_SERVICE_PORT_" + envName(port.getName()), Integer.toString(port.getPort()));
                }
            }
            String firstProtocol = protocol(first);
            env.put(prefix + "_PORT", firstProtocol.toLowerCase(Locale.ROOT) + "://" + hostPort(ip, first.getPort()));
            for (ServicePort port : service.getSpec().getPorts()) {
                String proto = protocol(port);
                String base = prefix + "_PORT_" + port.getPort() + "_" + proto.toUpperCase(Locale.ROOT);
                env.put(base, proto.toLowerCase(Locale.ROOT) + "://" + hostPort(ip, port.getPort()));
                env.put(base + "_PROTO", proto.toLowerCase(Locale.ROOT));
                env.put(base + "_PORT", Integer.toString(port.getPort()));
                env.put(base + "_ADDR", ip);
            }
        }
        return env;
    }

    private static boolean hasClusterIp(Service service) {
        String ip = service.getSpec() == null ? null : service.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !ip.equals("None");
    }

    private static String protocol(ServicePort port) {
        return port.getProtocol() == null || port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
    }

    private static String hostPort(String ip, int port) {
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
    }

    private static String envName(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
