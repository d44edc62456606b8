package dev.kj.cli;

import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.registry.core.service.NodePortRange;
import dev.kj.apiserver.registry.core.service.ServiceCidr;
import dev.kj.api.client.Kubeconfig;
import dev.kj.apiserver.discovery.VersionInfo;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.kubelet.Kubelet;
import dev.kj.kubelet.KubeletConfig;
import dev.kj.kubelet.cri.CriEndpoint;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code kj server}: the Kubernetes API server, the scheduler and the controller manager in one
 * process, on an embedded Rhino or a real etcd; {@code --all-in-one} adds this host's kubelet (which
 * registers the node, keeps it Ready and runs its pods on containerd). kube-proxy is not built.
 */
@Command(name = "server",
        mixinStandardHelpOptions = true,
        versionProvider = KjVersion.class,
        sortOptions = false,
        description = {
            "Serve the Kubernetes API over HTTPS. State lives in an embedded Rhino (SQLite in --data-dir) or,"
                    + " with --etcd-servers, in a real etcd; both through the etcd v3 API with upstream's keys.",
            "The first start creates a CA, a serving certificate and an admin client certificate in DIR/pki and"
                    + " writes DIR/kubeconfig for kubectl. Stops gracefully on SIGTERM or SIGINT (exit 0).",
            "The controllers run in this process on whichever server holds the Lease"
                    + " kube-system/kube-controller-manager, so several servers may share one datastore.",
            "With --all-in-one this host's kubelet runs too: it registers the node and keeps it Ready with its"
                    + " Lease, running kj's own containerd under DIR/containerd unless --container-runtime-endpoint names"
                    + " a runtime, and runs the node's pods; kubectl logs/exec/attach/port-forward reach it on port 10250."
                    + " kube-proxy is not built.", ""},
        footer = {"", "Example:",
            "  kj server --all-in-one --data-dir /tmp/kj",
            "  kubectl --kubeconfig /tmp/kj/kubeconfig get namespaces"})
