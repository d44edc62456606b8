package dev.kj.api.testing;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.authn.User;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real API server and clients of it over both transports: HTTPS with the kubeconfig the server
 * writes, and in-process as a controller-manager identity. For the api module's tests, which
 * live here because {@code api} cannot depend on the server.
 */
public final class TestCluster implements AutoCloseable {
    public static final String HTTPS = "https";
    /**
     * Every controller but the root CA publisher and the workload controllers: the client tests
     * count the ConfigMaps they make (a kube-root-ca.crt in each of their namespaces would be one
     * more) and write Deployments and ReplicaSets by hand.
     */
    public static final List<String> CONTROLLERS = dev.kj.apiserver.testing.TestServer.WITHOUT_ROOT_CA_PUBLISHER;
    public static final String IN_PROCESS = "in-process";

    public final ApiServer server;
    public final ApiClient https;
    public final ApiClient inProcess;

    private TestCluster(ApiServer server) throws IOException {
        this.server = server;
        this.https = ApiClient.fromKubeconfig(server.kubeconfig());
        this.inProcess = new ApiClient(server.inProcessTransport(new User("kj-test", List.of("system:masters", "system:authenticated"))));
    }

    /** A server on an embedded Rhino in {@code dir}. */
    public static TestCluster start(Path dir) throws IOException {
        return on(ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0)
                .withControllers(CONTROLLERS)));
    }

    /** Clients of a server the test started itself; closing closes the server too. */
    public static TestCluster on(ApiServer server) throws IOException {
        return new TestCluster(server);
    }

    public static Stream<String> transports() {
        return Stream.of(HTTPS, IN_PROCESS);
    }

    public ApiClient client(String transport) {
        return transport.equals(HTTPS) ? https : inProcess;
    }

    /** Creates a namespace and returns its name. */
    public static String namespace(ApiClient client, String name) {
        client.typed(Resources.NAMESPACES, Namespace.class)
                .create(null, new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build());
        return name;
    }

    @Override
    public void close() {
        https.close();
        server.close();
    }
}
