package dev.kj.scheduler;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.apiserver.testing.Kubectl;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens when a pod does not fit, against the real API server: upstream's PodScheduled=False
 * condition and FailedScheduling event texts (the pod made with stock kubectl), scheduling once a
 * node that fits appears, the API server's priority resolution, and preemption by PriorityClass
 * that spares pods a PodDisruptionBudget protects.
 */
class SchedulingFailureTest {
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

    @Test
    void unschedulableConditionAndEventThenScheduledWhenANodeAppears() throws Exception {
        cluster.node("gpu", "4", "4Gi", Map.of(), List.of(new TaintBuilder().withKey("dedicated").withValue("gpu")
                .withEffect("NoSchedule").build()));
        cluster.node("small-1", "1", "4Gi");
        cluster.node("small-2", "1", "4Gi");
        Kubectl kubectl = Kubectl.require("kubectl", cluster.server.server().kubeconfig(), dir);
        Path manifest = dir.resolve("hungry.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: hungry
                spec:
                  containers:
                  - name: c
                    image: busybox
                    resources:
                      requests:
                        cpu: "2"
                """);
        kubectl.run("create", "-f", manifest.toString()).ok();
        String expected = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu."
                + " preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling,"
                + " 2 No preemption victims found for incoming pod.";
        until("the unschedulable condition", () -> cluster.scheduledCondition(NS, "hungry")
                .map(c -> expected.equals(c.getMessage())).orElse(false));
        PodCondition condition = cluster.scheduledCondition(NS, "hungry").orElseThrow();
        assertEquals("False", condition.getStatus());
        assertEquals("Unschedulable", condition.getReason());
        assertNotNull(condition.getLastTransitionTime());
        until("the FailedScheduling event", () -> cluster.events(NS, "hungry", "FailedScheduling").stream()
                .anyMatch(e -> expected.equals(e.getMessage())));
        Event event = cluster.events(NS, "hungry", "FailedScheduling").getFirst();
        assertEquals("Warning", event.getType());
        assertEquals("default-scheduler", event.getSource().getComponent());
        // what a user sees
        String described = kubectl.run("describe", "pod", "hungry").ok().stdout();
        assertTrue(described.contains("FailedScheduling"), described);
        assertTrue(described.contains("Insufficient cpu"), described);
        assertEquals("", cluster.nodeOf(NS, "hungry"));

        // a node that fits appears: the pod leaves the unschedulable pool and is bound there
        cluster.node("large", "4", "4Gi");
        until("hungry bound", () -> !cluster.nodeOf(NS, "hungry").isEmpty());
        assertEquals("large", cluster.nodeOf(NS, "hungry"));
        assertEquals("True", cluster.scheduledCondition(NS, "hungry").orElseThrow().getStatus());
        until("the Scheduled event", () -> !cluster.events(NS, "hungry", "Scheduled").isEmpty());
        assertEquals("Successfully assigned default/hungry to large",
                cluster.events(NS, "hungry", "Scheduled").getFirst().getMessage());
    }

    @Test
    void withoutNodesThePodWaitsAndIsScheduledWhenOneRegisters() {
        cluster.create(NS, ClusterFixture.pod("early", "100m").build());
        until("the condition", () -> cluster.scheduledCondition(NS, "early")
                .map(c -> "no nodes available to schedule pods".equals(c.getMessage())).orElse(false));
        assertEquals("Unschedulable", cluster.scheduledCondition(NS, "early").orElseThrow().getReason());
        cluster.node("first", "2", "2Gi");
        until("early bound", () -> "first".equals(cluster.nodeOf(NS, "early")));
    }

    @Test
    void theApiServerResolvesPriorityClassNames() {
        var classes = cluster.client.typed(Resources.PRIORITY_CLASSES, PriorityClass.class);
        // the system classes exist
        assertEquals(2000001000, classes.get(null, "system-node-critical").getValue());
        assertEquals(2000000000, classes.get(null, "system-cluster-critical").getValue());
        classes.create(null, new PriorityClassBuilder().withNewMetadata().withName("high").endMetadata().withValue(1000)
                .withPreemptionPolicy("Never").build());
        Pod pod = cluster.create(NS, ClusterFixture.pod("important", "100m").editSpec().withPriorityClassName("high").endSpec().build());
        assertEquals(1000, pod.getSpec().getPriority());
        assertEquals("Never", pod.getSpec().getPreemptionPolicy());
        Pod plain = cluster.create(NS, ClusterFixture.pod("plain", "100m").build());
        assertEquals(0, plain.getSpec().getPriority());
        assertEquals("PreemptLowerPriority", plain.getSpec().getPreemptionPolicy());
        ApiException unknown = assertThrows(ApiException.class, () -> cluster.create(NS,
                ClusterFixture.pod("lost", "100m").editSpec().withPriorityClassName("nope").endSpec().build()));
        assertEquals(403, unknown.code());
        assertEquals("pods \"lost\" is forbidden: no PriorityClass with name nope was found", unknown.getMessage());
        ApiException mismatch = assertThrows(ApiException.class, () -> cluster.create(NS,
                ClusterFixture.pod("forged", "100m").editSpec().withPriorityClassName("high").withPriority(5).endSpec().build()));
        assertEquals(403, mismatch.code());
        assertEquals("pods \"forged\" is forbidden: the integer value of priority (5) must not be provided in pod spec;"
                + " priority admission controller computed 1000 from the given PriorityClass name", mismatch.getMessage());
        // a global default applies to pods naming no class
        classes.create(null, new PriorityClassBuilder().withNewMetadata().withName("everyone").endMetadata().withValue(7)
                .withGlobalDefault(true).build());
        until("the default class in effect", () -> {
            Pod probe = cluster.create(NS, ClusterFixture.pod("default-" + System.nanoTime(), "100m").build());
            return Integer.valueOf(7).equals(probe.getSpec().getPriority()) && "everyone".equals(probe.getSpec().getPriorityClassName());
        });
        ApiException second = assertThrows(ApiException.class, () -> classes.create(null, new PriorityClassBuilder()
                .withNewMetadata().withName("also").endMetadata().withValue(8).withGlobalDefault(true).build()));
        assertEquals(403, second.code());
        assertTrue(second.getMessage().contains("PriorityClass everyone is already marked as default. Only one default can exist"),
                second.getMessage());
    }

    @Test
    void preemptionPicksVictimsNoBudgetProtects() {
        var classes = cluster.client.typed(Resources.PRIORITY_CLASSES, PriorityClass.class);
        classes.create(null, new PriorityClassBuilder().withNewMetadata().withName("lowest").endMetadata().withValue(10).build());
        classes.create(null, new PriorityClassBuilder().withNewMetadata().withName("low").endMetadata().withValue(100).build());
        classes.create(null, new PriorityClassBuilder().withNewMetadata().withName("high").endMetadata().withValue(1000).build());
        cluster.node("node-a", "2", "4Gi");
        cluster.node("node-b", "2", "4Gi");
        cluster.awaitSchedulerSees("node-a", "node-b");
        // node-a's victim has the lower priority, which would make node-a the first choice; but a PDB protects it
        cluster.create(NS, ClusterFixture.pod("protected", "1500m").editMetadata().withLabels(Map.of("app", "protected"))
                .endMetadata().editSpec().withPriorityClassName("lowest")
                .withNodeSelector(Map.of("kubernetes.io/hostname", "node-a")).endSpec().build());
        // a finalizer keeps the victim visible after its deletion, to read its DisruptionTarget condition; with no
        // kubelet to confirm a graceful deletion, a grace period of 0 lets it go once the finalizer does
        cluster.create(NS, ClusterFixture.pod("expendable", "1500m").editMetadata().withFinalizers("example.com/hold")
                .endMetadata().editSpec().withPriorityClassName("low").withTerminationGracePeriodSeconds(0L)
                .withNodeSelector(Map.of("kubernetes.io/hostname", "node-b")).endSpec().build());
        until("both victims bound", () -> !cluster.nodeOf(NS, "protected").isEmpty() && !cluster.nodeOf(NS, "expendable").isEmpty());
        var budgets = cluster.client.typed(Resources.POD_DISRUPTION_BUDGETS, PodDisruptionBudget.class);
        budgets.create(NS, new PodDisruptionBudgetBuilder().withNewMetadata().withName("keep").endMetadata().withNewSpec()
                .withMinAvailable(new io.fabric8.kubernetes.api.model.IntOrString(1))
                .withNewSelector().withMatchLabels(Map.of("app", "protected")).endSelector().endSpec().build());
        // no disruption controller writes the budget's status: disruptionsAllowed reads 0, as upstream's scheduler would
        // read it before that controller's first sync
        cluster.create(NS, ClusterFixture.pod("vip", "1500m").editSpec().withPriorityClassName("high").endSpec().build());

        until("vip nominated to node-b", () -> {
            Pod vip = cluster.get(NS, "vip");
            return vip.getStatus() != null && "node-b".equals(vip.getStatus().getNominatedNodeName());
        });
        Pod victim = cluster.get(NS, "expendable");
        assertNotNull(victim.getMetadata().getDeletionTimestamp(), "the victim is being deleted");
        PodCondition disruption = victim.getStatus().getConditions().stream()
                .filter(c -> "DisruptionTarget".equals(c.getType())).findFirst().orElseThrow();
        assertEquals("True", disruption.getStatus());
        assertEquals("PreemptionByScheduler", disruption.getReason());
        assertEquals("default-scheduler: preempting to accommodate a higher priority pod", disruption.getMessage());
        until("the Preempted event", () -> cluster.events(NS, "expendable", "Preempted").stream().anyMatch(e ->
                ("Preempted by pod " + cluster.get(NS, "vip").getMetadata().getUid() + " on node node-b").equals(e.getMessage())));
        assertEquals("", cluster.nodeOf(NS, "vip"), "vip waits for its victim to go");
        // "... preemption: not eligible due to a terminating pod on the nominated node." follows if vip is retried meanwhile
        String waiting = cluster.scheduledCondition(NS, "vip").orElseThrow().getMessage();
        assertTrue(waiting.equals("0/2 nodes are available: 2 Insufficient cpu.") || waiting.equals("0/2 nodes are available:"
                + " 2 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node."), waiting);
        assertFalse(cluster.get(NS, "protected").getMetadata().getDeletionTimestamp() != null, "the protected pod stays");

        // the victim goes: vip is bound to the node preemption freed
        cluster.pods.patch(NS, "expendable", dev.kj.api.client.PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
        until("vip bound", () -> !cluster.nodeOf(NS, "vip").isEmpty());
        assertEquals("node-b", cluster.nodeOf(NS, "vip"));
        assertEquals("node-a", cluster.nodeOf(NS, "protected"));
    }

    @Test
    void preemptionPolicyNeverDoesNotPreempt() {
        var classes = cluster.client.typed(Resources.PRIORITY_CLASSES, PriorityClass.class);
        classes.create(null, new PriorityClassBuilder().withNewMetadata().withName("polite").endMetadata().withValue(1000)
                .withPreemptionPolicy("Never").build());
        cluster.node("only", "1", "4Gi");
        cluster.create(NS, ClusterFixture.pod("occupant", "800m").build());
        until("occupant bound", () -> !cluster.nodeOf(NS, "occupant").isEmpty());
        cluster.create(NS, ClusterFixture.pod("polite", "800m").editSpec().withPriorityClassName("polite").endSpec().build());
        String expected = "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.";
        until("the condition", () -> cluster.scheduledCondition(NS, "polite").map(c -> expected.equals(c.getMessage())).orElse(false));
        assertTrue(cluster.get(NS, "occupant").getMetadata().getDeletionTimestamp() == null);
    }
}
