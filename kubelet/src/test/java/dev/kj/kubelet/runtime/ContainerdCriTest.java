package dev.kj.kubelet.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.v1.ContainerConfig;
import dev.kj.kubelet.cri.v1.ContainerFilter;
import dev.kj.kubelet.cri.v1.ContainerMetadata;
import dev.kj.kubelet.cri.v1.ContainerState;
import dev.kj.kubelet.cri.v1.ExecSyncResponse;
import dev.kj.kubelet.cri.v1.LinuxPodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxMetadata;
import dev.kj.kubelet.cri.v1.PodSandboxState;
import dev.kj.kubelet.cri.v1.RuntimeCondition;
import dev.kj.kubelet.pause.PauseImage;
import dev.kj.kubelet.testing.Commands;
import dev.kj.kubelet.testing.CriTestbed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kj's CRI client against a real containerd that kj configured and runs itself, inside a network
 * namespace: the pod gets its address from kj's CNI bridge, pulls come from a loopback registry,
 * the sandbox runs kj's own pause image.
 */
@ExtendWith(CriTestbed.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdCriTest {
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @Test
    @Order(1)
    void versionAndStatusComeFromContainerd(CriTestbed.Bed bed) {
        var version = bed.runtime().version();
        assertEquals("containerd", version.getRuntimeName());
        assertEquals("v1", version.getRuntimeApiVersion());
        assertFalse(version.getRuntimeVersion().isEmpty());

        // The CNI configuration kj wrote makes the network ready (containerd loads it asynchronously).
        Map<String, Boolean> conditions = waitFor("RuntimeReady and NetworkReady", () -> {
            Map<String, Boolean> byType = new java.util.HashMap<>();
            for (RuntimeCondition condition : bed.runtime().status(false).getStatus().getConditionsList()) {
                byType.put(condition.getType(), condition.getStatus());
            }
            return byType.getOrDefault("RuntimeReady", false) && byType.getOrDefault("NetworkReady", false)
                    ? Optional.of(byType) : Optional.empty();
        });
        assertTrue(conditions.get("NetworkReady"));
    }

    @Test
    @Order(2)
    void kjsPauseImageIsPresentAndNothingElseBeforeAPull(CriTestbed.Bed bed) {
        var pause = bed.images().status(ImageClient.spec(PauseImage.NAME));
        assertTrue(pause.isPresent(), "kj's pause image was imported");
        assertTrue(pause.get().getRepoTagsList().contains(PauseImage.NAME), pause.get().getRepoTagsList().toString());
        assertTrue(bed.images().status(ImageClient.spec(CriTestbed.BUSYBOX)).isEmpty(), "busybox is not pulled yet");
    }

    @Test
    @Order(3)
    void podWithBusyboxHttpdIsReachableByItsIpLogsAndExecs(CriTestbed.Bed bed) throws Exception {
        String imageRef = bed.images().pull(ImageClient.spec(CriTestbed.BUSYBOX), Optional.empty(), PodSandboxConfig.getDefaultInstance());
        assertTrue(imageRef.startsWith("sha256:"), imageRef);
        assertTrue(bed.images().status(ImageClient.spec(CriTestbed.BUSYBOX)).isPresent());

        String uid = UUID.randomUUID().toString();
        Path logDirectory = bed.dir().resolve("pods").resolve("default_web_" + uid);
        Files.createDirectories(logDirectory);
        PodSandboxConfig sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("web").setNamespace("default").setUid(uid).setAttempt(0))
                .setHostname("web")
                .setLogDirectory(logDirectory.toString())
                .putLabels("io.kubernetes.pod.name", "web")
                .setLinux(LinuxPodSandboxConfig.getDefaultInstance())
                .build();
        String podId = bed.runtime().runPodSandbox(sandbox, "");
        var podStatus = bed.runtime().podSandboxStatus(podId, false).getStatus();
        assertEquals(PodSandboxState.SANDBOX_READY, podStatus.getState());
        String podIp = podStatus.getNetwork().getIp();
        assertTrue(podIp.startsWith("10.244.7."), "pod IP from the kj bridge's range " + CriTestbed.POD_CIDR + ": " + podIp);

        ContainerConfig web = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("httpd").setAttempt(0))
                .setImage(ImageClient.spec(CriTestbed.BUSYBOX))
                .addAllCommand(List.of("httpd", "-f", "-v", "-p", "8080"))
                .setLogPath("httpd/0.log")
                .build();
        String containerId = bed.runtime().createContainer(podId, web, sandbox);
        bed.runtime().startContainer(containerId);
        assertEquals(ContainerState.CONTAINER_RUNNING, bed.runtime().containerStatus(containerId, false).getStatus().getState());
        assertEquals(List.of(containerId), bed.runtime().listContainers(ContainerFilter.newBuilder().setPodSandboxId(podId).build())
                .stream().map(c -> c.getId()).toList());

        ExecSyncResponse written = bed.runtime().execSync(containerId, List.of("sh", "-c", "echo hello from kj > /index.html; id -u"), Duration.ofSeconds(30));
        assertEquals(0, written.getExitCode(), written.getStderr().toStringUtf8());
        assertEquals("0\n", written.getStdout().toStringUtf8());
        ExecSyncResponse failed = bed.runtime().execSync(containerId, List.of("sh", "-c", "echo oops >&2; exit 3"), Duration.ofSeconds(30));
        assertEquals(3, failed.getExitCode());
        assertEquals("oops\n", failed.getStderr().toStringUtf8());

        // From the node's network (the namespace), to the pod's address, through the bridge.
        String body = waitFor("httpd answering on " + podIp + ":8080", () -> {
            Commands.Result result = bed.inNamespace(bed.busybox().toString(), "wget", "-q", "-O", "-", "http://" + podIp + ":8080/index.html");
            return result.exit() == 0 ? Optional.of(result.output()) : Optional.empty();
        });
        assertEquals("hello from kj\n", body);

        // The CRI log file: "<RFC3339Nano time> <stream> <F|P> <text>" per line; httpd -v logs each
        // response on stderr with the client's address, the bridge's gateway (the node side).
        Path log = logDirectory.resolve("httpd/0.log");
        String line = waitFor("the request in " + log, () -> {
            try {
                return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("response:200")).findFirst();
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
        });
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z stderr F \\[::ffff:10\\.244\\.7\\.1\\]:\\d+: response:200"), line);

        bed.runtime().stopContainer(containerId, Duration.ofSeconds(10));
        var stopped = bed.runtime().containerStatus(containerId, false).getStatus();
        assertEquals(ContainerState.CONTAINER_EXITED, stopped.getState());
        bed.runtime().removeContainer(containerId);
        CriException gone = org.junit.jupiter.api.Assertions.assertThrows(CriException.class,
                () -> bed.runtime().containerStatus(containerId, false));
        assertTrue(gone.isNotFound(), gone.getMessage());

        bed.runtime().stopPodSandbox(podId);
        assertEquals(PodSandboxState.SANDBOX_NOTREADY, bed.runtime().podSandboxStatus(podId, false).getStatus().getState());
        bed.runtime().removePodSandbox(podId);
        assertTrue(bed.runtime().listPodSandbox(dev.kj.kubelet.cri.v1.PodSandboxFilter.getDefaultInstance()).isEmpty());
    }

    @Test
    @Order(4)
    void aKilledContainerdIsRestartedBySupervision(CriTestbed.Bed bed) {
        long first = bed.containerd().pid().orElseThrow();
        int starts = bed.containerd().starts();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        waitFor("containerd restarted", () -> bed.containerd().starts() > starts && bed.containerd().pid().isPresent()
                ? Optional.of(true) : Optional.empty());
        bed.containerd().awaitReady(PATIENCE);
        assertEquals("containerd", bed.runtime().version().getRuntimeName());
        assertTrue(bed.containerd().pid().orElseThrow() != first);
    }

    private static <T> T waitFor(String what, Supplier<Optional<T>> probe) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            Optional<T> value;
            try {
                value = probe.get();
            } catch (CriException e) {
                value = Optional.empty();
            }
            if (value.isPresent()) {
                return value.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
