package dev.kj.kubelet.status;

import dev.kj.kubelet.cri.v1.ContainerStatus;
import dev.kj.kubelet.cri.v1.Mount;
import dev.kj.kubelet.kuberuntime.Labels;
import dev.kj.kubelet.kuberuntime.PodSnapshot;
import dev.kj.kubelet.kuberuntime.Qos;
import dev.kj.kubelet.kuberuntime.RuntimeManager;
import dev.kj.kubelet.kuberuntime.Waiting;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A pod's API status from what the runtime holds (upstream's generateAPIPodStatus, getPhase and status/generate.go). */
public final class PodStatuses {
    private static final int MAX_TERMINATION_MESSAGE = 4096;

    private PodStatuses() {
    }

    public static String time(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    private static String time(long nanos) {
        return time(Instant.ofEpochSecond(0, nanos));
    }

    public static PodStatus generate(Pod pod, PodSnapshot snapshot, Map<String, Waiting> waiting, ContainerProbes probes,
                                     List<String> hostIps, Instant now) {
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        List<Container> inits = nonNull(pod.getSpec().getInitContainers());
        List<Container> apps = nonNull(pod.getSpec().getContainers());
        List<io.fabric8.kubernetes.api.model.ContainerStatus> initStatuses = new ArrayList<>();
        for (Container c : inits) {
            initStatuses.add(container(pod, c, snapshot, waiting, probes, "PodInitializing"));
        }
        boolean initialized = initialized(inits, initStatuses);
        List<io.fabric8.kubernetes.api.model.ContainerStatus> appStatuses = new ArrayList<>();
        for (Container c : apps) {
            appStatuses.add(container(pod, c, snapshot, waiting, probes, initialized ? "ContainerCreating" : "PodInitializing"));
        }
        String phase = phase(pod, initStatuses, appStatuses);
        List<String> podIps = snapshot.podIps();
        if (podIps.isEmpty() && old.getPodIPs() != null && ("Succeeded".equals(phase) || "Failed".equals(phase))) {
            podIps = old.getPodIPs().stream().map(PodIP::getIp).toList();
        }

        List<PodCondition> conditions = new ArrayList<>();
        conditions.add(condition(old, "PodReadyToStartContainers", snapshot.sandboxReady() ? "True" : "False", null, null, now));
        conditions.add(initialized ? condition(old, "Initialized", "True", null, null, now)
                : condition(old, "Initialized", "False", "ContainersNotInitialized",
                "containers with incomplete status: " + names(inits, initStatuses, s -> !initDone(s)), now));
        List<String> unready = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            if (!Boolean.TRUE.equals(appStatuses.get(i).getReady())) {
                unready.add(apps.get(i).getName());
            }
        }
        for (int i = 0; i < inits.size(); i++) {
            if (RuntimeManager.sidecar(inits.get(i)) && !Boolean.TRUE.equals(initStatuses.get(i).getReady())) {
                unready.add(inits.get(i).getName());
            }
        }
        PodCondition containersReady;
        PodCondition ready;
        if ("Succeeded".equals(phase)) {
            containersReady = condition(old, "ContainersReady", "False", "PodCompleted", null, now);
            ready = condition(old, "Ready", "False", "PodCompleted", null, now);
        } else if (!unready.isEmpty()) {
            String message = "containers with unready status: [" + String.join(" ", unready) + "]";
            containersReady = condition(old, "ContainersReady", "False", "ContainersNotReady", message, now);
            ready = condition(old, "Ready", "False", "ContainersNotReady", message, now);
        } else {
            containersReady = condition(old, "ContainersReady", "True", null, null, now);
            List<String> gates = unmetGates(pod, old);
            ready = gates.isEmpty() ? condition(old, "Ready", "True", null, null, now)
                    : condition(old, "Ready", "False", "ReadinessGatesNotReady", String.join(", ", gates), now);
        }
        conditions.add(ready);
        conditions.add(containersReady);
        // Conditions the kubelet does not own (PodScheduled, readiness gates' own, DisruptionTarget) stay.
        for (PodCondition existing : nonNull(old.getConditions())) {
            if (conditions.stream().noneMatch(c -> c.getType().equals(existing.getType()))) {
                conditions.add(existing);
            }
        }

        PodStatusBuilder status = new PodStatusBuilder()
                .withPhase(phase)
                .withConditions(conditions)
                .withHostIP(hostIps.isEmpty() ? null : hostIps.getFirst())
                .withHostIPs(hostIps.stream().map(HostIP::new).toList())
                .withPodIP(podIps.isEmpty() ? null : podIps.getFirst())
                .withPodIPs(podIps.stream().map(PodIP::new).toList())
                .withStartTime(old.getStartTime() != null ? old.getStartTime() : time(now))
                .withQosClass(Qos.podClass(pod))
                .withContainerStatuses(appStatuses)
                .withInitContainerStatuses(initStatuses.isEmpty() ? null : initStatuses)
                .withNominatedNodeName(old.getNominatedNodeName());
        return status.build();
    }

