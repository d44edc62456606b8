package dev.kj.kubelet.nodestatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.kubelet.cri.v1.RuntimeCondition;
import dev.kj.kubelet.cri.v1.RuntimeStatus;
import dev.kj.kubelet.cri.v1.StatusResponse;
import io.fabric8.kubernetes.api.model.NodeCondition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubelet's four conditions: upstream's order, reasons and messages; heartbeats alone are no change. */
class NodeConditionsTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private static RuntimeState ready(Instant at) {
        RuntimeState state = new RuntimeState(Clock.fixed(at, ZoneOffset.UTC), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        state.observe(StatusResponse.newBuilder().setStatus(RuntimeStatus.newBuilder()
                .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
                .addConditions(RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(true))).build());
        return state;
    }

    @Test
    void pressureConditionsAreFalseWithUpstreamsReasonsAndReadyFollowsTheRuntime() {
        List<NodeCondition> first = NodeConditions.compute(new RuntimeState(Clock.systemUTC(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD),
                List.of(), T0);
        assertEquals(List.of("MemoryPressure", "DiskPressure", "PIDPressure", "Ready"), first.stream().map(NodeCondition::getType).toList());
        assertEquals(List.of("KubeletHasSufficientMemory", "KubeletHasNoDiskPressure", "KubeletHasSufficientPID", "KubeletNotReady"),
                first.stream().map(NodeCondition::getReason).toList());
        assertEquals("kubelet has sufficient PID available", first.get(2).getMessage());
        assertEquals("False", first.get(3).getStatus());

        Instant later = T0.plusSeconds(10);
        List<NodeCondition> next = NodeConditions.compute(ready(later), first, later);
        assertTrue(NodeConditions.changed(first, next));
        assertEquals("True", next.get(3).getStatus());
        assertEquals("2026-12-07T10:00:10Z", next.get(3).getLastTransitionTime());
        // pressure conditions did not change: their transition time stays, their heartbeat moves
        assertEquals("2026-12-07T10:00:00Z", next.get(0).getLastTransitionTime());
        assertEquals("2026-12-07T10:00:10Z", next.get(0).getLastHeartbeatTime());
    }

    @Test
    void aNewHeartbeatAloneIsNoChange() {
        List<NodeCondition> first = NodeConditions.compute(ready(T0), List.of(), T0);
        Instant later = T0.plusSeconds(10);
        List<NodeCondition> next = NodeConditions.compute(ready(later), first, later);
        assertFalse(NodeConditions.changed(first, next));
        assertEquals("2026-12-07T10:00:10Z", next.get(3).getLastHeartbeatTime());
        assertEquals("2026-12-07T10:00:00Z", next.get(3).getLastTransitionTime());
    }
}
