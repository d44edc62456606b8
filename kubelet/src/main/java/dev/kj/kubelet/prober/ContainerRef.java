package dev.kj.kubelet.prober;

/** The container a probe result is about, with what an event about it needs. */
public record ContainerRef(String podUid, String podNamespace, String podName, String containerName, String containerId) {
}
