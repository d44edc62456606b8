package dev.kj.controllers.replicaset;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Which of two pods a ReplicaSet deletes first (upstream's ActivePodsWithRanks order, rule by rule). */
class ActivePodsRankingTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    record Case(String name, Pod first, Pod second) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static PodBuilder pod(String name, String node, String phase, boolean ready, String readySince, String created) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withUid(name).withCreationTimestamp(created)
                .endMetadata().withNewSpec().withNodeName(node).endSpec();
        return pod.withNewStatus().withPhase(phase).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(readySince).endCondition().endStatus();
    }

    private static Pod running(String name, String readySince, String created) {
        return pod(name, "n1", "Running", true, readySince, created).build();
    }

    static Stream<Case> cases() {
        String t = "2026-12-07T11:00:00Z";
        return Stream.of(
                new Case("unscheduled before scheduled", pod("a", null, "Pending", false, t, t).build(), running("b", t, t)),
                new Case("pending before running", pod("a", "n1", "Pending", false, t, t).build(), pod("b", "n1", "Running", false, t, t).build()),
                new Case("unknown before running", pod("a", "n1", "Unknown", false, t, t).build(), pod("b", "n1", "Running", false, t, t).build()),
                new Case("not ready before ready", pod("a", "n1", "Running", false, t, t).build(), running("b", t, t)),
                new Case("lower deletion cost first", pod("a", "n1", "Running", true, t, t).editMetadata()
                        .addToAnnotations(ActivePodsRanking.DELETION_COST, "-5").endMetadata().build(), running("b", t, t)),
                new Case("ready for less time (another log2 bucket) first", running("a", "2026-12-07T11:59:00Z", t),
                        running("b", "2026-12-07T10:00:00Z", t)),
                new Case("same bucket: by uid", running("a", "2026-12-07T11:00:00Z", t), running("b", "2026-12-07T11:00:01Z", t)),
                new Case("more restarts first", pod("a", "n1", "Running", true, t, t).editStatus().addNewContainerStatus()
                        .withName("c").withRestartCount(3).endContainerStatus().endStatus().build(), running("b", t, t)),
                new Case("newer first", running("a", t, "2026-12-07T11:59:00Z"), running("b", t, "2026-12-01T00:00:00Z")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void deletedFirst(Case c) {
        assertEquals(List.of(c.first()), ActivePodsRanking.podsToDelete(List.of(c.second(), c.first()), List.of(), 1, NOW));
        assertEquals(List.of(c.first()), ActivePodsRanking.podsToDelete(List.of(c.first(), c.second()), List.of(), 1, NOW));
    }

    @org.junit.jupiter.api.Test
    void doubledUpPodsGoFirstAmongOtherwiseEqualOnes() {
        String t = "2026-12-07T11:00:00Z";
        Pod alone = running("a", t, t);
        Pod crowded = pod("b", "n2", "Running", true, t, t).build();
        List<Pod> related = List.of(crowded, pod("c", "n2", "Running", true, t, t).build(), alone);
        assertEquals(List.of(crowded), ActivePodsRanking.podsToDelete(List.of(alone, crowded), related, 1, NOW));
    }
}
