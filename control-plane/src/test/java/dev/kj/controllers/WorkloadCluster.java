package dev.kj.controllers;

import static dev.kj.controllers.Await.until;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ListOptions;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.nio.file.Path;
import java.util.List;

/**
 * What the workload controllers' tests share: a real API server running every controller but the
 * node lifecycle controller, the admin's client and stock kubectl, and a {@link PlayedKubelet} on
 * node-1 running the pods of the namespaces handed to it. The played kubelet sends no node
 * heartbeats, so once the node's grace period passes (a loaded machine gets there within a test)
 * the node lifecycle controller would mark its pods not ready and fight the kubelet's reports.
 */
public final class WorkloadCluster implements AutoCloseable {
    public final TestServer server;
    public final ApiClient admin;
    public final Kubectl kubectl;
    public final PlayedKubelet kubelet;

    private WorkloadCluster(TestServer server, Path dir) throws Exception {
        this.server = server;
        this.admin = ApiClient.fromKubeconfig(server.server().kubeconfig());
        this.kubectl = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        this.kubelet = new PlayedKubelet(server.server(), admin, "node-1");
    }

    public static WorkloadCluster start(Path dir) throws Exception {
        TestServer server = TestServer.start(dir, List.of("*", "-node-lifecycle-controller"));
        try {
            return new WorkloadCluster(server, dir);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    /** A new namespace, once its default ServiceAccount exists (pods need it: the service account admission). */
    public String namespace(String name) {
        admin.typed(Resources.NAMESPACES, Namespace.class).create(null,
                new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build());
        until("the default ServiceAccount of " + name, () -> admin.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class)
                .list(name, ListOptions.NONE).items().stream().anyMatch(sa -> sa.getMetadata().getName().equals("default")));
        return name;
    }

    /** The namespace's events with this reason. */
    public List<Event> events(String namespace, String reason) {
        return admin.typed(Resources.EVENTS, Event.class).list(namespace, ListOptions.NONE).items().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    @Override
    public void close() {
        kubelet.close();
        admin.close();
        server.close();
    }
}