    private static io.fabric8.kubernetes.api.model.ContainerStatus container(Pod pod, Container c, PodSnapshot snapshot,
                                                                              Map<String, Waiting> waiting, ContainerProbes probes,
                                                                              String defaultReason) {
        List<ContainerStatus> instances = snapshot.named(c.getName());
        ContainerStatusBuilder out = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("")
                .withRestartCount(0).withReady(false).withStarted(false);
        Optional<ContainerStatus> latest = instances.stream().findFirst();
        Waiting why = waiting.get(c.getName());
        if (latest.isEmpty()) {
            Waiting w = why != null ? why : new Waiting(defaultReason, null);
            return out.withState(new ContainerStateBuilder().withNewWaiting().withReason(w.reason()).withMessage(w.message()).endWaiting().build())
                    .withLastState(new ContainerStateBuilder().build()).build();
        }
        ContainerStatus current = latest.get();
        out.withRestartCount(PodSnapshot.restartCount(current))
                .withContainerID("containerd://" + current.getId())
                .withImageID(current.getImageRef());
        if (!current.getImage().getImage().isEmpty() && current.getImage().getImage().contains("/")) {
            out.withImage(c.getImage());
        }
        Optional<ContainerStatus> previous = instances.stream().skip(1).filter(PodSnapshot::exited).findFirst();
        if (PodSnapshot.running(current)) {
            boolean started = probes.started(pod, c, current.getId());
            out.withState(new ContainerStateBuilder().withNewRunning().withStartedAt(time(current.getStartedAt())).endRunning().build())
                    .withStarted(started)
                    .withReady(started && probes.ready(pod, c, current.getId()));
            out.withLastState(previous.map(p -> new ContainerStateBuilder().withTerminated(terminated(p)).build())
                    .orElse(new ContainerStateBuilder().build()));
        } else if (why != null) {
            // Restarting after it exited, but held back (crash loop, pull failure): waiting, the exit as lastState.
            out.withState(new ContainerStateBuilder().withNewWaiting().withReason(why.reason()).withMessage(why.message()).endWaiting().build())
                    .withLastState(PodSnapshot.exited(current) ? new ContainerStateBuilder().withTerminated(terminated(current)).build()
                            : new ContainerStateBuilder().build());
        } else if (PodSnapshot.exited(current)) {
            out.withState(new ContainerStateBuilder().withTerminated(terminated(current)).build())
                    .withLastState(previous.map(p -> new ContainerStateBuilder().withTerminated(terminated(p)).build())
                            .orElse(new ContainerStateBuilder().build()));
        } else {
            out.withState(new ContainerStateBuilder().withNewWaiting().withReason(defaultReason).endWaiting().build())
                    .withLastState(new ContainerStateBuilder().build());
        }
        return out.build();
    }

    static ContainerStateTerminated terminated(ContainerStatus s) {
        String reason = s.getReason().isEmpty() ? (s.getExitCode() == 0 ? "Completed" : "Error") : s.getReason();
        String message = s.getMessage().isEmpty() ? terminationMessage(s) : s.getMessage();
        return new ContainerStateTerminatedBuilder().withExitCode(s.getExitCode()).withReason(reason)
                .withMessage(message == null || message.isEmpty() ? null : message)
                .withStartedAt(s.getStartedAt() == 0 ? null : time(s.getStartedAt()))
                .withFinishedAt(s.getFinishedAt() == 0 ? null : time(s.getFinishedAt()))
                .withContainerID("containerd://" + s.getId()).build();
    }

