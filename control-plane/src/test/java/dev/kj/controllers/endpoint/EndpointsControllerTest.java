package dev.kj.controllers.endpoint;

import static dev.kj.controllers.Await.gone;
import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import dev.kj.controllers.Await;
import dev.kj.controllers.ApiKubeletStandIn;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The endpoints controller in a real API server. Services and pods are created through the API;
 * with no kubelet yet, {@link ApiKubeletStandIn} plays the node's part and writes the pods' status
 * (IP, Ready) through the API server as system:node:node-a.
 */
class EndpointsControllerTest extends ClusterTest {
    private Path dir;
    private ApiClient client;
    private ApiKubeletStandIn kubelet;
    private ResourceClient<Endpoints> endpoints;
    private ResourceClient<Pod> pods;
    private ResourceClient<Service> services;

    @Override
    protected TestCluster startCluster(Path dir) throws IOException {
        this.dir = dir;
        return super.startCluster(dir);
    }

    @BeforeAll
    void clients() throws Exception {
        client = cluster.https;
        endpoints = client.typed(Resources.ENDPOINTS, Endpoints.class);
        pods = client.typed(Resources.PODS, Pod.class);
        services = client.typed(Resources.SERVICES, Service.class);
        kubelet = new ApiKubeletStandIn(server, dir.resolve("data"), dir, "node-a");
        kubelet.register(Map.of());
    }

    @AfterAll
    void closeKubelet() {
        if (kubelet != null) {
            kubelet.close();
        }
    }

    private Pod pod(String ns, String name, Map<String, String> labels, String portName, int port) {
        return pods.create(ns, new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName("node-a").addNewContainer().withName("c").withImage("busybox")
                .addNewPort().withName(portName).withContainerPort(port).endPort().endContainer().endSpec().build());
    }

    private Service service(String ns, String name, Map<String, String> labels, boolean publishNotReady) {
        return services.create(ns, new ServiceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withSelector(Map.of("app", "web")).withPublishNotReadyAddresses(publishNotReady)
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .addNewPort().withName("metrics").withPort(9090).withTargetPort(new IntOrString(9090)).endPort()
                .endSpec().build());
    }

