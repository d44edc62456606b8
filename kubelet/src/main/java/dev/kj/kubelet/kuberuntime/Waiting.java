package dev.kj.kubelet.kuberuntime;

/** Why a container is not running now (a container status' waiting reason and message). */
public record Waiting(String reason, String message) {
}
