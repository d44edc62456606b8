package dev.kj.controllers.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The deployment controller's arithmetic and annotations, case by case (upstream's deploymentutil tests' cases). */
class DeploymentRulesTest {

    record FencepostCase(String name, IntOrString maxSurge, IntOrString maxUnavailable, int desired, int surge, int unavailable) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<FencepostCase> fenceposts() {
        return Stream.of(
                new FencepostCase("25% of 10: surge rounds up, unavailable down", new IntOrString("25%"), new IntOrString("25%"), 10, 3, 2),
                new FencepostCase("25% of 3", new IntOrString("25%"), new IntOrString("25%"), 3, 1, 0),
                new FencepostCase("both zero: one unavailable", new IntOrString(0), new IntOrString(0), 5, 0, 1),
                new FencepostCase("0% and 1%: one unavailable", new IntOrString("0%"), new IntOrString("1%"), 10, 0, 1),
                new FencepostCase("absent is zero", null, new IntOrString(2), 4, 0, 2),
                new FencepostCase("integers as given", new IntOrString(3), new IntOrString(2), 10, 3, 2),
                new FencepostCase("50% of 1", new IntOrString("50%"), new IntOrString("50%"), 1, 1, 0));
    }

    @ParameterizedTest
    @MethodSource("fenceposts")
    void fencepostsRoundAsUpstream(FencepostCase c) {
        assertEquals(new Fenceposts(c.surge(), c.unavailable()), Fenceposts.resolve(c.maxSurge(), c.maxUnavailable(), c.desired()));
    }

    private static Deployment rolling(int replicas, int maxSurge, int maxUnavailable) {
        return new DeploymentBuilder().withNewMetadata().withName("d").endMetadata().withNewSpec().withReplicas(replicas)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(new IntOrString(maxSurge))
                .withMaxUnavailable(new IntOrString(maxUnavailable)).endRollingUpdate().endStrategy().endSpec()
                .withNewStatus().endStatus().build();
    }

    private static ReplicaSet rs(int replicas, Map<String, String> annotations) {
        return new ReplicaSetBuilder().withNewMetadata().withName("rs").withAnnotations(annotations).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec().build();
    }

    @Test
    void proportionsFollowTheMaxReplicasEachReplicaSetWasSizedFor() {
        Deployment d = rolling(20, 3, 2); // 23 allowed
        ReplicaSet old = rs(8, Map.of(Revisions.MAX_REPLICAS, "13"));
        ReplicaSet newer = rs(5, Map.of(Revisions.MAX_REPLICAS, "13"));
        int first = DeploymentController.proportion(old, d, 10, 0);
        assertEquals(6, first, "8·23/13 = 14.15 → 14");
        assertEquals(4, DeploymentController.proportion(newer, d, 10, first), "5·23/13 = 8.85 → 9");
        // scaling down: never more than what is left to remove
        Deployment smaller = rolling(5, 3, 2); // 8 allowed, from 23
        assertEquals(-9, DeploymentController.proportion(rs(14, Map.of(Revisions.MAX_REPLICAS, "23")), smaller, -15, 0));
        assertEquals(-3, DeploymentController.proportion(rs(9, Map.of(Revisions.MAX_REPLICAS, "23")), smaller, -15, -12),
                "the fraction (-6) is capped by what remains (-3)");
        // to zero: the whole size
        assertEquals(-4, DeploymentController.proportion(rs(4, Map.of()), rolling(0, 1, 1), -4, 0));
    }

    @Test
    void newReplicaSetGrowsWithinTheSurge() {
        Deployment d = rolling(10, 3, 2);
        ReplicaSet newRs = rs(0, Map.of());
        assertEquals(3, DeploymentController.newRsNewReplicas(d, java.util.List.of(rs(10, Map.of()), newRs), newRs));
        assertEquals(0, DeploymentController.newRsNewReplicas(d, java.util.List.of(rs(13, Map.of()), newRs), newRs));
    }

    @Test
    void aRollbackKeepsTheRevisionsAReplicaSetHad() {
        Deployment d = rolling(3, 1, 0);
        d.getMetadata().setAnnotations(Map.of("team", "a", Revisions.LAST_APPLIED, "{}", Revisions.REVISION, "9"));
        ReplicaSet rs = rs(0, new java.util.HashMap<>(Map.of(Revisions.REVISION, "1")));
        assertTrue(Revisions.setNewReplicaSetAnnotations(d, rs, "3", true));
        assertEquals(Map.of(Revisions.REVISION, "3", Revisions.REVISION_HISTORY, "1", "team", "a"), rs.getMetadata().getAnnotations());
        assertTrue(Revisions.setNewReplicaSetAnnotations(d, rs, "5", true));
        assertEquals("1,3", rs.getMetadata().getAnnotations().get(Revisions.REVISION_HISTORY));
        assertEquals(false, Revisions.setNewReplicaSetAnnotations(d, rs, "4", true), "a lower revision changes nothing");
        ReplicaSet created = rs(0, null);
        Revisions.setNewReplicaSetAnnotations(d, created, "1", false);
        assertEquals(Map.of(Revisions.REVISION, "1", Revisions.DESIRED_REPLICAS, "3", Revisions.MAX_REPLICAS, "4", "team", "a"),
                created.getMetadata().getAnnotations());
    }

    @Test
    void theTemplateHashIsStableIgnoresItsOwnLabelAndMovesWithTheCollisionCount() {
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
        String hash = PodTemplates.hash(template, null);
        assertTrue(hash.matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}"), hash);
        assertEquals(hash, PodTemplates.hash(new PodTemplateSpecBuilder(template).build(), null));
        assertNotEquals(hash, PodTemplates.hash(template, 1));
        PodTemplateSpec labelled = new PodTemplateSpecBuilder(template).editMetadata().addToLabels(PodTemplates.HASH_LABEL, hash)
                .endMetadata().build();
        assertTrue(PodTemplates.equalIgnoringHash(template, labelled));
        PodTemplateSpec other = new PodTemplateSpecBuilder(template).editSpec().editFirstContainer().withImage("busybox:2")
                .endContainer().endSpec().build();
        assertEquals(false, PodTemplates.equalIgnoringHash(template, other));
    }
}
