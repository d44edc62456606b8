package dev.kj.apiserver.reconcilers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import java.net.InetAddress;
import java.net.Inet4Address;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

/**
 * Upstream's lease endpoint reconciler with its EndpointsAdapter, run by every API server: every
 * interval it refreshes its own master lease ({@link MasterLeases}) and makes the {@code kubernetes}
 * Endpoints and EndpointSlice in default list exactly the addresses of the servers whose leases are
 * live (sorted), with this server's port as {@code https}. The Endpoints carries
 * {@code endpointslice.kubernetes.io/skip-mirror: "true"}, the EndpointSlice
 * {@code kubernetes.io/service-name: kubernetes}; other slices with that label are deleted. On close
 * the server drops its lease and reconciles once more without itself. All servers must serve on the
 * same port, as upstream's do: the last to reconcile writes its own.
 */
public final class KubernetesEndpoints implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KubernetesEndpoints.class.getName());
    public static final String SERVICE = "kubernetes";
    public static final String NAMESPACE = "default";
    /** upstream's --endpoint-reconciler-type=lease timing: a 15 s TTL refreshed every 10 s. */
    public static final Duration LEASE_TTL = Duration.ofSeconds(15);
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    static final String SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror";
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final ResourceClient<ObjectNode> endpoints;
    private final ResourceClient<ObjectNode> slices;
    private final MasterLeases leases;
    private final String ip;
    private final int port;
    private final String addressType;
    private final Runnable ensureService;
    private final Object lock = new Object();
    private boolean stopped;
    private Thread loop;

    /**
     * @param ip            this server's advertised address
     * @param serviceIp     the kubernetes Service's cluster IP: its family is the slice's address type
     * @param ensureService recreates the kubernetes Service when it is missing (run every round, as
     *                      upstream's kubernetesservice controller does)
     */
    public KubernetesEndpoints(ApiClient client, MasterLeases leases, String ip, int port, String serviceIp,
                               Runnable ensureService) {
        this.endpoints = client.generic(Resources.ENDPOINTS);
        this.slices = client.generic(Resources.ENDPOINT_SLICES);
        this.leases = leases;
        this.ip = ip;
        this.port = port;
        this.addressType = isIpv4(serviceIp) ? "IPv4" : "IPv6";
        this.ensureService = ensureService;
    }

    /** Reconciles now and then every {@code interval} on a thread of its own. */
    public void start(Duration interval) {
        reconcileQuietly();
        loop = Thread.ofVirtual().name("kubernetes-endpoint-reconciler").start(() -> {
            while (true) {
                synchronized (lock) {
                    try {
                        lock.wait(interval.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (stopped) {
                        return;
                    }
                }
                reconcileQuietly();
            }
        });
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "unable to sync kubernetes service endpoints: " + e.getMessage());
        }
    }

    /** One round: refresh this server's lease, then make the objects match the live leases. */
    public void reconcile() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            ensureService.run();
            leases.update(ip);
            sync();
        }
    }

    private void sync() {
        TreeSet<String> ips = new TreeSet<>();
        for (String address : leases.list()) {
            if (isIpv4(address) == addressType.equals("IPv4")) {
                ips.add(address);
            }
        }
        if (ips.isEmpty()) {
            throw new IllegalStateException("no API server addresses were listed in storage, refusing to erase all"
                    + " endpoints for the kubernetes service");
        }
        retrying(() -> syncEndpoints(List.copyOf(ips)));
        retrying(() -> syncSlice(List.copyOf(ips)));
    }

    /** upstream's retry.OnError(DefaultBackoff, conflict or already exists): 4 attempts. */
    private static void retrying(Runnable step) {
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                return;
            } catch (ApiException e) {
                if (attempt >= 4 || !(e.isConflict() || e.isAlreadyExists())) {
                    throw e;
                }
                try {
                    Thread.sleep(10L << (attempt - 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private ObjectNode ports() {
        ObjectNode https = JsonNodeFactory.instance.objectNode();
        https.put("name", "https");
        https.put("port", port);
        https.put("protocol", "TCP");
        return https;
    }

    private void syncEndpoints(List<String> ips) {
        ObjectNode current = find(endpoints);
        ObjectNode wanted = current == null ? newObject("v1", "Endpoints") : current.deepCopy();
        ObjectNode labels = ((ObjectNode) wanted.get("metadata")).putObject("labels");
        labels.put(SKIP_MIRROR, "true");
        ArrayNode subsets = wanted.putArray("subsets");
        ObjectNode subset = subsets.addObject();
        ArrayNode addresses = subset.putArray("addresses");
        ips.forEach(address -> addresses.addObject().put("ip", address));
        subset.putArray("ports").add(ports());
        if (current == null) {
            endpoints.create(NAMESPACE, wanted);
        } else if (!current.path("subsets").equals(wanted.path("subsets"))
                || !current.path("metadata").path("labels").equals(labels)) {
            LOG.log(System.Logger.Level.INFO, "resetting endpoints for master service \"kubernetes\" to {0}", ips);
            endpoints.update(wanted);
        }
    }

    private void syncSlice(List<String> ips) {
        ObjectNode current = null;
        for (ObjectNode slice : slices.list(NAMESPACE, ListOptions.NONE.withLabelSelector(SERVICE_NAME_LABEL + "=" + SERVICE))
                .items()) {
            if (slice.path("metadata").path("name").asText().equals(SERVICE)
                    && slice.path("addressType").asText().equals(addressType)) {
                current = slice;
            } else {
                try {
                    slices.delete(NAMESPACE, slice.path("metadata").path("name").asText(), DeleteOptions.NONE);
                } catch (ApiException e) {
                    if (!e.isNotFound()) {
                        throw e;
                    }
                }
            }
        }
        ObjectNode wanted = current == null ? newObject("discovery.k8s.io/v1", "EndpointSlice") : current.deepCopy();
        ObjectNode labels = ((ObjectNode) wanted.get("metadata")).putObject("labels");
        labels.put(SERVICE_NAME_LABEL, SERVICE);
        wanted.put("addressType", addressType);
        ArrayNode list = wanted.putArray("endpoints");
        for (String address : ips) {
            ObjectNode endpoint = list.addObject();
            endpoint.putArray("addresses").add(address);
            endpoint.putObject("conditions").put("ready", true);
        }
        wanted.putArray("ports").add(ports());
        if (current == null) {
            slices.create(NAMESPACE, wanted);
        } else if (!current.path("endpoints").equals(wanted.path("endpoints"))
                || !current.path("ports").equals(wanted.path("ports"))
                || !current.path("metadata").path("labels").equals(labels)) {
            slices.update(wanted);
        }
    }

    private static ObjectNode newObject(String apiVersion, String kind) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        object.put("apiVersion", apiVersion).put("kind", kind);
        object.putObject("metadata").put("name", SERVICE).put("namespace", NAMESPACE);
        return object;
    }

    private ObjectNode find(ResourceClient<ObjectNode> client) {
        try {
            return client.get(NAMESPACE, SERVICE);
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return null;
            }
            throw e;
        }
    }

    private static boolean isIpv4(String address) {
        try {
            return InetAddress.getByName(address) instanceof Inet4Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Stops the loop, drops this server's lease and reconciles without it (upstream's RemoveEndpoints). */
    @Override
    public void close() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            lock.notifyAll();
            try {
                leases.remove(ip);
                if (!leases.list().isEmpty()) {
                    sync(); // the last server leaves the endpoints as they are, as upstream's refuses to empty them
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "unable to remove this server from the kubernetes endpoints: "
                        + e.getMessage());
            }
        }
        if (loop != null) {
            try {
                loop.join(java.time.Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
