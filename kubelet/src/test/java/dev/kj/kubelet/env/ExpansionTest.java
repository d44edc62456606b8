package dev.kj.kubelet.env;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelectorBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Upstream's expansion cases, service link variables and resourceFieldRef rounding. */
class ExpansionTest {
    private static final Map<String, String> VARS = Map.of("VAR_A", "A", "VAR_B", "B", "VAR_EMPTY", "");

    private static String expand(String in) {
        return Expansion.expand(in, VARS::get);
    }

    @Test
    void expandsKnownNamesKeepsUnknownAndEscapes() {
        assertEquals("A", expand("$(VAR_A)"));
        assertEquals("___A___", expand("___$(VAR_A)___"));
        assertEquals("AB", expand("$(VAR_A)$(VAR_B)"));
        assertEquals("", expand("$(VAR_EMPTY)"));
        assertEquals("$(VAR_DNE)", expand("$(VAR_DNE)"));
        assertEquals("$(VAR_A)", expand("$$(VAR_A)"));
        assertEquals("$A", expand("$$$(VAR_A)"));
        assertEquals("$$", expand("$$$$"));
        assertEquals("$(VAR_A", expand("$(VAR_A"));
        assertEquals("$VAR_A", expand("$VAR_A"));
        assertEquals("foo$", expand("foo$"));
        assertEquals("$()", expand("$()"));
    }

    @Test
    void serviceLinksAsDockerLinksAndServiceHostPort() {
        var kubernetes = new ServiceBuilder().withNewMetadata().withName("kubernetes").withNamespace("default").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.1").addNewPort().withName("https").withPort(443).withProtocol("TCP").endPort()
                .endSpec().build();
        var web = new ServiceBuilder().withNewMetadata().withName("my-web").withNamespace("apps").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.9").addNewPort().withPort(80).endPort().endSpec().build();
        var headless = new ServiceBuilder().withNewMetadata().withName("db").withNamespace("apps").endMetadata()
                .withNewSpec().withClusterIP("None").addNewPort().withPort(5432).endPort().endSpec().build();
        var all = List.of(kubernetes, web, headless);
        Map<String, String> env = ServiceLinks.variables(ServiceLinks.visible(all, "apps", true));
        assertEquals("10.96.0.1", env.get("KUBERNETES_SERVICE_HOST"));
        assertEquals("443", env.get("KUBERNETES_SERVICE_PORT"));
        assertEquals("443", env.get("KUBERNETES_SERVICE_PORT_HTTPS"));
        assertEquals("tcp://10.96.0.1:443", env.get("KUBERNETES_PORT"));
        assertEquals("tcp://10.96.0.1:443", env.get("KUBERNETES_PORT_443_TCP"));
        assertEquals("tcp", env.get("KUBERNETES_PORT_443_TCP_PROTO"));
        assertEquals("443", env.get("KUBERNETES_PORT_443_TCP_PORT"));
        assertEquals("10.96.0.1", env.get("KUBERNETES_PORT_443_TCP_ADDR"));
        assertEquals("10.96.0.9", env.get("MY_WEB_SERVICE_HOST"));
        assertEquals(null, env.get("DB_SERVICE_HOST"));
        Map<String, String> noLinks = ServiceLinks.variables(ServiceLinks.visible(all, "apps", false));
        assertEquals("10.96.0.1", noLinks.get("KUBERNETES_SERVICE_HOST"));
        assertEquals(null, noLinks.get("MY_WEB_SERVICE_HOST"));
    }

    @Test
    void resourceFieldRefRoundsUpByTheDivisorAndFallsBackToAllocatable() throws Exception {
        var container = new ContainerBuilder().withName("c").withNewResources().addToLimits("memory", new Quantity("64Mi"))
                .addToRequests("cpu", new Quantity("250m")).endResources().build();
        Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").endMetadata().withNewSpec()
                .withContainers(container).endSpec().build();
        var facts = new Environment.Facts(List.of(), List.of(), BigDecimal.valueOf(4), BigDecimal.valueOf(8L << 30));
        assertEquals("1", Environment.resource(pod, container, new ResourceFieldSelectorBuilder().withResource("requests.cpu").build(), facts));
        assertEquals("250", Environment.resource(pod, container, new ResourceFieldSelectorBuilder().withResource("requests.cpu")
                .withDivisor(new Quantity("1m")).build(), facts));
        assertEquals("64", Environment.resource(pod, container, new ResourceFieldSelectorBuilder().withResource("limits.memory")
                .withDivisor(new Quantity("1Mi")).build(), facts));
        assertEquals("4", Environment.resource(pod, container, new ResourceFieldSelectorBuilder().withResource("limits.cpu").build(), facts));
    }
}