    private Endpoints get(String ns, String name) {
        try {
            return endpoints.get(ns, name);
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return null;
            }
            throw e;
        }
    }

    /** "ip:port,port|ip:port" summaries of ready and not ready addresses, for readable assertions. */
    private static String describe(Endpoints object, boolean ready) {
        if (object == null || object.getSubsets() == null) {
            return "";
        }
        return object.getSubsets().stream().flatMap(subset -> {
            List<EndpointAddress> addresses = ready ? subset.getAddresses() : subset.getNotReadyAddresses();
            String ports = subset.getPorts() == null ? "" : subset.getPorts().stream()
                    .map(p -> p.getName() + "=" + p.getPort()).sorted().collect(Collectors.joining(","));
            return (addresses == null ? List.<EndpointAddress>of() : addresses).stream().map(a -> a.getIp() + ":" + ports);
        }).sorted().collect(Collectors.joining("|"));
    }

    /** Waits for these ready and not-ready summaries; on a timeout, says what there was. */
    private void awaitAddresses(String ns, String name, String ready, String notReady) {
        long deadline = System.nanoTime() + Await.TIMEOUT.toNanos();
        while (!(describe(get(ns, name), true).equals(ready) && describe(get(ns, name), false).equals(notReady))
                && System.nanoTime() < deadline) {
            Await.sleepQuietly(java.time.Duration.ofMillis(50));
        }
        Endpoints object = get(ns, name);
        assertEquals(ready + " / " + notReady, describe(object, true) + " / " + describe(object, false), String.valueOf(object));
    }

    @Test
    void readyAndNotReadyPodsWithNamedPortsResolvedPerPod() {
        String ns = TestCluster.namespace(client, "endpoints-basic");
        Instant t0 = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
        pod(ns, "a", Map.of("app", "web"), "http", 8080);
        pod(ns, "b", Map.of("app", "web"), "http", 8081);
        pod(ns, "pending", Map.of("app", "web"), "http", 8082); // no IP: not an endpoint
        pod(ns, "other", Map.of("app", "db"), "http", 8083);
        kubelet.postPodStatus(ns, "a", "10.1.0.1", true, t0);
        kubelet.postPodStatus(ns, "b", "10.1.0.2", false, t0);
        kubelet.postPodStatus(ns, "other", "10.1.0.9", true, t0);
        service(ns, "web", Map.of("tier", "front"), false);

        // metrics=9090 is offered by both, http by each on its own port: three subsets
        awaitAddresses(ns, "web", "10.1.0.1:http=8080|10.1.0.1:metrics=9090", "10.1.0.2:http=8081|10.1.0.2:metrics=9090");
        Endpoints web = get(ns, "web");
        assertEquals(Map.of("tier", "front"), web.getMetadata().getLabels());
        EndpointAddress a = web.getSubsets().stream().flatMap(s -> s.getAddresses() == null ? java.util.stream.Stream.empty()
                : s.getAddresses().stream()).findFirst().orElseThrow();
        assertEquals("node-a", a.getNodeName());
        assertEquals("Pod", a.getTargetRef().getKind());
        assertEquals("a", a.getTargetRef().getName());
        assertEquals(ns, a.getTargetRef().getNamespace());
        assertEquals(pods.get(ns, "a").getMetadata().getUid(), a.getTargetRef().getUid());
        assertTrue(web.getMetadata().getAnnotations().containsKey("endpoints.kubernetes.io/last-change-trigger-time"));

        // b becomes ready: the trigger time is its Ready condition's transition, the only change seen
        Instant t1 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        kubelet.postPodStatus(ns, "b", "10.1.0.2", true, t1);
        awaitAddresses(ns, "web", "10.1.0.1:http=8080|10.1.0.1:metrics=9090|10.1.0.2:http=8081|10.1.0.2:metrics=9090", "");
        assertEquals(t1.toString(), get(ns, "web").getMetadata().getAnnotations().get("endpoints.kubernetes.io/last-change-trigger-time"));

        // a pod being deleted leaves Endpoints (publishNotReadyAddresses is off); a finalizer holds it meanwhile
        pods.patch(ns, "a", dev.kj.api.client.PatchType.MERGE, "{\"metadata\":{\"finalizers\":[\"example.com/hold\"]}}");
        pods.delete(ns, "a", DeleteOptions.NONE);
        awaitAddresses(ns, "web", "10.1.0.2:http=8081,metrics=9090", "");
        pods.patch(ns, "a", dev.kj.api.client.PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");

        // the service goes: so do its endpoints
        services.delete(ns, "web", DeleteOptions.NONE);
        until("the endpoints to go", () -> gone(endpoints, ns, "web"));
    }

    @Test
    void publishNotReadyAddressesHostnamesAndHeadlessServices() {
        String ns = TestCluster.namespace(client, "endpoints-publish");
        Instant t0 = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
        pods.create(ns, new PodBuilder().withNewMetadata().withName("h").withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().withNodeName("node-a").withHostname("host-0").withSubdomain("peers").addNewContainer()
                .withName("c").withImage("busybox").addNewPort().withName("http").withContainerPort(8080).endPort()
                .endContainer().endSpec().build());
        kubelet.postPodStatus(ns, "h", "10.2.0.1", false, t0);
        service(ns, "eager", Map.of(), true);
        services.create(ns, new ServiceBuilder().withNewMetadata().withName("peers").endMetadata().withNewSpec()
                .withClusterIP("None").withSelector(Map.of("app", "web")).endSpec().build());

        awaitAddresses(ns, "eager", "10.2.0.1:http=8080,metrics=9090", "");
        // a headless service without ports still lists the addresses, with the hostname its subdomain asks for
        awaitAddresses(ns, "peers", "", "10.2.0.1:");
        Endpoints peers = get(ns, "peers");
        assertEquals(Map.of("service.kubernetes.io/headless", ""), peers.getMetadata().getLabels());
        EndpointSubset subset = peers.getSubsets().getFirst();
        assertEquals("host-0", subset.getNotReadyAddresses().getFirst().getHostname());
        assertNull(subset.getPorts() == null || subset.getPorts().isEmpty() ? null : subset.getPorts());
        // the hostname is only for the service the pod names as subdomain
        Endpoints eager = get(ns, "eager");
        assertNull(eager.getSubsets().getFirst().getAddresses().getFirst().getHostname());
    }

    @Test
    void servicesWithoutSelectorAreLeftToOthers() {
        String ns = TestCluster.namespace(client, "endpoints-manual");
        services.create(ns, new ServiceBuilder().withNewMetadata().withName("external").endMetadata().withNewSpec()
                .addNewPort().withPort(443).endPort().endSpec().build());
        endpoints.create(ns, new EndpointsBuilder().withNewMetadata().withName("external").endMetadata().addNewSubset()
                .addNewAddress().withIp("192.0.2.10").endAddress().addNewPort().withPort(443).endPort().endSubset().build());
        // a change to the service queues it; its hand-written Endpoints survive the sync
        services.patch(ns, "external", dev.kj.api.client.PatchType.MERGE, "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
        Await.sleepQuietly(java.time.Duration.ofSeconds(2));
        Endpoints manual = endpoints.get(ns, "external");
        assertEquals("192.0.2.10", manual.getSubsets().getFirst().getAddresses().getFirst().getIp());
        assertFalse(manual.getMetadata().getAnnotations() != null
                && manual.getMetadata().getAnnotations().containsKey("endpoints.kubernetes.io/last-change-trigger-time"));
        // the API server's own kubernetes Endpoints is untouched: no trigger-time annotation, its one https port
        // (present when the server found an address to advertise)
        Endpoints kubernetes = get("default", "kubernetes");
        if (kubernetes != null) {
            assertEquals("https", kubernetes.getSubsets().getFirst().getPorts().getFirst().getName());
            assertFalse(kubernetes.getMetadata().getAnnotations() != null
                    && kubernetes.getMetadata().getAnnotations().containsKey("endpoints.kubernetes.io/last-change-trigger-time"));
        }
    }
}
