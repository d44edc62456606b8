package dev.kj.kubelet.testing;

import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.v1.ContainerConfig;
import dev.kj.kubelet.cri.v1.ContainerMetadata;
import dev.kj.kubelet.cri.v1.LinuxPodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxMetadata;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Busybox sandboxes and containers on the test bed, for tests that need a running pod to talk to. */
public final class TestPods {
    private TestPods() {
    }

    /**
     * busybox httpd on :8080 serving /www: index.html ("ok"), ready ("ready"), and the CGI script
     * /cgi-bin/hit, which touches /tmp/hit (so a test sees that a request reached the container).
     */
    public static final List<String> WEB = sh("mkdir -p /www/cgi-bin && echo ok > /www/index.html && echo ready > /www/ready"
            + " && printf '%s\\n' '#!/bin/sh' 'touch /tmp/hit' 'echo Content-Type: text/plain' 'echo' 'echo hit' > /www/cgi-bin/hit"
            + " && chmod +x /www/cgi-bin/hit && exec httpd -f -p 8080 -h /www");

    /** A running sandbox: its CRI id, config (for more containers) and pod IP, and its uid. */
    public record Sandbox(String id, PodSandboxConfig config, String ip, String uid, String name) {
    }

    /** Pulls busybox (once is enough, later pulls are no-ops) and runs a sandbox named {@code name}. */
    public static Sandbox sandbox(CriTestbed.Bed bed, String name) {
        bed.images().pull(ImageClient.spec(CriTestbed.BUSYBOX), Optional.empty(), PodSandboxConfig.getDefaultInstance());
        String uid = UUID.randomUUID().toString();
        java.nio.file.Path logs = bed.dir().resolve("pods").resolve("default_" + name + "_" + uid);
        try {
            java.nio.file.Files.createDirectories(logs);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        PodSandboxConfig config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid(uid).setAttempt(0))
                .setHostname(name)
                .setLogDirectory(logs.toString())
                .setLinux(LinuxPodSandboxConfig.getDefaultInstance())
                .build();
        String id = bed.runtime().runPodSandbox(config, "");
        String ip = bed.runtime().podSandboxStatus(id, false).getStatus().getNetwork().getIp();
        return new Sandbox(id, config, ip, uid, name);
    }

    /** Creates and starts a busybox container running {@code command} in the sandbox; returns its id. */
    public static String start(CriTestbed.Bed bed, Sandbox sandbox, String name, List<String> command) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(0))
                .setImage(ImageClient.spec(CriTestbed.BUSYBOX))
                .addAllCommand(command)
                .setLogPath(name + "/0.log")
                .build();
        String id = bed.runtime().createContainer(sandbox.id(), config, sandbox.config());
        bed.runtime().startContainer(id);
        return id;
    }

    /** A shell script as a container command. */
    public static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }
}
