package dev.kj.controllers.endpointslice;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import dev.kj.controllers.Await;
import dev.kj.controllers.ApiKubeletStandIn;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The EndpointSlice controller in a real API server. Services and pods are created through the
 * API; with no kubelet yet, {@link ApiKubeletStandIn} registers node-a (zone-a) and writes the pods'
 * status through the API server as system:node:node-a.
 */
class EndpointSliceControllerTest extends ClusterTest {
    private Path dir;
    private ApiClient client;
    private ApiKubeletStandIn kubelet;
    private ResourceClient<EndpointSlice> slices;
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
        slices = client.typed(Resources.ENDPOINT_SLICES, EndpointSlice.class);
        pods = client.typed(Resources.PODS, Pod.class);
        services = client.typed(Resources.SERVICES, Service.class);
        kubelet = new ApiKubeletStandIn(server, dir.resolve("data"), dir, "node-a");
        kubelet.register(Map.of("topology.kubernetes.io/zone", "zone-a"));
    }

    @AfterAll
    void closeKubelet() {
        if (kubelet != null) {
            kubelet.close();
        }
    }

    private void pod(String ns, String name, String app, int port) {
        pods.create(ns, new PodBuilder().withNewMetadata().withName(name).withLabels(Map.of("app", app)).endMetadata()
                .withNewSpec().withNodeName("node-a").addNewContainer().withName("c").withImage("busybox")
                .addNewPort().withName("http").withContainerPort(port).endPort().endContainer().endSpec().build());
    }

    private Service service(String ns, String name, String app) {
        return services.create(ns, new ServiceBuilder().withNewMetadata().withName(name).withLabels(Map.of("team", "blue")).endMetadata()
                .withNewSpec().withSelector(Map.of("app", app))
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort().endSpec().build());
    }

    private List<EndpointSlice> slicesOf(String ns, String service) {
        return slices.list(ns, ListOptions.NONE.withLabelSelector("kubernetes.io/service-name=" + service)).items();
    }

    /** "ip ready/serving/terminating port" per endpoint, sorted. */
    private String describe(String ns, String service) {
        return slicesOf(ns, service).stream().flatMap(slice -> (slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints())
                .stream().map(e -> e.getAddresses().getFirst() + " " + e.getConditions().getReady() + "/" + e.getConditions().getServing()
                        + "/" + e.getConditions().getTerminating() + " " + slice.getPorts().stream().map(p -> p.getName() + "=" + p.getPort())
                        .collect(Collectors.joining(","))))
                .sorted().collect(Collectors.joining("|"));
    }

    private void await(String ns, String service, String expected) {
        long deadline = System.nanoTime() + Await.TIMEOUT.toNanos();
        while (!describe(ns, service).equals(expected) && System.nanoTime() < deadline) {
            Await.sleepQuietly(java.time.Duration.ofMillis(100));
        }
        assertEquals(expected, describe(ns, service));
    }

    @Test
    void slicesCarryUpstreamsLabelsOwnerAndEndpointFields() {
        String ns = TestCluster.namespace(client, "slices-basic");
        Instant since = Instant.now().minusSeconds(30);
        pod(ns, "a", "web", 8080);
        pod(ns, "b", "web", 8081);
        kubelet.postPodStatus(ns, "a", "10.4.0.1", true, since);
        kubelet.postPodStatus(ns, "b", "10.4.0.2", false, since);
        Service web = service(ns, "web", "web");

        await(ns, "web", "10.4.0.1 true/true/false http=8080|10.4.0.2 false/false/false http=8081");
        List<EndpointSlice> list = slicesOf(ns, "web");
        assertEquals(2, list.size(), "one slice per set of ports");
        EndpointSlice slice = list.stream().filter(s -> s.getEndpoints().getFirst().getAddresses().getFirst().equals("10.4.0.1"))
                .findFirst().orElseThrow();
        assertEquals("IPv4", slice.getAddressType());
        assertTrue(slice.getMetadata().getName().startsWith("web-"), slice.getMetadata().getName());
        assertEquals(Map.of("team", "blue", "kubernetes.io/service-name", "web",
                "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"), slice.getMetadata().getLabels());
        OwnerReference owner = slice.getMetadata().getOwnerReferences().getFirst();
        assertEquals(List.of("v1", "Service", "web", web.getMetadata().getUid(), "true", "true"), List.of(owner.getApiVersion(),
                owner.getKind(), owner.getName(), owner.getUid(), owner.getController().toString(), owner.getBlockOwnerDeletion().toString()));
        Endpoint a = slice.getEndpoints().getFirst();
        assertEquals("node-a", a.getNodeName());
        assertEquals("zone-a", a.getZone());
        assertEquals(List.of("Pod", ns, "a", pods.get(ns, "a").getMetadata().getUid()),
                List.of(a.getTargetRef().getKind(), a.getTargetRef().getNamespace(), a.getTargetRef().getName(), a.getTargetRef().getUid()));
        assertEquals("TCP", slice.getPorts().getFirst().getProtocol());

        // a terminating pod stays, serving but not ready
        pods.patch(ns, "a", PatchType.MERGE, "{\"metadata\":{\"finalizers\":[\"example.com/hold\"]}}");
        pods.delete(ns, "a", DeleteOptions.NONE);
        await(ns, "web", "10.4.0.1 false/true/true http=8080|10.4.0.2 false/false/false http=8081");
        pods.patch(ns, "a", PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
        pods.delete(ns, "a", DeleteOptions.NONE.withGracePeriodSeconds(0));
        await(ns, "web", "10.4.0.2 false/false/false http=8081");
        assertEquals(1, slicesOf(ns, "web").size(), "the emptied slice is deleted");
    }

    @Test
    void aServiceWithoutEndpointsKeepsOnePlaceholder() {
        String ns = TestCluster.namespace(client, "slices-empty");
        service(ns, "lonely", "nobody");
        until("the placeholder slice", () -> slicesOf(ns, "lonely").size() == 1);
        Await.sleepQuietly(java.time.Duration.ofSeconds(1));
        List<EndpointSlice> list = slicesOf(ns, "lonely");
        assertEquals(1, list.size());
        assertTrue(list.getFirst().getEndpoints() == null || list.getFirst().getEndpoints().isEmpty());
        assertTrue(list.getFirst().getPorts() == null || list.getFirst().getPorts().isEmpty());
    }

    @Test
    void aHundredEndpointsPerSliceAndAChangeRewritesOnlyItsSlice() {
        String ns = TestCluster.namespace(client, "slices-many");
        Instant since = Instant.now().minusSeconds(30);
        for (int i = 0; i < 105; i++) {
            pod(ns, "p" + i, "many", 8080);
            kubelet.postPodStatus(ns, "p" + i, "10.5.0." + (i + 1), true, since);
        }
        service(ns, "many", "many");
        until("105 endpoints in two slices", () -> {
            List<EndpointSlice> list = slicesOf(ns, "many");
            return list.stream().mapToInt(s -> s.getEndpoints() == null ? 0 : s.getEndpoints().size()).sum() == 105;
        });
        List<EndpointSlice> before = slicesOf(ns, "many");
        assertEquals(List.of(5, 100), before.stream().map(s -> s.getEndpoints().size()).sorted().toList());

        // p0 turns not ready: only the slice holding it is written
        kubelet.postPodStatus(ns, "p0", "10.5.0.1", false, Instant.now());
        until("p0 not ready", () -> slicesOf(ns, "many").stream().flatMap(s -> s.getEndpoints().stream())
                .anyMatch(e -> e.getTargetRef().getName().equals("p0") && !e.getConditions().getReady()));
        Map<String, String> versionsBefore = before.stream().collect(Collectors.toMap(s -> s.getMetadata().getName(),
                s -> s.getMetadata().getResourceVersion()));
        Map<String, String> versionsAfter = slicesOf(ns, "many").stream().collect(Collectors.toMap(s -> s.getMetadata().getName(),
                s -> s.getMetadata().getResourceVersion()));
        assertEquals(versionsBefore.keySet(), versionsAfter.keySet(), "no slice created or deleted");
        long rewritten = versionsBefore.keySet().stream().filter(name -> !versionsBefore.get(name).equals(versionsAfter.get(name))).count();
        assertEquals(1, rewritten, "one slice rewritten");
    }
}
