package dev.kj.apiserver.testing;

import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.registry.ResourceDescription;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;

/**
 * An in-process kj API server on embedded Rhino under a test's directory, with JDK clients for the
 * admin certificate and for anonymous callers.
 */
public final class TestServer implements AutoCloseable {
    private final ApiServer server;
    private final String base;
    private final HttpClient admin;
    private final HttpClient anonymous;

    private TestServer(ApiServer server, HttpClient admin, HttpClient anonymous) {
        this.server = server;
        this.base = "https://127.0.0.1:" + server.address().getPort();
        this.admin = admin;
        this.anonymous = anonymous;
    }

    /**
     * Every controller but the root CA publisher, for tests that count the ConfigMaps of a namespace
     * (every namespace otherwise has a kube-root-ca.crt).
     */
    public static final List<String> WITHOUT_ROOT_CA_PUBLISHER = List.of("*", "-root-ca-certificate-publisher-controller",
            "-replicaset-controller", "-replicationcontroller-controller", "-deployment-controller", "-cronjob-controller",
            "-disruption-controller");

    /**
     * Every controller but the workload controllers (the default here): the API server's tests
     * write Deployments, ReplicaSets, ReplicationControllers, CronJobs, PodDisruptionBudgets and
     * their status by hand and read them back as written; their controllers would rewrite them (or
     * start Jobs) meanwhile. Tests of workloads ask for {@code List.of("*")}.
     */
    public static final List<String> WITHOUT_WORKLOAD_CONTROLLERS = List.of("*", "-replicaset-controller",
            "-replicationcontroller-controller", "-deployment-controller", "-cronjob-controller", "-disruption-controller");

    /**
     * Without the workload controllers.
     *
     * @param moreResources served besides the built-in ones (e.g. {@link Widgets})
     */
    public static TestServer start(Path dir, ResourceDescription... moreResources) throws Exception {
        return start(dir, WITHOUT_WORKLOAD_CONTROLLERS, moreResources);
    }

    /** @param controllers the {@code --controllers} selection of the server's controller manager */
    public static TestServer start(Path dir, List<String> controllers, ResourceDescription... moreResources) throws Exception {
        Path data = dir.resolve("data");
        ApiServer server = ApiServer.start(new ApiServerConfig(data, List.of(), "127.0.0.1", 0).withControllers(controllers),
                List.of(moreResources));
        try {
            return new TestServer(server, TlsClients.client(data.resolve("pki"), true),
                    TlsClients.client(data.resolve("pki"), false));
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    public ApiServer server() {
        return server;
    }

    public HttpClient admin() {
        return admin;
    }

    public HttpClient anonymous() {
        return anonymous;
    }

    /** {@code https://127.0.0.1:port} + path. */
    public URI uri(String path) {
        return URI.create(base + path);
    }

    @Override
    public void close() {
        server.close();
    }
}
