package dev.kj.kubelet.nodestatus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kj.kubelet.cri.v1.RuntimeCondition;
import dev.kj.kubelet.cri.v1.RuntimeStatus;
import dev.kj.kubelet.cri.v1.StatusResponse;
import io.fabric8.kubernetes.api.model.NodeCondition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReadyConditionTest {
    private static final Instant START = Instant.parse("2026-01-02T03:04:05.678Z");

    /** A clock tests move by hand. */
    private static final class MovableClock extends Clock {
        private Instant now = START;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static StatusResponse status(boolean runtimeReady, boolean networkReady) {
        RuntimeStatus.Builder conditions = RuntimeStatus.newBuilder()
                .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(runtimeReady))
                .addConditions(networkReady
                        ? RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(true)
                        : RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(false).setReason("NetworkPluginNotReady")
                                .setMessage("Network plugin returns error: cni plugin not initialized"));
        return StatusResponse.newBuilder().setStatus(conditions).build();
    }

    @Test
    void beforeAnyStatusCheckBothRuntimeAndNetworkAreUnknown() {
        RuntimeState state = new RuntimeState(new MovableClock(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        NodeCondition ready = ReadyCondition.compute(state, List.of(), Optional.empty(), START);
        assertEquals("False", ready.getStatus());
        assertEquals("KubeletNotReady", ready.getReason());
        assertEquals("[container runtime status check may not have completed yet, network state unknown]", ready.getMessage());
        assertEquals("2026-01-02T03:04:05Z", ready.getLastHeartbeatTime());
    }

    @Test
    void networkNotReadyCarriesTheRuntimesReasonInUpstreamsWords() {
        RuntimeState state = new RuntimeState(new MovableClock(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        state.observe(status(true, false));
        assertEquals("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
                        + " message:Network plugin returns error: cni plugin not initialized",
                ReadyCondition.compute(state, List.of(), Optional.empty(), START).getMessage());
    }

    @Test
    void readyWhenRuntimeAndNetworkAreReadyAndTransitionTimeOnlyMovesOnChange() {
        MovableClock clock = new MovableClock();
        RuntimeState state = new RuntimeState(clock, RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        NodeCondition notReady = ReadyCondition.compute(state, List.of(), Optional.empty(), START);
        state.observe(status(true, true));
        clock.now = START.plusSeconds(10);
        NodeCondition ready = ReadyCondition.compute(state, List.of(), Optional.of(notReady), clock.now);
        assertEquals("True", ready.getStatus());
        assertEquals("KubeletReady", ready.getReason());
        assertEquals("kubelet is posting ready status", ready.getMessage());
        assertEquals("2026-01-02T03:04:15Z", ready.getLastTransitionTime());
        clock.now = START.plusSeconds(20);
        NodeCondition still = ReadyCondition.compute(state, List.of(), Optional.of(ready), clock.now);
        assertEquals("2026-01-02T03:04:15Z", still.getLastTransitionTime());
        assertEquals("2026-01-02T03:04:25Z", still.getLastHeartbeatTime());
    }

    @Test
    void aRuntimeSilentForTheThresholdIsDown() {
        MovableClock clock = new MovableClock();
        RuntimeState state = new RuntimeState(clock, Duration.ofSeconds(30));
        state.observe(status(true, true));
        clock.now = START.plusSeconds(30);
        assertEquals("container runtime is down", ReadyCondition.compute(state, List.of(), Optional.empty(), clock.now).getMessage());
    }

    @Test
    void aMissingRuntimeAndMissingCapacitiesAreSaid() {
        RuntimeState state = new RuntimeState(new MovableClock(), RuntimeState.BASE_RUNTIME_SYNC_THRESHOLD);
        state.runtimeMissing("no container runtime: --container-runtime-endpoint is not set and containerd is not on PATH");
        assertEquals("[container runtime status check may not have completed yet, no container runtime: --container-runtime-endpoint"
                        + " is not set and containerd is not on PATH, network state unknown, missing node capacity for resources: pods]",
                ReadyCondition.compute(state, List.of("pods"), Optional.empty(), START).getMessage());
    }
}
