package dev.kj.kubelet.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Upstream's getPhase cases. */
class PodPhaseTest {
    private static Pod pod(String restartPolicy, boolean withInit) {
        var spec = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().withRestartPolicy(restartPolicy)
                .addNewContainer().withName("app").endContainer();
        if (withInit) {
            spec.addNewInitContainer().withName("init").endInitContainer();
        }
        return spec.endSpec().build();
    }

    private static ContainerStatus running(String name) {
        return new ContainerStatusBuilder().withName(name).withNewState().withNewRunning().endRunning().endState().withStarted(true).build();
    }

    private static ContainerStatus exited(String name, int code) {
        return new ContainerStatusBuilder().withName(name).withNewState().withNewTerminated().withExitCode(code).endTerminated().endState().build();
    }

    private static ContainerStatus waiting(String name, Integer lastExit) {
        var b = new ContainerStatusBuilder().withName(name).withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState();
        if (lastExit != null) {
            b.withNewLastState().withNewTerminated().withExitCode(lastExit).endTerminated().endLastState();
        }
        return b.build();
    }

    @Test
    void phases() {
        assertEquals("Running", PodStatuses.phase(pod("Always", false), List.of(), List.of(running("app"))));
        assertEquals("Pending", PodStatuses.phase(pod("Always", false), List.of(), List.of(waiting("app", null))));
        assertEquals("Running", PodStatuses.phase(pod("Always", false), List.of(), List.of(waiting("app", 1))));
        assertEquals("Running", PodStatuses.phase(pod("Always", false), List.of(), List.of(exited("app", 0))));
        assertEquals("Succeeded", PodStatuses.phase(pod("Never", false), List.of(), List.of(exited("app", 0))));
        assertEquals("Failed", PodStatuses.phase(pod("Never", false), List.of(), List.of(exited("app", 2))));
        assertEquals("Running", PodStatuses.phase(pod("OnFailure", false), List.of(), List.of(exited("app", 2))));
        assertEquals("Succeeded", PodStatuses.phase(pod("OnFailure", false), List.of(), List.of(exited("app", 0))));
        assertEquals("Pending", PodStatuses.phase(pod("Always", true), List.of(running("init")), List.of(waiting("app", null))));
        assertEquals("Failed", PodStatuses.phase(pod("Never", true), List.of(exited("init", 1)), List.of(waiting("app", null))));
        assertEquals("Pending", PodStatuses.phase(pod("OnFailure", true), List.of(waiting("init", 1)), List.of(waiting("app", null))));
    }
}
