package dev.kj.controllers.deployment;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.controllers.PlayedKubelet;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment-controller (with the replicaset-controller and the garbage collector) in a real
 * API server, driven by stock kubectl: create, rollout status, set image, rollout history and
 * undo, scale, pause and resume, delete; Recreate, the progress deadline, proportional scaling
 * and the revision history limit. No scheduler or kubelet exists yet: {@link PlayedKubelet} binds
 * the pods and reports them Running and Ready through the API server with a node's identity
 * (images containing "unready" never become ready), and confirms graceful deletions.
 */
class DeploymentControllerTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static ApiClient admin;
    static Kubectl kubectl;
    static PlayedKubelet kubelet;
    static ResourceClient<Deployment> deployments;
    static ResourceClient<ReplicaSet> replicaSets;
    static ResourceClient<Pod> pods;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, List.of("*"));
        admin = ApiClient.fromKubeconfig(server.server().kubeconfig());
        kubectl = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        kubelet = new PlayedKubelet(server.server(), admin, "node-1");
        deployments = admin.typed(Resources.DEPLOYMENTS, Deployment.class);
        replicaSets = admin.typed(Resources.REPLICA_SETS, ReplicaSet.class);
        pods = admin.typed(Resources.PODS, Pod.class);
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static String namespace(String name) {
        admin.typed(Resources.NAMESPACES, Namespace.class).create(null,
                new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build());
        until("the default ServiceAccount of " + name, () -> admin.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class)
                .list(name, ListOptions.NONE).items().stream().anyMatch(sa -> sa.getMetadata().getName().equals("default")));
        kubelet.manage(name);
        return name;
    }

    /** The deployment's ReplicaSets, oldest revision first. */
    private static List<ReplicaSet> replicaSets(String ns) {
        return replicaSets.list(ns, ListOptions.NONE).items().stream()
                .sorted(Comparator.comparingLong(rs -> Long.parseLong(annotation(rs, "deployment.kubernetes.io/revision", "0"))))
                .toList();
    }

    private static String annotation(ReplicaSet rs, String name, String otherwise) {
        var annotations = rs.getMetadata().getAnnotations();
        return annotations == null ? otherwise : annotations.getOrDefault(name, otherwise);
    }

    private static Optional<DeploymentCondition> condition(String ns, String name, String type) {
        var status = deployments.get(ns, name).getStatus();
        return status == null || status.getConditions() == null ? Optional.empty()
                : status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst();
    }

    private static List<String> scalingEvents(String ns) {
        return admin.typed(Resources.EVENTS, Event.class).list(ns, ListOptions.NONE).items().stream()
                .filter(e -> "ScalingReplicaSet".equals(e.getReason()))
                .filter(e -> "deployment-controller".equals(e.getSource().getComponent()))
                .map(Event::getMessage).toList();
    }

    private static int spec(ReplicaSet rs) {
        return rs.getSpec().getReplicas();
    }

    private static void rolledOut(String ns, String name) {
        Kubectl.Result status = kubectl.run("rollout", "status", "deployment/" + name, "-n", ns, "--timeout=120s").ok();
        assertTrue(status.stdout().contains("deployment \"" + name + "\" successfully rolled out"), status.stdout());
    }

    @Test
    void kubectlRollsOutUpdatesUndoesScalesPausesAndDeletes() {
        String ns = namespace("deploy-kubectl");
        kubectl.run("create", "deployment", "web", "--image=busybox", "--replicas=3", "-n", ns, "--", "httpd", "-f", "-p", "8080").ok();
        rolledOut(ns, "web");
        ReplicaSet first = replicaSets(ns).getFirst();
        String hash = first.getMetadata().getLabels().get("pod-template-hash");
        assertEquals("web-" + hash, first.getMetadata().getName());
        assertEquals(Map.of("app", "web", "pod-template-hash", hash), first.getSpec().getSelector().getMatchLabels());
        assertEquals(hash, first.getSpec().getTemplate().getMetadata().getLabels().get("pod-template-hash"));
        assertEquals(List.of("1", "3", "4"), List.of(annotation(first, "deployment.kubernetes.io/revision", ""),
                annotation(first, "deployment.kubernetes.io/desired-replicas", ""),
                annotation(first, "deployment.kubernetes.io/max-replicas", "")), "maxSurge 25% of 3 rounds up to 1");
        var ref = first.getMetadata().getOwnerReferences().getFirst();
        assertEquals(List.of("Deployment", "web", true, true), List.of(ref.getKind(), ref.getName(), ref.getController(),
                ref.getBlockOwnerDeletion()));
        Deployment web = deployments.get(ns, "web");
        assertEquals("1", web.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
        assertEquals(List.of(3, 3, 3, 3), List.of(web.getStatus().getReplicas(), web.getStatus().getUpdatedReplicas(),
                web.getStatus().getReadyReplicas(), web.getStatus().getAvailableReplicas()));
        DeploymentCondition available = condition(ns, "web", "Available").orElseThrow();
        assertEquals(List.of("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                List.of(available.getStatus(), available.getReason(), available.getMessage()));
        until("Progressing: NewReplicaSetAvailable", () -> condition(ns, "web", "Progressing")
                .map(c -> c.getReason().equals("NewReplicaSetAvailable")).orElse(false));
        assertEquals("ReplicaSet \"web-" + hash + "\" has successfully progressed.",
                condition(ns, "web", "Progressing").orElseThrow().getMessage());
        until("the scale-up event", () -> scalingEvents(ns).contains("Scaled up replica set web-" + hash + " from 0 to 3"));

        // set image: a second ReplicaSet takes over within maxSurge 1 / maxUnavailable 0
        kubectl.run("set", "image", "deployment/web", "busybox=busybox:1.36", "-n", ns).ok();
        rolledOut(ns, "web");
        List<ReplicaSet> two = replicaSets(ns);
        assertEquals(2, two.size());
        ReplicaSet second = two.get(1);
        assertEquals(List.of(0, 3), List.of(spec(two.get(0)), spec(second)));
        assertEquals("2", annotation(second, "deployment.kubernetes.io/revision", ""));
        assertNotEquals(hash, second.getMetadata().getLabels().get("pod-template-hash"));
        until("the old ReplicaSet's last scale-down event", () -> scalingEvents(ns)
                .contains("Scaled down replica set web-" + hash + " from 1 to 0"));
        Kubectl.Result history = kubectl.run("rollout", "history", "deployment/web", "-n", ns).ok();
        assertTrue(history.stdout().matches("(?s).*\\n1 .*\\n2 .*"), history.stdout());

        // rollout undo (kubectl writes revision 1's template back): the first ReplicaSet becomes revision 3
        Kubectl.Result undo = kubectl.run("rollout", "undo", "deployment/web", "-n", ns).ok();
        assertTrue(undo.stdout().contains("deployment.apps/web rolled back"), undo.stdout());
        rolledOut(ns, "web");
        ReplicaSet back = replicaSets.get(ns, first.getMetadata().getName());
        assertEquals(List.of("3", "1", 3), List.of(annotation(back, "deployment.kubernetes.io/revision", ""),
                annotation(back, "deployment.kubernetes.io/revision-history", ""), spec(back)));
        assertEquals("busybox", deployments.get(ns, "web").getSpec().getTemplate().getSpec().getContainers().getFirst().getImage());
        assertEquals("3", deployments.get(ns, "web").getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
        history = kubectl.run("rollout", "history", "deployment/web", "-n", ns).ok();
        assertTrue(history.stdout().matches("(?s).*\\n2 .*\\n3 .*"), history.stdout());

        // scale
        kubectl.run("scale", "deployment", "web", "--replicas=5", "-n", ns).ok();
        rolledOut(ns, "web");
        back = replicaSets.get(ns, first.getMetadata().getName());
        assertEquals(List.of(5, "5", "7"), List.of(spec(back), annotation(back, "deployment.kubernetes.io/desired-replicas", ""),
                annotation(back, "deployment.kubernetes.io/max-replicas", "")));
        until("the scale event", () -> scalingEvents(ns).contains("Scaled up replica set web-" + hash + " from 3 to 5"));

        // pause: a template change waits
        kubectl.run("rollout", "pause", "deployment/web", "-n", ns).ok();
        until("Progressing: DeploymentPaused", () -> condition(ns, "web", "Progressing")
                .map(c -> c.getReason().equals("DeploymentPaused") && c.getStatus().equals("Unknown")
                        && c.getMessage().equals("Deployment is paused")).orElse(false));
        kubectl.run("set", "image", "deployment/web", "busybox=busybox:1.37", "-n", ns).ok();
        until("the paused deployment observed", () -> {
            Deployment d = deployments.get(ns, "web");
            return d.getStatus().getObservedGeneration().equals(d.getMetadata().getGeneration());
        });
        assertEquals(2, replicaSets(ns).size(), "no rollout while paused");
        kubectl.run("rollout", "resume", "deployment/web", "-n", ns).ok();
        rolledOut(ns, "web");
        List<ReplicaSet> three = replicaSets(ns);
        assertEquals(3, three.size());
        assertEquals(List.of("4", 5), List.of(annotation(three.get(2), "deployment.kubernetes.io/revision", ""), spec(three.get(2))));

        // delete: the garbage collector takes the ReplicaSets and their pods
        kubectl.run("delete", "deployment", "web", "-n", ns).ok();
        until("ReplicaSets and pods gone", () -> replicaSets.list(ns, ListOptions.NONE).items().isEmpty()
                && pods.list(ns, ListOptions.NONE).items().isEmpty());
    }

    @Test
    void recreateWaitsForTheOldPodsToGoBeforeCreatingTheNewReplicaSet() {
        String ns = namespace("deploy-recreate");
        deployments.create(ns, deployment("re", 2).editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec().build());
        rolledOut(ns, "re");
        kubelet.holdDeletions(ns);
        kubectl.run("set", "image", "deployment/re", "c=busybox:1.36", "-n", ns).ok();
        until("the old ReplicaSet at 0 and its pods terminating", () -> replicaSets(ns).size() == 1
                && spec(replicaSets(ns).getFirst()) == 0 && !pods.list(ns, ListOptions.NONE).items().isEmpty()
                && pods.list(ns, ListOptions.NONE).items().stream().allMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
        until("the change observed", () -> {
            Deployment d = deployments.get(ns, "re");
            return d.getStatus().getObservedGeneration().equals(d.getMetadata().getGeneration());
        });
        assertEquals(1, replicaSets(ns).size(), "no new ReplicaSet while old pods run");
        kubelet.releaseDeletions(ns);
        rolledOut(ns, "re");
        List<ReplicaSet> sets = replicaSets(ns);
        assertEquals(List.of(0, 2), List.of(spec(sets.get(0)), spec(sets.get(1))));
        String oldName = sets.get(0).getMetadata().getName();
        String newName = sets.get(1).getMetadata().getName();
        until("the events", () -> scalingEvents(ns).containsAll(List.of("Scaled down replica set " + oldName + " from 2 to 0",
                "Scaled up replica set " + newName + " from 0 to 2")));
    }

    @Test
    void aRolloutWithoutProgressExceedsItsDeadline() {
        String ns = namespace("deploy-deadline");
        deployments.create(ns, deployment("stuck", 2).editSpec().withProgressDeadlineSeconds(3).editTemplate().editSpec()
                .editFirstContainer().withImage("busybox-" + PlayedKubelet.NEVER_READY).endContainer().endSpec().endTemplate()
                .endSpec().build());
        until("Progressing: ProgressDeadlineExceeded", () -> condition(ns, "stuck", "Progressing")
                .map(c -> c.getReason().equals("ProgressDeadlineExceeded")).orElse(false));
        DeploymentCondition progressing = condition(ns, "stuck", "Progressing").orElseThrow();
        String rs = replicaSets(ns).getFirst().getMetadata().getName();
        assertEquals(List.of("False", "ReplicaSet \"" + rs + "\" has timed out progressing."),
                List.of(progressing.getStatus(), progressing.getMessage()));
        DeploymentCondition available = condition(ns, "stuck", "Available").orElseThrow();
        assertEquals(List.of("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                List.of(available.getStatus(), available.getReason(), available.getMessage()));
        Kubectl.Result status = kubectl.run("rollout", "status", "deployment/stuck", "-n", ns, "--timeout=60s");
        assertEquals(1, status.exitCode());
        assertTrue(status.stderr().contains("error: deployment \"stuck\" exceeded its progress deadline"), status.stderr());
    }

    @Test
    void scalingDuringARolloutIsProportional() {
        String ns = namespace("deploy-proportional");
        deployments.create(ns, deployment("prop", 10).editSpec().withNewStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(new IntOrString(3)).withMaxUnavailable(new IntOrString(2)).endRollingUpdate()
                .endStrategy().endSpec().build());
        rolledOut(ns, "prop");
        String oldName = replicaSets(ns).getFirst().getMetadata().getName();
        // the new pods never become ready: the rollout stops at 8 old (10 - maxUnavailable) and 5 new (13 in all)
        kubectl.run("set", "image", "deployment/prop", "c=busybox-" + PlayedKubelet.NEVER_READY, "-n", ns).ok();
        until("the rollout stuck at 8 + 5", () -> replicaSets(ns).size() == 2 && spec(replicaSets(ns).get(0)) == 8
                && spec(replicaSets(ns).get(1)) == 5);
        String newName = replicaSets(ns).get(1).getMetadata().getName();
        kubectl.run("scale", "deployment", "prop", "--replicas=20", "-n", ns).ok();
        // 23 allowed: 10 more, shared by size from the max-replicas of 13 each was sized for (8·23/13 → 14, 5·23/13 → 9)
        until("14 + 9", () -> spec(replicaSets(ns).get(0)) == 14 && spec(replicaSets(ns).get(1)) == 9);
        until("the events", () -> scalingEvents(ns).containsAll(List.of("Scaled up replica set " + oldName + " from 8 to 14",
                "Scaled up replica set " + newName + " from 5 to 9")));
        ReplicaSet old = replicaSets(ns).get(0);
        assertEquals(List.of("20", "23"), List.of(annotation(old, "deployment.kubernetes.io/desired-replicas", ""),
                annotation(old, "deployment.kubernetes.io/max-replicas", "")));
    }

    @Test
    void oldReplicaSetsBeyondTheRevisionHistoryLimitAreDeleted() {
        String ns = namespace("deploy-history");
        deployments.create(ns, deployment("hist", 1).editSpec().withRevisionHistoryLimit(1).endSpec().build());
        rolledOut(ns, "hist");
        for (String tag : List.of("1.35", "1.36", "1.37")) {
            deployments.patch(ns, "hist", PatchType.STRATEGIC_MERGE,
                    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:" + tag + "\"}]}}}}");
            rolledOut(ns, "hist");
        }
        until("two ReplicaSets left", () -> replicaSets(ns).size() == 2);
        assertEquals(List.of("3", "4"), replicaSets(ns).stream()
                .map(rs -> annotation(rs, "deployment.kubernetes.io/revision", "")).toList());
    }

    private static DeploymentBuilder deployment(String name, int replicas) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec();
    }
}
