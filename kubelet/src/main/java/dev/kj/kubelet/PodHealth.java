package dev.kj.kubelet;

import dev.kj.api.events.EventRecorder;
import dev.kj.kubelet.kuberuntime.ContainerHooks;
import dev.kj.kubelet.lifecycle.HookRunner;
import dev.kj.kubelet.pod.PodWorkers;
import dev.kj.kubelet.prober.ContainerRef;
import dev.kj.kubelet.prober.Handlers;
import dev.kj.kubelet.prober.ProbeManager;
import dev.kj.kubelet.status.ContainerProbes;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Joins the pod workers to the prober and the lifecycle hooks: readiness and startup answers come
 * from the probe manager, liveness and startup failures restart the container through the workers,
 * the prober's events go on the pod, and postStart/preStop run through the hook runner.
 */
final class PodHealth implements ContainerProbes, ContainerHooks, ProbeManager.Listener, AutoCloseable {
    private final ProbeManager prober;
    private final HookRunner hooks;
    private final EventRecorder recorder;
    private volatile PodWorkers workers;
    /** Per pod uid, the container ids handed to the prober (each instance is probed from its start). */
    private final Map<String, Set<String>> probed = new ConcurrentHashMap<>();

    PodHealth(Handlers handlers, EventRecorder recorder, Clock clock) {
        this.prober = new ProbeManager(handlers, this, clock);
        this.hooks = new HookRunner(handlers);
        this.recorder = recorder;
    }

    /** The workers are built with this object, so they arrive afterwards. */
    void attach(PodWorkers podWorkers) {
        this.workers = podWorkers;
    }

    @Override
    public boolean ready(Pod pod, Container container, String containerId) {
        return prober.ready(containerId);
    }

    @Override
    public boolean started(Pod pod, Container container, String containerId) {
        return prober.started(containerId);
    }

    @Override
    public void podSynced(Pod pod, Map<String, String> runningContainers) {
        Set<String> known = probed.computeIfAbsent(pod.getMetadata().getUid(), uid -> ConcurrentHashMap.newKeySet());
        for (String id : Set.copyOf(known)) {
            if (!runningContainers.containsValue(id)) {
                prober.containerStopped(id);
                known.remove(id);
            }
        }
        // httpGet and tcpSocket probes need the pod's address; the first sync writes it, the next one starts them.
        String podIp = podIp(pod);
        if (podIp == null) {
            return;
        }
        runningContainers.forEach((name, id) -> {
            if (known.add(id)) {
                prober.containerStarted(pod, name, id, podIp, java.time.Instant.now());
            }
        });
    }

    @Override
    public void podRemoved(String podUid) {
        probed.remove(podUid);
        prober.podRemoved(podUid);
    }

    @Override
    public void livenessFailed(ContainerRef ref, String message) {
        restart(ref, "failed liveness probe");
    }

    @Override
    public void startupFailed(ContainerRef ref, String message) {
        restart(ref, "failed startup probe");
    }

    private void restart(ContainerRef ref, String why) {
        PodWorkers current = workers;
        if (current != null) {
            current.restartContainer(ref.podUid(), ref.containerName(), ref.containerId(), why);
        }
    }

    @Override
    public void readinessChanged(String podUid) {
        // The workers' 1 s housekeeping recomputes every pod's status, readiness included.
    }

    @Override
    public void event(ContainerRef ref, String type, String reason, String message) {
        recorder.event(new EventRecorder.InvolvedObject("v1", "Pod", ref.podNamespace(), ref.podName(), ref.podUid()), type, reason, message);
    }

    @Override
    public String postStart(Pod pod, Container container, String containerId) {
        return hooks.postStart(pod, container, containerId, podIp(pod)).orElse(null);
    }

    @Override
    public void preStop(Pod pod, Container container, String containerId, Duration gracePeriod) {
        hooks.preStop(pod, container, containerId, podIp(pod), gracePeriod).ifPresent(message ->
                recorder.event(new EventRecorder.InvolvedObject("v1", "Pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        pod.getMetadata().getUid()), "Warning", HookRunner.FAILED_PRE_STOP_HOOK, message));
    }

    private static String podIp(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    }

    @Override
    public void close() {
        prober.close();
    }
}
