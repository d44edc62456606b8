package dev.kj.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** PodRequests as upstream's resourcehelper: containers, sidecars, init steps, overhead; the non-zero defaults. */
class PodRequestsTest {
    record Case(String name, List<Container> containers, List<Container> initContainers, Map<String, Quantity> overhead,
                long milliCpu, long nonZeroMilliCpu, long nonZeroMemory) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Container container(String cpu, String restartPolicy) {
        ContainerBuilder builder = new ContainerBuilder().withName("c" + System.nanoTime()).withImage("i").withRestartPolicy(restartPolicy);
        if (cpu != null) {
            builder.withNewResources().withRequests(Map.of("cpu", new Quantity(cpu))).endResources();
        }
        return builder.build();
    }

    static Stream<Case> cases() {
        long mem = PodRequests.DEFAULT_MEMORY;
        return Stream.of(
                new Case("containers add up", List.of(container("1", null), container("500m", null)), List.of(), null,
                        1500, 1500, 2 * mem),
                new Case("a larger init container wins", List.of(container("1", null)), List.of(container("3", null)), null,
                        3000, 3000, mem),
                new Case("sidecars run beside the containers and later init steps",
                        List.of(container("1", null)), List.of(container("1", "Always"), container("1500m", null)), null,
                        2500, 2500, 2 * mem),
                new Case("an init step before the sidecar does not add it",
                        List.of(container("1", null)), List.of(container("1500m", null), container("1", "Always")), null,
                        2000, 2000, 2 * mem),
                new Case("overhead is added", List.of(container("1", null)), List.of(), Map.of("cpu", new Quantity("250m")),
                        1250, 1250, mem),
                new Case("no requests: zero, and 100m / 200 MiB for scoring", List.of(container(null, null)), List.of(), null,
                        0, PodRequests.DEFAULT_MILLI_CPU, mem));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void requests(Case c) {
        Pod pod = new PodBuilder().withNewSpec().withContainers(c.containers()).withInitContainers(c.initContainers())
                .withOverhead(c.overhead()).endSpec().build();
        assertEquals(c.milliCpu(), PodRequests.of(pod).milliCpu);
        assertEquals(c.nonZeroMilliCpu(), PodRequests.nonZero(pod).milliCpu);
        assertEquals(c.nonZeroMemory(), PodRequests.nonZero(pod).memory);
    }
}
