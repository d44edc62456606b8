package dev.kj.kubelet.testing;

import dev.kj.api.client.ApiClient;
import dev.kj.api.client.HttpsTransport;
import dev.kj.api.client.Kubeconfig;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.pki.ClusterPki;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real kj API server (with its controllers) on 127.0.0.1 for kubelet tests, and two clients:
 * the admin's, and the kubelet's own ({@code system:node:<host>} with the certificate ClusterPki
 * issues it), so the Node authorizer and NodeRestriction apply to what the kubelet does.
 */
public final class TestApiServer implements AutoCloseable {
    private final ApiServer server;
    private final ApiClient admin;
    private final ApiClient node;
    private final String nodeName;

    private TestApiServer(ApiServer server, ApiClient admin, ApiClient node, String nodeName) {
        this.server = server;
        this.admin = admin;
        this.node = node;
        this.nodeName = nodeName;
    }

    public static TestApiServer start(Path dir) throws IOException {
        Path data = dir.resolve("data");
        ApiServer server = ApiServer.start(new ApiServerConfig(data, List.of(), "127.0.0.1", 0));
        ClusterPki pki = ClusterPki.ensure(data.resolve("pki"));
        ClusterPki.Component identity = pki.components().stream().filter(c -> c.stem().equals("kubelet")).findFirst().orElseThrow();
        ApiClient node = new ApiClient(HttpsTransport.create(new Kubeconfig.Connection("kubelet",
                new Kubeconfig.Cluster(URI.create("https://127.0.0.1:" + server.address().getPort()), Files.readAllBytes(pki.caCert()), false),
                new Kubeconfig.User(Files.readAllBytes(pki.componentCert(identity)), Files.readAllBytes(pki.componentKey(identity)), null, null),
                null)));
        return new TestApiServer(server, ApiClient.fromKubeconfig(server.kubeconfig()), node,
                identity.user().substring("system:node:".length()));
    }

    public ApiClient admin() {
        return admin;
    }

    /** The kubelet's client, as {@code system:node:<nodeName>}. */
    public ApiClient node() {
        return node;
    }

    public String nodeName() {
        return nodeName;
    }

    @Override
    public void close() {
        node.close();
        admin.close();
        server.close();
    }
}
