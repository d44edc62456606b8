package dev.kj.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;

/** The container a handler runs against: its spec (for port names), its runtime id and its pod's IP. */
public record Target(Container container, String containerId, String podIP) {
}