final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "kj-data",
            description = "Directory for the PKI, the kubeconfig and the embedded datastore (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--all-in-one",
            description = "Run every component kj has in this process: the API server, the scheduler and the"
                    + " controller manager (which kj server runs anyway) and this host's kubelet, which registers the"
                    + " node as system:node:HOST, keeps it Ready and runs its pods; kube-proxy is not built.")
    boolean allInOne;

    @Option(names = "--container-runtime-endpoint", paramLabel = "ENDPOINT",
            description = "With --all-in-one: the CRI runtime's socket (unix:///run/containerd/containerd.sock). Without"
                    + " it kj runs containerd from PATH itself, with its root, state and CNI configuration under"
                    + " DIR/containerd; with neither the node stays NotReady and says why.")
    String containerRuntimeEndpoint;

    @Option(names = "--pod-cidr", paramLabel = "CIDR", defaultValue = dev.kj.kubelet.KubeletConfig.DEFAULT_POD_CIDR,
            description = "With --all-in-one: the node's pod range, set as its spec.podCIDR and given to the pods'"
                    + " bridge by kj's CNI configuration (default: ${DEFAULT-VALUE}).")
    String podCidr;

    @Option(names = "--node-ip", paramLabel = "IP",
            description = "With --all-in-one: the node's InternalIP address (default: the host's first non-loopback"
                    + " IPv4 address).")
    String nodeIp;

    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT",
            description = "With --all-in-one: a registry kj's own containerd pulls from over plain HTTP; may be"
                    + " repeated.")
    List<String> insecureRegistries = List.of();

    @Option(names = "--etcd-servers", split = ",", paramLabel = "URL",
            description = "The client URLs of a real etcd cluster's members, comma-separated (http://host:port, or"
                    + " https://host:port with the --etcd-* TLS files), to store state in instead of the embedded Rhino;"
                    + " requests are balanced over them and go on while a member is down.")
    List<URI> etcdServers = List.of();

    @Option(names = "--etcd-cafile", paramLabel = "FILE", description = "CA bundle that signed the etcd servers' certificates.")
    Path etcdCaFile;

    @Option(names = "--etcd-certfile", paramLabel = "FILE", description = "Client certificate (PEM) to present to etcd.")
    Path etcdCertFile;

    @Option(names = "--etcd-keyfile", paramLabel = "FILE", description = "Key (PEM) of --etcd-certfile.")
    Path etcdKeyFile;

    @Option(names = "--bind-address", paramLabel = "IP", defaultValue = "127.0.0.1",
            description = "Address to serve HTTPS on (default: ${DEFAULT-VALUE}; the serving certificate names"
                    + " only loopback so far).")
    String bindAddress;

    @Option(names = "--advertise-address", paramLabel = "IP",
            description = "The address this server is listed under in the kubernetes Endpoints (default: the bind"
                    + " address, or for a loopback or wildcard bind address the host's default-route address).")
    String advertiseAddress;

    @Option(names = "--secure-port", paramLabel = "PORT", defaultValue = "6443",
            description = "HTTPS port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int securePort;

    @Option(names = "--etcd-compaction-interval", paramLabel = "DURATION", defaultValue = "5m", converter = GoDuration.class,
            description = "How often to compact the datastore's history, as a Go duration; 0 turns it off"
                    + " (default: ${DEFAULT-VALUE}).")
    java.time.Duration compactionInterval;

    @Option(names = "--event-ttl", paramLabel = "DURATION", defaultValue = "1h", converter = GoDuration.class,
            description = "How long events are kept after their last write (default: ${DEFAULT-VALUE}).")
    java.time.Duration eventTtl;

    @Option(names = "--service-cluster-ip-range", paramLabel = "CIDR", defaultValue = ServiceCidr.DEFAULT,
            description = "Services' cluster IPs are taken from this range; the first address is the kubernetes"
                    + " Service's (default: ${DEFAULT-VALUE}).")
    String serviceClusterIpRange;

    @Option(names = "--service-node-port-range", paramLabel = "LOW-HIGH", defaultValue = NodePortRange.DEFAULT,
            description = "Node ports of NodePort and LoadBalancer Services (default: ${DEFAULT-VALUE}).")
    String serviceNodePortRange;

    @Option(names = "--controllers", split = ",", paramLabel = "NAME", defaultValue = "*",
            description = "Controllers to run in this process, as kube-controller-manager's flag: '*' enables all"
                    + " on-by-default controllers, 'foo' enables the controller named foo, '-foo' disables it."
                    + " Known: serviceaccount-token-controller, clusterrole-aggregation-controller,"
                    + " garbage-collector-controller, namespace-controller, serviceaccount-controller,"
                    + " root-ca-certificate-publisher-controller, replicaset-controller, replicationcontroller-controller,"
                    + " deployment-controller, job-controller, disruption-controller, cronjob-controller,"
                    + " ttl-after-finished-controller, pod-garbage-collector-controller, endpoints-controller,"
                    + " endpointslice-controller, node-lifecycle-controller, taint-eviction-controller"
                    + " (default: ${DEFAULT-VALUE}).")
    List<String> controllers;

    @Option(names = "--encryption-provider-config", paramLabel = "FILE",
            description = "File with an EncryptionConfiguration (apiserver.config.k8s.io/v1) saying how resources"
                    + " are encrypted at rest: identity, aescbc, aesgcm and secretbox providers, as kube-apiserver's flag.")
    Path encryptionProviderConfig;

    @Option(names = "--token-auth-file", paramLabel = "FILE",
            description = "Static bearer tokens: a CSV file of token,user,uid[,\"group1,group2\"] (upstream's --token-auth-file).")
    Path tokenAuthFile;

    /**
     * What {@code kj server} prints once it serves: where it listens, where the admin kubeconfig is,
     * and what runs in this process.
     */
    List<String> startupLines(ApiServer server) {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("kj server: serving https://" + server.address().getHostString() + ":" + server.address().getPort()
                + "; kubeconfig: " + server.kubeconfig());
        lines.add("kj server: admin kubeconfig: " + server.kubeconfig() + " (kubectl --kubeconfig " + server.kubeconfig()
                + " get namespaces)");
        // the path only: the token itself stays in its owner-only file, out of terminals and logs
        lines.add("kj server: agent join token: " + server.joinToken());
        if (allInOne) {
            lines.add("kj server: --all-in-one: running the API server, the scheduler, the controller manager and the"
                    + " kubelet (node " + ClusterPki.hostname() + ", running its pods on containerd);"
                    + " kube-proxy is not built");
        }
        return lines;
    }

    /** This host's kubelet, as system:node:HOST with its certificate from DIR/pki, reaching the server on loopback. */
    private KubeletConfig kubeletConfig(ApiServer server, Optional<CriEndpoint> endpoint) throws java.io.IOException {
        ClusterPki pki = ClusterPki.ensure(dataDir.resolve("pki"));
        ClusterPki.Component identity = pki.components().stream().filter(c -> c.stem().equals("kubelet")).findFirst().orElseThrow();
        String host = server.address().getAddress().isAnyLocalAddress() ? "127.0.0.1" : server.address().getHostString();
        URI url = URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.address().getPort());
        Kubeconfig.Connection connection = new Kubeconfig.Connection("kubelet",
                new Kubeconfig.Cluster(url, Files.readAllBytes(pki.caCert()), false),
                new Kubeconfig.User(Files.readAllBytes(pki.componentCert(identity)), Files.readAllBytes(pki.componentKey(identity)), null, null),
                null);
        String nodeName = identity.user().substring("system:node:".length());
        pki.ensureKubeletServing(nodeName, kubeletAddresses(), java.time.Instant.now());
        KubeletConfig.Serving serving = new KubeletConfig.Serving(pki.kubeletServingCert(), pki.kubeletServingKey(), pki.clientCaCert(),
                dev.kj.kubelet.server.KubeletServer.DEFAULT_PORT);
        return new KubeletConfig(nodeName, connection, dataDir, endpoint,
                podCidr, Optional.ofNullable(nodeIp), insecureRegistries, VersionInfo.GIT_VERSION, Optional.of(serving));
    }

    /** The addresses the API server may reach this host's kubelet on: loopback, --node-ip and the host's IPv4 addresses. */
    private List<String> kubeletAddresses() throws java.net.SocketException {
        java.util.Set<String> addresses = new java.util.LinkedHashSet<>();
        addresses.add("127.0.0.1");
        if (nodeIp != null) {
            addresses.add(nodeIp);
        }
        for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            nic.inetAddresses().filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress())
                    .forEach(a -> addresses.add(a.getHostAddress()));
        }
        return List.copyOf(addresses);
    }

    /** Completed once the server is up; lets tests reach the running server. */
    final CompletableFuture<ApiServer> started = new CompletableFuture<>();

    @Override
    public Integer call() throws Exception {
        try {
            dev.kj.controllers.ControllerSelection.parse(controllers);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--controllers: " + e.getMessage());
        }
        Optional<CriEndpoint> runtimeEndpoint;
        try {
            runtimeEndpoint = Optional.ofNullable(containerRuntimeEndpoint).map(CriEndpoint::parse);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--container-runtime-endpoint: " + e.getMessage());
        }
        ApiServer server;
        try {
            server = ApiServer.start(new ApiServerConfig(dataDir, etcdServers, bindAddress, securePort, compactionInterval,
                    new ApiServerConfig.EtcdTls(etcdCaFile, etcdCertFile, etcdKeyFile), eventTtl,
                    ServiceCidr.parse(serviceClusterIpRange), NodePortRange.parse(serviceNodePortRange), controllers)
                    .withEncryptionProviderConfig(encryptionProviderConfig).withAdvertiseAddress(advertiseAddress)
                    .withTokenAuthFile(tokenAuthFile));
        } catch (Exception e) {
            started.completeExceptionally(e);
            throw e;
        }
        Kubelet kubelet = null;
        if (allInOne) {
            try {
                kubelet = Kubelet.start(kubeletConfig(server, runtimeEndpoint));
            } catch (Exception e) {
                server.close();
                started.completeExceptionally(e);
                throw e;
            }
        }
        startupLines(server).forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        Kubelet node = kubelet;
        // The kubelet first (its pods and containerd), then the API server it reports to.
        Runnable close = () -> {
            if (node != null) {
                node.close();
            }
            server.close();
        };
        Thread hook = new Thread(close, "kj-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
        for (String name : List.of("TERM", "INT")) {
            Signal signal = new Signal(name);
            try {
                previous.put(signal, Signal.handle(signal, s -> Thread.ofPlatform().name("kj-server-stop").start(close)));
            } catch (IllegalArgumentException reservedByVm) {
                // the shutdown hook still closes the server
            }
        }
        try {
            started.complete(server);
            server.awaitTermination();
        } finally {
            close.run();
            previous.forEach(Signal::handle);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
        return 0;
    }
}
