package dev.kj.scheduler.framework.plugins.defaultpreemption;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The victim bookkeeping of DefaultPreemption: PDB accounting and upstream's node choice. */
class DefaultPreemptionTest {
    private static Pod pod(String name, int priority, String start, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName(name).withUid(name).withLabels(labels)
                .withCreationTimestamp(start).endMetadata().withNewSpec().withPriority(priority).endSpec().build();
    }

    private static PodDisruptionBudget budget(int allowed, Map<String, Integer> disrupted) {
        return new PodDisruptionBudgetBuilder().withNewMetadata().withNamespace("ns").withName("b").endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(Map.of("app", "db")).endSelector().endSpec()
                .withNewStatus().withDisruptionsAllowed(allowed).withDisruptedPods(
                        disrupted.isEmpty() ? null : Map.of("db-2", "2026-01-01T00:00:00Z")).endStatus().build();
    }

    @Test
    void eachSelectedPodSpendsOneAllowedDisruption() {
        List<Pod> pods = List.of(pod("db-1", 1, "2026-01-01T00:00:00Z", Map.of("app", "db")),
                pod("db-2", 1, "2026-01-01T00:00:00Z", Map.of("app", "db")),
                pod("db-3", 1, "2026-01-01T00:00:00Z", Map.of("app", "db")),
                pod("web", 1, "2026-01-01T00:00:00Z", Map.of("app", "web")));
        var split = DefaultPreemption.splitByBudgets(pods, List.of(budget(1, Map.of("db-2", 1))));
        // db-1 uses the one allowed disruption, db-2 is already disrupted, db-3 would violate
        assertEquals(List.of("db-3"), split.get(true).stream().map(p -> p.getMetadata().getName()).toList());
        assertEquals(List.of("db-1", "db-2", "web"), split.get(false).stream().map(p -> p.getMetadata().getName()).toList());
    }

    @Test
    void nodeChoiceFollowsUpstreamsOrderOfCriteria() {
        Pod low = pod("low", 1, "2026-01-01T00:00:00Z", Map.of());
        Pod lower = pod("lower", 0, "2026-01-01T00:00:00Z", Map.of());
        Pod lowLater = pod("low-later", 1, "2026-01-02T00:00:00Z", Map.of());
        var violating = new DefaultPreemption.Candidate("violating", List.of(lower), 1);
        var higherVictim = new DefaultPreemption.Candidate("higher-victim", List.of(low), 0);
        var lowerVictim = new DefaultPreemption.Candidate("lower-victim", List.of(lower), 0);
        assertEquals("higher-victim", DefaultPreemption.pick(List.of(violating, higherVictim)).node(), "PDB violations first");
        assertEquals("lower-victim", DefaultPreemption.pick(List.of(higherVictim, lowerVictim)).node(), "then the highest victim priority");
        var twoVictims = new DefaultPreemption.Candidate("two", List.of(low, lower), 0);
        var oneVictim = new DefaultPreemption.Candidate("one", List.of(low), 0);
        assertEquals("one", DefaultPreemption.pick(List.of(twoVictims, oneVictim)).node(), "then the priority sum");
        var later = new DefaultPreemption.Candidate("later", List.of(lowLater), 0);
        assertEquals("later", DefaultPreemption.pick(List.of(oneVictim, later)).node(), "then the latest start");
    }
}
