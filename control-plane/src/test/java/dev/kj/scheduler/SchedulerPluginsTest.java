package dev.kj.scheduler;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerImageBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler inside a real API server, plugin by plugin: Node objects made through the API (no
 * kubelet), pods created through the client, and the node each pod is bound to through
 * pods/binding — the only node the plugin under test allows, or the one its score prefers when
 * every other score ties.
 */
class SchedulerPluginsTest {
    private static final String NS = "default";

    @TempDir
    Path dir;
    ClusterFixture cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new ClusterFixture(dir);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String boundNode(String pod) {
        until(pod + " bound", () -> !cluster.nodeOf(NS, pod).isEmpty());
        return cluster.nodeOf(NS, pod);
    }

    @Test
    void nodeResourcesFitBindsWhereTheRequestFitsAndRecordsScheduled() {
        cluster.node("small", "1", "4Gi");
        cluster.node("large", "4", "4Gi");
        cluster.awaitSchedulerSees("small", "large");
        Pod pod = cluster.create(NS, ClusterFixture.pod("big", "2").build());
        assertEquals("large", boundNode("big"));
        PodCondition scheduled = cluster.scheduledCondition(NS, "big").orElseThrow();
        assertEquals("True", scheduled.getStatus());
        until("the Scheduled event", () -> !cluster.events(NS, "big", "Scheduled").isEmpty());
        var event = cluster.events(NS, "big", "Scheduled").getFirst();
        assertEquals("Successfully assigned default/big to large", event.getMessage());
        assertEquals("Normal", event.getType());
        assertEquals("default-scheduler", event.getSource().getComponent());
        assertEquals(pod.getMetadata().getUid(), event.getInvolvedObject().getUid());
    }

