package dev.kj.controllers.replicaset;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.controllers.PlayedKubelet;
import dev.kj.controllers.WorkloadCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicaset-controller in a real API server, driven through the API and stock kubectl. No
 * scheduler or kubelet exists yet: {@link PlayedKubelet} binds pods and reports their status
 * through the API server with a node's identity where a test needs pods on a node or ready.
 */
class ReplicaSetControllerTest {
    @TempDir
    static Path dir;
    static WorkloadCluster cluster;
    static ApiClient admin;
    static Kubectl kubectl;
    static PlayedKubelet kubelet;
    static ResourceClient<ReplicaSet> replicaSets;
    static ResourceClient<Pod> pods;

    @BeforeAll
    static void start() throws Exception {
        cluster = WorkloadCluster.start(dir);
        admin = cluster.admin;
        kubectl = cluster.kubectl;
        kubelet = cluster.kubelet;
        replicaSets = admin.typed(Resources.REPLICA_SETS, ReplicaSet.class);
        pods = admin.typed(Resources.PODS, Pod.class);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String namespace(String name) {
        return cluster.namespace(name);
    }

    private static ReplicaSet replicaSet(String namespace, String name, int replicas, String app) {
        return replicaSets.create(namespace, new ReplicaSetBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", app).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", app).addToLabels("tier", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec().build());
    }

    private static List<Pod> owned(String namespace, ReplicaSet rs) {
        return pods.list(namespace, ListOptions.NONE).items().stream()
                .filter(p -> p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                        .anyMatch(r -> r.getUid().equals(rs.getMetadata().getUid())))
                .toList();
    }

    private static ReplicaSet get(String namespace, String name) {
        return replicaSets.get(namespace, name);
    }

    private static int value(Integer i) {
        return i == null ? 0 : i;
    }

    private static int replicas(String namespace, String name, java.util.function.Function<io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus, Integer> field) {
        var status = get(namespace, name).getStatus();
        return status == null ? 0 : value(field.apply(status));
    }

    private static List<Event> events(String namespace, String reason) {
        return cluster.events(namespace, reason);
    }

    @Test
    void createsPodsItControlsAndReportsThem() {
        String ns = namespace("rs-create");
        ReplicaSet rs = replicaSet(ns, "web", 3, "web");
        until("3 pods", () -> owned(ns, rs).size() == 3);
        for (Pod pod : owned(ns, rs)) {
            assertEquals("web-", pod.getMetadata().getGenerateName());
            assertEquals(Map.of("app", "web", "tier", "web"), pod.getMetadata().getLabels());
            OwnerReference ref = pod.getMetadata().getOwnerReferences().getFirst();
            assertEquals(List.of("apps/v1", "ReplicaSet", "web", rs.getMetadata().getUid(), true, true),
                    List.of(ref.getApiVersion(), ref.getKind(), ref.getName(), ref.getUid(), ref.getController(),
                            ref.getBlockOwnerDeletion()));
        }
        until("the status", () -> {
            var status = get(ns, "web").getStatus();
            return status != null && value(status.getReplicas()) == 3 && value(status.getFullyLabeledReplicas()) == 3
                    && Long.valueOf(1).equals(status.getObservedGeneration());
        });
        assertEquals(0, value(get(ns, "web").getStatus().getReadyReplicas()));
        until("3 SuccessfulCreate events", () -> events(ns, "SuccessfulCreate").size() == 3);
        Set<String> names = owned(ns, rs).stream().map(p -> "Created pod: " + p.getMetadata().getName()).collect(Collectors.toSet());
        Event event = events(ns, "SuccessfulCreate").getFirst();
        assertTrue(names.contains(event.getMessage()), event.getMessage());
        assertEquals(List.of("Normal", "replicaset-controller", "ReplicaSet", "web"), List.of(event.getType(),
                event.getSource().getComponent(), event.getInvolvedObject().getKind(), event.getInvolvedObject().getName()));

        // kubectl scale: the spec changes, observedGeneration follows
        kubectl.run("scale", "rs", "web", "-n", ns, "--replicas=5").ok();
        until("5 pods", () -> owned(ns, rs).size() == 5 && Long.valueOf(2).equals(get(ns, "web").getStatus().getObservedGeneration())
                && replicas(ns, "web", s -> s.getReplicas()) == 5);
        // a pod deleted is replaced
        pods.delete(ns, owned(ns, rs).getFirst().getMetadata().getName(), dev.kj.api.client.DeleteOptions.NONE);
        until("the pod replaced", () -> events(ns, "SuccessfulCreate").size() == 6 && owned(ns, rs).size() == 5);
        // deleting the ReplicaSet deletes its pods (the garbage collector, background)
        kubectl.run("delete", "rs", "web", "-n", ns).ok();
        until("the pods gone", () -> pods.list(ns, ListOptions.NONE).items().isEmpty());
    }

    @Test
    void scalingDownDeletesUnscheduledThenNotReadyPodsFirst() {
        String ns = namespace("rs-rank");
        ReplicaSet rs = replicaSet(ns, "web", 3, "web");
        until("3 pods", () -> owned(ns, rs).size() == 3);
        List<Pod> three = owned(ns, rs);
        Pod readyPod = three.get(0);
        Pod notReadyPod = three.get(1);
        Pod unscheduled = three.get(2);
        kubelet.bind(readyPod);
        kubelet.bind(notReadyPod);
        kubelet.reportRunning(readyPod, true);
        kubelet.reportRunning(notReadyPod, false);
        until("one ready replica", () -> replicas(ns, "web", s -> s.getReadyReplicas()) == 1);

        kubectl.run("scale", "rs", "web", "-n", ns, "--replicas=2").ok();
        until("2 pods", () -> owned(ns, rs).size() == 2);
        assertEquals(Set.of(readyPod.getMetadata().getName(), notReadyPod.getMetadata().getName()),
                owned(ns, rs).stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet()),
                "the unscheduled pod " + unscheduled.getMetadata().getName() + " goes first");
        // pods on a node are deleted gracefully: here the played kubelet confirms it
        kubelet.manageDeletionsOnly(ns);
        kubectl.run("scale", "rs", "web", "-n", ns, "--replicas=1").ok();
        until("1 pod", () -> owned(ns, rs).size() == 1);
        assertEquals(readyPod.getMetadata().getName(), owned(ns, rs).getFirst().getMetadata().getName(),
                "the pod that is not ready goes before the ready one");
        until("a SuccessfulDelete event", () -> events(ns, "SuccessfulDelete").stream()
                .anyMatch(e -> e.getMessage().equals("Deleted pod: " + notReadyPod.getMetadata().getName())));
    }