    /** What the container wrote to its terminationMessagePath (the file the kubelet mounted there). */
    private static String terminationMessage(ContainerStatus s) {
        String path = s.getAnnotationsMap().get(Labels.TERMINATION_MESSAGE_PATH);
        for (Mount m : s.getMountsList()) {
            if (m.getContainerPath().equals(path)) {
                try {
                    byte[] bytes = Files.readAllBytes(Path.of(m.getHostPath()));
                    String text = new String(bytes, 0, Math.min(bytes.length, MAX_TERMINATION_MESSAGE), java.nio.charset.StandardCharsets.UTF_8);
                    return text.isEmpty() ? null : text;
                } catch (IOException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static boolean initDone(io.fabric8.kubernetes.api.model.ContainerStatus s) {
        var state = s.getState();
        return state != null && state.getTerminated() != null && state.getTerminated().getExitCode() == 0;
    }

    private static boolean initialized(List<Container> inits, List<io.fabric8.kubernetes.api.model.ContainerStatus> statuses) {
        for (int i = 0; i < inits.size(); i++) {
            var s = statuses.get(i);
            if (RuntimeManager.sidecar(inits.get(i))) {
                if (s.getState().getRunning() == null || !Boolean.TRUE.equals(s.getStarted())) {
                    return false;
                }
            } else if (!initDone(s)) {
                return false;
            }
        }
        return true;
    }

    private static String names(List<Container> containers, List<io.fabric8.kubernetes.api.model.ContainerStatus> statuses,
                                java.util.function.Predicate<io.fabric8.kubernetes.api.model.ContainerStatus> bad) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < containers.size(); i++) {
            if (RuntimeManager.sidecar(containers.get(i)) ? statuses.get(i).getState().getRunning() == null : bad.test(statuses.get(i))) {
                out.add(containers.get(i).getName());
            }
        }
        return "[" + String.join(" ", out) + "]";
    }

    private static List<String> unmetGates(Pod pod, PodStatus old) {
        List<String> unmet = new ArrayList<>();
        for (PodReadinessGate gate : nonNull(pod.getSpec().getReadinessGates())) {
            Optional<PodCondition> c = nonNull(old.getConditions()).stream().filter(x -> x.getType().equals(gate.getConditionType())).findFirst();
            if (c.isEmpty()) {
                unmet.add("corresponding condition of pod readiness gate \"" + gate.getConditionType() + "\" does not exist.");
            } else if (!"True".equals(c.get().getStatus())) {
                unmet.add("the status of pod readiness gate \"" + gate.getConditionType() + "\" is not \"True\", but " + c.get().getStatus());
            }
        }
        return unmet;
    }

    /** A condition keeps its lastTransitionTime while its status stays the same. */
    private static PodCondition condition(PodStatus old, String type, String status, String reason, String message, Instant now) {
        String since = nonNull(old.getConditions()).stream().filter(c -> c.getType().equals(type) && c.getStatus().equals(status))
                .map(PodCondition::getLastTransitionTime).filter(t -> t != null).findFirst().orElse(time(now));
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(since).withLastProbeTime(null).build();
    }

    /** Upstream's getPhase. */
    static String phase(Pod pod, List<io.fabric8.kubernetes.api.model.ContainerStatus> inits,
                        List<io.fabric8.kubernetes.api.model.ContainerStatus> apps) {
        String restartPolicy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
        List<Container> initSpecs = nonNull(pod.getSpec().getInitContainers());
        int pendingInit = 0;
        int failedInit = 0;
        for (int i = 0; i < initSpecs.size(); i++) {
            var s = inits.get(i);
            var state = s.getState();
            if (RuntimeManager.sidecar(initSpecs.get(i))) {
                if (state.getRunning() == null || !Boolean.TRUE.equals(s.getStarted())) {
                    pendingInit++;
                }
                continue;
            }
            if (state.getRunning() != null) {
                pendingInit++;
            } else if (state.getTerminated() != null) {
                if (state.getTerminated().getExitCode() != 0) {
                    failedInit++;
                }
            } else if (state.getWaiting() != null && s.getLastState() != null && s.getLastState().getTerminated() != null) {
                if (s.getLastState().getTerminated().getExitCode() != 0) {
                    failedInit++;
                }
            } else {
                pendingInit++;
            }
        }
        int unknown = 0;
        int running = 0;
        int waiting = 0;
        int stopped = 0;
        int succeeded = 0;
        boolean anyStarted = false;
        for (var s : apps) {
            var state = s.getState();
            if (state.getRunning() != null) {
                running++;
                anyStarted = true;
            } else if (state.getTerminated() != null) {
                stopped++;
                anyStarted = true;
                if (state.getTerminated().getExitCode() == 0) {
                    succeeded++;
                }
            } else if (state.getWaiting() != null) {
                if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
                    stopped++;
                    anyStarted = true;
                } else {
                    waiting++;
                }
            } else {
                unknown++;
            }
        }
        if (failedInit > 0 && restartPolicy.equals("Never")) {
            return "Failed";
        }
        if ((pendingInit > 0 && !anyStarted) || waiting > 0) {
            return "Pending";
        }
        if (running > 0 && unknown == 0) {
            return "Running";
        }
        if (running == 0 && stopped > 0 && unknown == 0) {
            if (restartPolicy.equals("Always")) {
                return "Running";
            }
            if (stopped == succeeded) {
                return "Succeeded";
            }
            if (restartPolicy.equals("Never")) {
                return "Failed";
            }
            return "Running";
        }
        return "Pending";
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
