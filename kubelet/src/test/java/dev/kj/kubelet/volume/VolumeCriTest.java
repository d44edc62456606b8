package dev.kj.kubelet.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kj.api.Resources;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.v1.ContainerConfig;
import dev.kj.kubelet.cri.v1.ContainerMetadata;
import dev.kj.kubelet.cri.v1.ExecSyncResponse;
import dev.kj.kubelet.cri.v1.LinuxPodSandboxConfig;
import dev.kj.kubelet.cri.v1.Mount;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxMetadata;
import dev.kj.kubelet.testing.CriTestbed;
import dev.kj.kubelet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configMap volume the volume manager set up, bind-mounted into a busybox container by a real
 * containerd: the container reads the file, and after an update and the next setUp reads the new
 * contents through the same mount (the {@code ..data} link swapped underneath it).
 */
@ExtendWith(CriTestbed.class)
class VolumeCriTest {
    @TempDir
    Path dir;

    @Test
    void aContainerReadsItsConfigMapAndSeesAnUpdate(CriTestbed.Bed bed) throws Exception {
        try (TestApiServer api = TestApiServer.start(dir)) {
            var configMaps = api.admin().typed(Resources.CONFIG_MAPS, ConfigMap.class);
            configMaps.create("default", new ConfigMapBuilder().withNewMetadata().withName("app").endMetadata()
                    .addToData("greeting", "hello").build());
            Pod pod = api.admin().typed(Resources.PODS, Pod.class).create("default", new PodBuilder()
                    .withNewMetadata().withName("reader").withNamespace("default").endMetadata()
                    .withNewSpec().withNodeName(api.nodeName()).withAutomountServiceAccountToken(false)
                    .addNewContainer().withName("main").withImage(CriTestbed.BUSYBOX).endContainer()
                    .addNewVolume().withName("cfg").withNewConfigMap().withName("app").endConfigMap().endVolume()
                    .endSpec().build());
            VolumeManager volumes = new VolumeManager(api.node(), dir.resolve("kubelet"), Clock.systemUTC());
            Path cfg = setUp(volumes, pod).get("cfg");

            bed.images().pull(ImageClient.spec(CriTestbed.BUSYBOX), Optional.empty(), PodSandboxConfig.getDefaultInstance());
            String uid = pod.getMetadata().getUid();
            Path logs = Files.createDirectories(dir.resolve("logs"));
            PodSandboxConfig sandbox = PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName("reader").setNamespace("default").setUid(uid))
                    .setHostname("reader").setLogDirectory(logs.toString())
                    .setLinux(LinuxPodSandboxConfig.getDefaultInstance()).build();
            String podId = bed.runtime().runPodSandbox(sandbox, "");
            try {
                String containerId = bed.runtime().createContainer(podId, ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("main"))
                        .setImage(ImageClient.spec(CriTestbed.BUSYBOX))
                        .addAllCommand(List.of("sleep", "3600"))
                        .addMounts(Mount.newBuilder().setContainerPath("/etc/app").setHostPath(cfg.toString()).setReadonly(true))
                        .setLogPath("main/0.log").build(), sandbox);
                bed.runtime().startContainer(containerId);
                assertEquals("hello", cat(bed, containerId));

                ConfigMap current = configMaps.get("default", "app");
                current.getData().put("greeting", "bonjour");
                configMaps.update(current);
                setUp(volumes, pod);
                assertEquals("bonjour", cat(bed, containerId));
                bed.runtime().stopContainer(containerId, Duration.ofSeconds(5));
                bed.runtime().removeContainer(containerId);
            } finally {
                bed.runtime().stopPodSandbox(podId);
                bed.runtime().removePodSandbox(podId);
                volumes.tearDown(uid);
            }
        }
    }

    private static String cat(CriTestbed.Bed bed, String containerId) {
        ExecSyncResponse read = bed.runtime().execSync(containerId, List.of("cat", "/etc/app/greeting"), Duration.ofSeconds(30));
        assertEquals(0, read.getExitCode(), read.getStderr().toStringUtf8());
        return read.getStdout().toStringUtf8();
    }

    /** setUp, waiting out the Node authorizer's graph catching up with the pod just created. */
    private static Map<String, Path> setUp(VolumeManager volumes, Pod pod) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            try {
                return volumes.setUp(pod);
            } catch (VolumeException e) {
                if (!e.getMessage().contains("forbidden") || Instant.now().isAfter(deadline)) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
