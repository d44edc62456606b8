package dev.kj.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.testing.ClusterTest;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Discovery read from the real server over both transports, as client-go's discovery client reads it. */
class DiscoveryClientTest extends ClusterTest {
    @ParameterizedTest
    @MethodSource("transports")
    void preferredResourcesAreEachResourceOnceInItsPreferredVersion(String transport) {
        DiscoveryClient discovery = client(transport).discovery();
        List<DiscoveryClient.ApiGroup> groups = discovery.groups();
        assertEquals(new DiscoveryClient.ApiGroup("", List.of("v1"), "v1"), groups.getFirst());
        DiscoveryClient.ApiGroup autoscaling = groups.stream().filter(g -> g.name().equals("autoscaling")).findFirst()
                .orElseThrow();
        assertTrue(autoscaling.versions().size() > 1, autoscaling.toString());

        DiscoveryClient.Discovered preferred = discovery.serverPreferredResources();
        assertEquals(java.util.Map.of(), preferred.failures());
        List<ApiResource> hpas = preferred.resources().stream()
                .filter(r -> r.group().equals("autoscaling") && r.name().equals("horizontalpodautoscalers")).toList();
        assertEquals(1, hpas.size(), hpas.toString());
        assertEquals(autoscaling.preferredVersion(), hpas.getFirst().version());
        assertTrue(preferred.resources().stream().noneMatch(ApiResource::isSubresource));
        ApiResource namespaces = preferred.resources().stream().filter(r -> r.group().isEmpty() && r.name().equals("namespaces"))
                .findFirst().orElseThrow();
        assertEquals(List.of("create", "delete", "get", "list", "patch", "update", "watch"), namespaces.verbs());
        assertEquals(new dev.kj.api.Resource("", "v1", "namespaces", false, "Namespace"), namespaces.resource());

        List<ApiResource> all = discovery.serverResources().resources();
        assertTrue(all.stream().filter(r -> r.group().equals("autoscaling") && r.name().equals("horizontalpodautoscalers"))
                .count() > 1, "every served version");
        ApiResource finalize = discovery.resourcesFor("", "v1").stream().filter(r -> r.name().equals("namespaces/finalize"))
                .findFirst().orElseThrow();
        assertEquals(List.of("update"), finalize.verbs());
        assertTrue(finalize.isSubresource());
    }
}
