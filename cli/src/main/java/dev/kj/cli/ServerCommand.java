package dev.kj.cli;

import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.registry.core.service.NodePortRange;
import dev.kj.apiserver.registry.core.service.ServiceCidr;
import java.net.URI;
import java.nio.file.Path;
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
 * {@code kj server}: the Kubernetes API server and the controller manager in one process, on an
 * embedded Rhino or a real etcd; {@code --all-in-one} is meant to add the node components (kubelet,
 * kube-proxy) once kj has them.
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
            "Not built yet: the scheduler, the kubelet and kube-proxy; pods are stored but never scheduled or run.", ""},
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
            description = "Run every component kj has in this process, talking to the API server in-process: today"
                    + " the API server and the controller manager, which kj server runs anyway; the kubelet and"
                    + " kube-proxy (and the scheduler) will join when they exist.")
    boolean allInOne;

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
            lines.add("kj server: --all-in-one: running the API server, the scheduler and the controller manager; the"
                    + " kubelet is not wired in yet and kube-proxy is not built, so pods are scheduled but do not run");
        }
        return lines;
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
        startupLines(server).forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        Runnable close = server::close;
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
            server.close();
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
