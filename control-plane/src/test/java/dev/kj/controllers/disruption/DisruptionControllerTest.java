package dev.kj.controllers.disruption;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.objects.Json;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.controllers.WorkloadCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disruption-controller in a real API server: PodDisruptionBudgets made and read with stock
 * kubectl over Deployments, StatefulSet-less ReplicaSets and ReplicationControllers whose pods
 * {@link dev.kj.controllers.PlayedKubelet} runs.
 */
class DisruptionControllerTest {
    @TempDir
    static Path dir;
    static WorkloadCluster cluster;
    static ApiClient admin;
    static Kubectl kubectl;
    static ResourceClient<PodDisruptionBudget> pdbs;

    @BeforeAll
    static void start() throws Exception {
        cluster = WorkloadCluster.start(dir);
        admin = cluster.admin;
        kubectl = cluster.kubectl;
        pdbs = admin.typed(Resources.POD_DISRUPTION_BUDGETS, PodDisruptionBudget.class);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String namespace(String name) {
        cluster.kubelet.manage(cluster.namespace(name));
        return name;
    }

    /** currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed. */
    private static List<Integer> numbers(String namespace, String name) {
        var status = pdbs.get(namespace, name).getStatus();
        return status == null ? List.of() : List.of(value(status.getCurrentHealthy()), value(status.getDesiredHealthy()),
                value(status.getExpectedPods()), value(status.getDisruptionsAllowed()));
    }

    private static int value(Integer i) {
        return i == null ? 0 : i;
    }

    private static Condition condition(String namespace, String name) {
        var status = pdbs.get(namespace, name).getStatus();
        return status == null || status.getConditions() == null ? null : status.getConditions().stream()
                .filter(c -> "DisruptionAllowed".equals(c.getType())).findFirst().orElse(null);
    }

    private static String allowedColumn(String namespace, String name) {
        // NAME MIN-AVAILABLE MAX-UNAVAILABLE ALLOWED-DISRUPTIONS AGE
        String[] columns = kubectl.run("get", "pdb", name, "-n", namespace, "--no-headers").ok().stdout().strip().split("\\s+");
        return columns[3];
    }

    private static List<Event> events(String namespace, String reason) {
        return cluster.events(namespace, reason);
    }

    private static void updateStatus(String namespace, String name, UnaryOperator<PodDisruptionBudget> change) {
        for (int attempt = 0; ; attempt++) {
            try {
                pdbs.updateStatus(change.apply(Json.copy(pdbs.get(namespace, name), PodDisruptionBudget.class)));
                return;
            } catch (ApiException e) {
                if (!e.isConflict() || attempt > 10) {
                    throw e;
                }
            }
        }
    }

    @Test
    void percentagesAreOfTheDeploymentsScaleAndKubectlShowsAllowedDisruptions() {
        String ns = namespace("pdb-deploy");
        kubectl.run("create", "deployment", "web", "-n", ns, "--image=busybox", "--replicas=4").ok();
        kubectl.run("create", "pdb", "half", "-n", ns, "--selector=app=web", "--min-available=50%").ok();
        until("4 healthy of 4, 2 allowed", () -> numbers(ns, "half").equals(List.of(4, 2, 4, 2)));
        assertEquals("2", allowedColumn(ns, "half"));
        Condition condition = condition(ns, "half");
        assertEquals(List.of("True", "SufficientPods"), List.of(condition.getStatus(), condition.getReason()));
        assertEquals(1L, pdbs.get(ns, "half").getStatus().getObservedGeneration());

        // maxUnavailable 30% of 4 rounds up to 2; an integer minAvailable counts the pods found
        kubectl.run("create", "pdb", "max", "-n", ns, "--selector=app=web", "--max-unavailable=30%").ok();
        until("max: 2 desired, 2 allowed", () -> numbers(ns, "max").equals(List.of(4, 2, 4, 2)));
        kubectl.run("create", "pdb", "strict", "-n", ns, "--selector=app=web", "--min-available=5").ok();
        until("strict: none allowed", () -> numbers(ns, "strict").equals(List.of(4, 5, 4, 0)));
        assertEquals("0", allowedColumn(ns, "strict"));
        Condition insufficient = condition(ns, "strict");
        assertEquals(List.of("False", "InsufficientPods"), List.of(insufficient.getStatus(), insufficient.getReason()));

        // scaling the Deployment changes the expected pods; a spec change moves observedGeneration
        kubectl.run("scale", "deployment", "web", "-n", ns, "--replicas=6").ok();
        until("half: 6 expected, 3 allowed", () -> numbers(ns, "half").equals(List.of(6, 3, 6, 3)));
        kubectl.run("patch", "pdb", "strict", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"minAvailable\":4}}").ok();
        until("strict: 2 allowed at generation 2", () -> numbers(ns, "strict").equals(List.of(6, 4, 6, 2))
                && Long.valueOf(2).equals(pdbs.get(ns, "strict").getStatus().getObservedGeneration()));
        assertEquals("SufficientPods", condition(ns, "strict").getReason());
    }

    @Test
    void evictedPodsStopCountingUntilTwoMinutesHavePassed() {
        String ns = namespace("pdb-disrupted");
        kubectl.run("create", "deployment", "web", "-n", ns, "--image=busybox", "--replicas=3").ok();
        kubectl.run("create", "pdb", "web", "-n", ns, "--selector=app=web", "--max-unavailable=1").ok();
        until("3 healthy, 1 allowed", () -> numbers(ns, "web").equals(List.of(3, 2, 3, 1)));
        List<Pod> pods = admin.typed(Resources.PODS, Pod.class).list(ns, ListOptions.NONE).items();
        String recent = pods.get(0).getMetadata().getName();
        String expiring = pods.get(1).getMetadata().getName();
        String expired = pods.get(2).getMetadata().getName();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // what the eviction API records: pods it let go, by the time it did
        updateStatus(ns, "web", pdb -> {
            pdb.getStatus().setDisruptedPods(Map.of(recent, now.toString(), expiring, now.minusSeconds(110).toString(),
                    expired, now.minusSeconds(180).toString()));
            return pdb;
        });
        until("two pods disrupted, one past its time dropped", () -> {
            var status = pdbs.get(ns, "web").getStatus();
            return status.getDisruptedPods() != null && status.getDisruptedPods().keySet().equals(java.util.Set.of(recent, expiring))
                    && value(status.getCurrentHealthy()) == 1 && value(status.getDisruptionsAllowed()) == 0;
        });
        until("a NotDeleted warning about the expired one", () -> events(ns, "NotDeleted").stream()
                .anyMatch(e -> e.getInvolvedObject().getName().equals(expired)));
        // the PDB comes back by itself when the second pod's two minutes are over
        until("the expiring pod dropped after its two minutes", () -> {
            var status = pdbs.get(ns, "web").getStatus();
            return status.getDisruptedPods() != null && status.getDisruptedPods().keySet().equals(java.util.Set.of(recent))
                    && value(status.getCurrentHealthy()) == 2;
        });
    }

    @Test
    void podsWithoutAKnownControllerFailTheSyncSafely() {
        String ns = namespace("pdb-failsafe");
        ConfigMap owner = admin.typed(Resources.CONFIG_MAPS, ConfigMap.class).create(ns, new ConfigMapBuilder()
                .withNewMetadata().withName("owner").endMetadata().build());
        admin.typed(Resources.PODS, Pod.class).create(ns, new PodBuilder().withNewMetadata().withName("odd")
                .addToLabels("app", "odd").addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("owner")
                .withUid(owner.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        admin.typed(Resources.PODS, Pod.class).create(ns, new PodBuilder().withNewMetadata().withName("bare")
                .addToLabels("app", "bare").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        kubectl.run("create", "pdb", "odd", "-n", ns, "--selector=app=odd", "--max-unavailable=1").ok();
        until("SyncFailed", () -> {
            Condition c = condition(ns, "odd");
            return c != null && "SyncFailed".equals(c.getReason());
        });
        assertEquals(List.of("False", "found no controllers for pod \"odd\""), List.of(condition(ns, "odd").getStatus(),
                condition(ns, "odd").getMessage()));
        // a bare pod with a percentage: counted as unmanaged, with upstream's warning
        kubectl.run("create", "pdb", "bare", "-n", ns, "--selector=app=bare", "--min-available=50%").ok();
        until("an UnmanagedPods warning", () -> !events(ns, "UnmanagedPods").isEmpty());
        // an integer minAvailable needs no controller
        kubectl.run("create", "pdb", "bare-int", "-n", ns, "--selector=app=bare", "--min-available=0").ok();
        until("bare-int: 1 allowed", () -> numbers(ns, "bare-int").equals(List.of(1, 0, 1, 1)));
    }
}
