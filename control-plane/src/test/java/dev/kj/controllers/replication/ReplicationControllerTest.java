package dev.kj.controllers.replication;

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
import io.fabric8.kubernetes.api.model.ReplicationController;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicationcontroller-controller (the ReplicaSet controller over ReplicationControllers) in a
 * real API server, driven and read with stock kubectl; {@link PlayedKubelet} runs the pods.
 */
class ReplicationControllerTest {
    @TempDir
    static Path dir;
    static WorkloadCluster cluster;
    static ApiClient admin;
    static Kubectl kubectl;
    static PlayedKubelet kubelet;
    static ResourceClient<Pod> pods;

    @BeforeAll
    static void start() throws Exception {
        cluster = WorkloadCluster.start(dir);
        admin = cluster.admin;
        kubectl = cluster.kubectl;
        kubelet = cluster.kubelet;
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

    private static List<Pod> owned(String namespace, String uid) {
        return pods.list(namespace, ListOptions.NONE).items().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getMetadata().getOwnerReferences() != null
                        && p.getMetadata().getOwnerReferences().stream().anyMatch(r -> r.getUid().equals(uid)))
                .toList();
    }

    private static List<Event> events(String namespace, String reason) {
        return cluster.events(namespace, reason);
    }

    private static void createRc(String namespace, String name, int replicas) throws Exception {
        Path file = dir.resolve(namespace + "-" + name + ".yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: ReplicationController
                metadata: {name: %s, namespace: %s}
                spec:
                  replicas: %d
                  selector: {app: %s}
                  template:
                    metadata: {labels: {app: %s, tier: web}}
                    spec:
                      containers: [{name: c, image: busybox}]
                """.formatted(name, namespace, replicas, name, name));
        kubectl.run("create", "-f", file.toString()).ok();
    }

    @Test
    void keepsReplicasOfAReplicationControllerAndKubectlShowsThem() throws Exception {
        String ns = namespace("rc-basic");
        kubelet.manage(ns);
        kubelet.manageDeletionsOnly(ns);
        createRc(ns, "web", 3);
        ReplicationController rc = admin.typed(Resources.REPLICATION_CONTROLLERS, ReplicationController.class).get(ns, "web");
        String uid = rc.getMetadata().getUid();
        until("3 pods", () -> owned(ns, uid).size() == 3);
        for (Pod pod : owned(ns, uid)) {
            assertEquals("web-", pod.getMetadata().getGenerateName());
            OwnerReference ref = pod.getMetadata().getOwnerReferences().getFirst();
            assertEquals(List.of("v1", "ReplicationController", "web", uid, true, true), List.of(ref.getApiVersion(),
                    ref.getKind(), ref.getName(), ref.getUid(), ref.getController(), ref.getBlockOwnerDeletion()));
        }
        // kubectl get rc: NAME DESIRED CURRENT READY AGE
        until("kubectl get rc shows 3 3 3", () -> kubectl.run("get", "rc", "web", "-n", ns, "--no-headers").ok().stdout()
                .matches("(?s)web\\s+3\\s+3\\s+3\\s+.*"));
        ReplicationController status = admin.typed(Resources.REPLICATION_CONTROLLERS, ReplicationController.class).get(ns, "web");
        assertEquals(List.of(3, 3, 3, 3, 1L), List.of(status.getStatus().getReplicas(), status.getStatus().getFullyLabeledReplicas(),
                status.getStatus().getReadyReplicas(), status.getStatus().getAvailableReplicas(),
                status.getStatus().getObservedGeneration()));
        Event created = events(ns, "SuccessfulCreate").getFirst();
        assertEquals(List.of("Normal", "replication-controller", "ReplicationController", "web"), List.of(created.getType(),
                created.getSource().getComponent(), created.getInvolvedObject().getKind(), created.getInvolvedObject().getName()));
        assertTrue(created.getMessage().startsWith("Created pod: web-"), created.getMessage());

        kubectl.run("scale", "rc", "web", "-n", ns, "--replicas=1").ok();
        until("1 pod", () -> owned(ns, uid).size() == 1);
        until("kubectl get rc shows 1 1 1", () -> kubectl.run("get", "rc", "web", "-n", ns, "--no-headers").ok().stdout()
                .matches("(?s)web\\s+1\\s+1\\s+1\\s+.*"));
        until("SuccessfulDelete events", () -> events(ns, "SuccessfulDelete").size() == 2);

        kubectl.run("delete", "rc", "web", "-n", ns).ok();
        until("the pods gone", () -> pods.list(ns, ListOptions.NONE).items().isEmpty());
    }

    @Test
    void adoptsOrphansMatchingThePlainMapSelector() throws Exception {
        String ns = namespace("rc-adopt");
        pods.create(ns, new PodBuilder().withNewMetadata().withName("orphan").addToLabels("app", "adopt").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        createRc(ns, "adopt", 2);
        String uid = admin.typed(Resources.REPLICATION_CONTROLLERS, ReplicationController.class).get(ns, "adopt")
                .getMetadata().getUid();
        until("the orphan adopted and one pod created", () -> owned(ns, uid).size() == 2);
        OwnerReference ref = pods.get(ns, "orphan").getMetadata().getOwnerReferences().getFirst();
        assertEquals(List.of("ReplicationController", "adopt", uid, true), List.of(ref.getKind(), ref.getName(), ref.getUid(),
                ref.getController()));
        assertEquals(1, events(ns, "SuccessfulCreate").size());
    }
}
