package dev.kj.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FitError's message: reasons counted per node and sorted as strings (the count first), as upstream's. */
class FitErrorTest {
    @Test
    void filterReasonsAreCountedAndSortedAsStrings() {
        Map<String, Status> statuses = new LinkedHashMap<>();
        statuses.put("a", Status.unschedulable("Insufficient cpu", "Insufficient memory"));
        statuses.put("b", Status.unschedulable("Insufficient cpu"));
        statuses.put("c", Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}"));
        FitError error = new FitError(3, statuses, null, "", "");
        assertEquals("0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu},"
                + " 2 Insufficient cpu.", error.message());
        assertEquals("0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu},"
                        + " 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
                error.withPostFilterMessage("preemption: not eligible due to preemptionPolicy=Never.").message());
    }

    @Test
    void absentNodesCountWithTheirStatus() {
        FitError error = new FitError(3, Map.of("a", Status.unresolvable("No preemption victims found for incoming pod")),
                Status.unresolvable("Preemption is not helpful for scheduling"), "", "");
        assertEquals("0/3 nodes are available: 1 No preemption victims found for incoming pod,"
                + " 2 Preemption is not helpful for scheduling.", error.message());
    }

    @Test
    void aPreFilterRejectionSpeaksAlone() {
        FitError error = new FitError(2, Map.of("a", Status.unresolvable("x"), "b", Status.unresolvable("x")), null,
                "persistentvolumeclaim \"data\" not found", "");
        assertEquals("0/2 nodes are available: persistentvolumeclaim \"data\" not found.", error.message());
    }
}