    @Test
    void adoptsMatchingOrphansAndReleasesPodsThatStopMatching() {
        String ns = namespace("rs-adopt");
        pods.create(ns, new PodBuilder().withNewMetadata().withName("orphan").addToLabels("app", "adopt").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        ReplicaSet rs = replicaSet(ns, "adopter", 2, "adopt");
        until("the orphan adopted and one pod created", () -> owned(ns, rs).size() == 2);
        Pod orphan = pods.get(ns, "orphan");
        OwnerReference ref = orphan.getMetadata().getOwnerReferences().getFirst();
        assertEquals(List.of("ReplicaSet", "adopter", rs.getMetadata().getUid(), true, true), List.of(ref.getKind(),
                ref.getName(), ref.getUid(), ref.getController(), ref.getBlockOwnerDeletion()));
        assertEquals(1, events(ns, "SuccessfulCreate").size());
        // the status counts only pods carrying every template label as fully labeled
        until("fullyLabeledReplicas 1 of 2", () -> replicas(ns, "adopter", s -> s.getReplicas()) == 2
                && replicas(ns, "adopter", s -> s.getFullyLabeledReplicas()) == 1);

        kubectl.run("label", "pod", "orphan", "-n", ns, "app=elsewhere", "--overwrite").ok();
        until("the pod released", () -> {
            var refs = pods.get(ns, "orphan").getMetadata().getOwnerReferences();
            return refs == null || refs.isEmpty();
        });
        until("a replacement", () -> owned(ns, rs).size() == 2 && owned(ns, rs).stream()
                .noneMatch(p -> p.getMetadata().getName().equals("orphan")));
    }

    @Test
    void readyAndAvailableReplicasHonourMinReadySeconds() {
        String ns = namespace("rs-ready");
        kubelet.manage(ns);
        ReplicaSet created = replicaSets.create(ns, new ReplicaSetBuilder().withNewMetadata().withName("slow").endMetadata()
                .withNewSpec().withReplicas(2).withMinReadySeconds(15).withNewSelector().addToMatchLabels("app", "slow").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "slow").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec().build());
        until("2 ready replicas", () -> replicas(ns, "slow", s -> s.getReadyReplicas()) == 2);
        var status = get(ns, "slow").getStatus();
        // readiness came at most a few seconds ago: not available for 15 s
        assertEquals(0, value(status.getAvailableReplicas()), status.toString());
        until("2 available replicas after minReadySeconds, with no other event to wake the controller",
                () -> replicas(ns, "slow", s -> s.getAvailableReplicas()) == 2);
        assertEquals(2, owned(ns, created).size());
    }

    @Test
    void failedCreatesSetReplicaFailureUntilTheyWork() {
        String ns = namespace("rs-failure");
        replicaSets.create(ns, new ReplicaSetBuilder().withNewMetadata().withName("robot").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "robot").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "robot").endMetadata()
                .withNewSpec().withServiceAccountName("robot").addNewContainer().withName("c").withImage("busybox").endContainer()
                .endSpec().endTemplate().endSpec().build());
        until("the ReplicaFailure condition", () -> failure(ns, "robot").isPresent());
        ReplicaSetCondition condition = failure(ns, "robot").orElseThrow();
        String message = "pods \"robot-\" is forbidden: error looking up service account " + ns + "/robot: serviceaccount \"robot\" not found";
        assertEquals(List.of("True", "FailedCreate", message), List.of(condition.getStatus(), condition.getReason(), condition.getMessage()));
        until("a FailedCreate event", () -> events(ns, "FailedCreate").stream()
                .anyMatch(e -> e.getMessage().equals("Error creating: " + message) && e.getType().equals("Warning")));

        admin.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class).create(ns,
                new ServiceAccountBuilder().withNewMetadata().withName("robot").endMetadata().build());
        until("the pods created and the condition gone", () -> replicas(ns, "robot", s -> s.getReplicas()) == 2
                && failure(ns, "robot").isEmpty());
    }

    private static Optional<ReplicaSetCondition> failure(String ns, String name) {
        var status = get(ns, name).getStatus();
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream().filter(c -> c.getType().equals("ReplicaFailure")).findFirst();
    }
}