    @Test
    void initContainersAndSidecarsCountTowardTheRequest() {
        cluster.node("two", "2", "4Gi");
        cluster.node("three", "3", "4Gi");
        cluster.awaitSchedulerSees("two", "three");
        // app 1 cpu + sidecar 1 cpu run together (2); the init container runs beside the sidecar: 2.5 at its peak
        Pod pod = ClusterFixture.pod("layered", "1").editSpec()
                .addNewInitContainer().withName("sidecar").withImage("busybox").withRestartPolicy("Always")
                .withNewResources().withRequests(Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("1")))
                .endResources().endInitContainer()
                .addNewInitContainer().withName("init").withImage("busybox")
                .withNewResources().withRequests(Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("1500m")))
                .endResources().endInitContainer()
                .endSpec().build();
        cluster.create(NS, pod);
        assertEquals("three", boundNode("layered"));
    }

    @Test
    void taintsKeepPodsAwayUnlessTolerated() {
        cluster.node("tainted", "4", "4Gi", Map.of(), List.of(new TaintBuilder().withKey("dedicated").withValue("gpu")
                .withEffect("NoSchedule").build()));
        cluster.node("plain", "4", "4Gi");
        cluster.awaitSchedulerSees("tainted", "plain");
        cluster.create(NS, ClusterFixture.pod("ordinary", "100m").build());
        assertEquals("plain", boundNode("ordinary"));
        // tolerating it and selecting it by hostname: goes there
        cluster.create(NS, ClusterFixture.pod("gpu", "100m").editSpec()
                .withTolerations(new TolerationBuilder().withKey("dedicated").withOperator("Equal").withValue("gpu")
                        .withEffect("NoSchedule").build())
                .withNodeSelector(Map.of("kubernetes.io/hostname", "tainted")).endSpec().build());
        assertEquals("tainted", boundNode("gpu"));
    }

    @Test
    void preferNoScheduleTaintsScoreLower() {
        cluster.node("avoid", "4", "4Gi", Map.of(), List.of(new TaintBuilder().withKey("spot").withValue("true")
                .withEffect("PreferNoSchedule").build()));
        cluster.node("fine", "4", "4Gi");
        cluster.awaitSchedulerSees("avoid", "fine");
        cluster.create(NS, ClusterFixture.pod("p", "100m").build());
        assertEquals("fine", boundNode("p"));
    }

    @Test
    void nodeSelectorRequiredAndPreferredNodeAffinity() {
        cluster.node("zone-a", "4", "4Gi", Map.of("topology.kubernetes.io/zone", "a", "disk", "ssd"), List.of());
        cluster.node("zone-b", "4", "4Gi", Map.of("topology.kubernetes.io/zone", "b"), List.of());
        cluster.awaitSchedulerSees("zone-a", "zone-b");
        cluster.create(NS, ClusterFixture.pod("selected", "100m").editSpec()
                .withNodeSelector(Map.of("topology.kubernetes.io/zone", "b")).endSpec().build());
        assertEquals("zone-b", boundNode("selected"));
        cluster.create(NS, ClusterFixture.pod("required", "100m").editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
                .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("disk").withOperator("Exists").build())
                .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build());
        assertEquals("zone-a", boundNode("required"));
        // both fit; the preference decides (zone-a also holds one pod more, which LeastAllocated weighs far less)
        cluster.create(NS, ClusterFixture.pod("preferred", "100m").editSpec().withNewAffinity().withNewNodeAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(50).withNewPreference()
                .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("topology.kubernetes.io/zone")
                        .withOperator("In").withValues("a").build())
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build());
        assertEquals("zone-a", boundNode("preferred"));
    }

    @Test
    void cordonedNodesAndHostPorts() {
        cluster.node("cordoned", "4", "4Gi");
        cluster.awaitSchedulerSees("cordoned");
        Node cordoned = cluster.nodes.get(null, "cordoned");
        cordoned.getSpec().setUnschedulable(true);
        cluster.nodes.update(cordoned);
        cluster.node("open", "4", "4Gi");
        cluster.awaitSchedulerSees("open");
        Pod withPort = ClusterFixture.pod("port-1", "100m").editSpec().editFirstContainer().addNewPort()
                .withContainerPort(8080).withHostPort(8080).endPort().endContainer().endSpec().build();
        cluster.create(NS, withPort);
        assertEquals("open", boundNode("port-1"));
        withPort.getMetadata().setName("port-2");
        cluster.create(NS, withPort);
        until("port-2 unschedulable", () -> cluster.scheduledCondition(NS, "port-2").map(PodCondition::getMessage).isPresent());
        assertEquals("0/2 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, "
                        + "1 node(s) were unschedulable. preemption: 0/2 nodes are available: "
                        + "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
                cluster.scheduledCondition(NS, "port-2").orElseThrow().getMessage());
    }

    @Test
    void interPodAffinityAndAntiAffinity() {
        cluster.node("a1", "4", "4Gi", Map.of("topology.kubernetes.io/zone", "a"), List.of());
        cluster.node("b1", "4", "4Gi", Map.of("topology.kubernetes.io/zone", "b"), List.of());
        cluster.awaitSchedulerSees("a1", "b1");
        cluster.create(NS, ClusterFixture.pod("web", "100m").editMetadata().withLabels(Map.of("app", "web")).endMetadata()
                .editSpec().withNodeSelector(Map.of("kubernetes.io/hostname", "b1")).endSpec().build());
        assertEquals("b1", boundNode("web"));
        var webSelector = new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build();
        cluster.create(NS, ClusterFixture.pod("near", "100m").editSpec().withNewAffinity().withNewPodAffinity()
                .withRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder()
                        .withLabelSelector(webSelector).withTopologyKey("topology.kubernetes.io/zone").build())
                .endPodAffinity().endAffinity().endSpec().build());
        assertEquals("b1", boundNode("near"));
        cluster.create(NS, ClusterFixture.pod("far", "100m").editSpec().withNewAffinity().withNewPodAntiAffinity()
                .withRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder()
                        .withLabelSelector(webSelector).withTopologyKey("topology.kubernetes.io/zone").build())
                .endPodAntiAffinity().endAffinity().endSpec().build());
        assertEquals("a1", boundNode("far"));
        // an existing pod's anti-affinity keeps matching pods out of its zone
        cluster.create(NS, ClusterFixture.pod("loner", "100m").editSpec().withNodeSelector(Map.of("kubernetes.io/hostname", "a1"))
                .withNewAffinity().withNewPodAntiAffinity()
                .withRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder()
                        .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("team", "x")).build())
                        .withTopologyKey("topology.kubernetes.io/zone").build())
                .endPodAntiAffinity().endAffinity().endSpec().build());
        assertEquals("a1", boundNode("loner"));
        cluster.create(NS, ClusterFixture.pod("team-x", "100m").editMetadata().withLabels(Map.of("team", "x")).endMetadata().build());
        assertEquals("b1", boundNode("team-x"));
    }

    @Test
    void podTopologySpreadKeepsZonesWithinMaxSkew() {
        cluster.node("a1", "8", "8Gi", Map.of("topology.kubernetes.io/zone", "a"), List.of());
        cluster.node("b1", "8", "8Gi", Map.of("topology.kubernetes.io/zone", "b"), List.of());
        cluster.awaitSchedulerSees("a1", "b1");
        // two pods already in zone a: the next two must go to zone b
        for (String name : List.of("s1", "s2")) {
            cluster.create(NS, ClusterFixture.pod(name, "100m").editMetadata().withLabels(Map.of("app", "spread")).endMetadata()
                    .editSpec().withNodeSelector(Map.of("kubernetes.io/hostname", "a1")).endSpec().build());
            assertEquals("a1", boundNode(name));
        }
        for (String name : List.of("s3", "s4")) {
            cluster.create(NS, ClusterFixture.pod(name, "100m").editMetadata().withLabels(Map.of("app", "spread")).endMetadata()
                    .editSpec().withTopologySpreadConstraints(new TopologySpreadConstraintBuilder().withMaxSkew(1)
                            .withTopologyKey("topology.kubernetes.io/zone").withWhenUnsatisfiable("DoNotSchedule")
                            .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "spread")).build())
                            .build()).endSpec().build());
            assertEquals("b1", boundNode(name));
        }
    }

    @Test
    void imageLocalityPrefersTheNodeHoldingTheImage() {
        cluster.node("holder", "4", "4Gi", Map.of(), List.of(), List.of(new ContainerImageBuilder()
                .withNames("registry.example/app:1").withSizeBytes(500L * 1024 * 1024).build()));
        cluster.node("empty", "4", "4Gi");
        cluster.awaitSchedulerSees("holder", "empty");
        cluster.create(NS, ClusterFixture.pod("app", "100m").editSpec().editFirstContainer()
                .withImage("registry.example/app:1").endContainer().endSpec().build());
        assertEquals("holder", boundNode("app"));
    }

    @Test
    void bindingRefusesAPodAlreadyBound() {
        cluster.node("only", "4", "4Gi");
        cluster.create(NS, ClusterFixture.pod("once", "100m").build());
        assertEquals("only", boundNode("once"));
        var binding = dev.kj.api.objects.Json.TREES.createObjectNode();
        binding.put("apiVersion", "v1").put("kind", "Binding");
        binding.putObject("metadata").put("name", "once");
        binding.putObject("target").put("kind", "Node").put("name", "only");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(dev.kj.api.client.ApiException.class,
                () -> cluster.client.generic(dev.kj.api.Resources.PODS).create(NS, "once", "binding", binding));
        assertEquals(409, refused.code());
        assertTrue(refused.getMessage().contains("is already assigned to node \"only\""), refused.getMessage());
    }
}
