package dev.kj.kubelet.nodestatus;

import dev.kj.kubelet.cri.v1.RuntimeCondition;
import dev.kj.kubelet.cri.v1.StatusResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the kubelet last learned of its container runtime, as upstream's runtimeState: the runtime
 * counts as down once no successful status check happened for the sync threshold (30 s upstream),
 * and the network as unknown until the runtime first reports NetworkReady. The texts are
 * upstream's, so `kubectl describe node` reads the same.
 */
public final class RuntimeState {
    /** Upstream's threshold: two missed 5 s checks would be noise, six are an outage. */
    public static final Duration BASE_RUNTIME_SYNC_THRESHOLD = Duration.ofSeconds(30);
    static final String NETWORK_UNKNOWN = "network state unknown";

    private final Clock clock;
    private final Duration threshold;
    private Instant lastRuntimeSync;
    private String runtimeError;
    private String networkError = NETWORK_UNKNOWN;
    private String missingRuntime;

    public RuntimeState(Clock clock, Duration threshold) {
        this.clock = clock;
        this.threshold = threshold;
    }

    /** A Status answer: network and runtime readiness from its conditions (upstream's updateRuntimeUp). */
    public synchronized void observe(StatusResponse status) {
        Optional<RuntimeCondition> network = condition(status, "NetworkReady");
        networkError = network.filter(RuntimeCondition::getStatus).isPresent()
                ? null : "container runtime network not ready: " + describe(network);
        Optional<RuntimeCondition> runtime = condition(status, "RuntimeReady");
        if (runtime.filter(RuntimeCondition::getStatus).isEmpty()) {
            runtimeError = "container runtime not ready: " + describe(runtime);
            return;
        }
        runtimeError = null;
        missingRuntime = null;
        lastRuntimeSync = clock.instant();
    }

    /**
     * There is no runtime to ask: no endpoint was given and kj found no containerd to run. The
     * message says what is missing, for the NotReady condition.
     */
    public synchronized void runtimeMissing(String message) {
        missingRuntime = message;
    }

    private static Optional<RuntimeCondition> condition(StatusResponse status, String type) {
        return status.getStatus().getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
    }

    /** Go's formatting of a CRI condition (or of a nil one) in the kubelet's messages. */
    private static String describe(Optional<RuntimeCondition> condition) {
        return condition.map(c -> c.getType() + "=" + c.getStatus() + " reason:" + c.getReason() + " message:" + c.getMessage())
                .orElse("<nil>");
    }

    public synchronized List<String> runtimeErrors() {
        List<String> errors = new ArrayList<>();
        if (lastRuntimeSync == null) {
            errors.add("container runtime status check may not have completed yet");
        } else if (!lastRuntimeSync.plus(threshold).isAfter(clock.instant())) {
            errors.add("container runtime is down");
        }
        if (missingRuntime != null) {
            errors.add(missingRuntime);
        }
        if (runtimeError != null) {
            errors.add(runtimeError);
        }
        return errors;
    }

    public synchronized List<String> networkErrors() {
        return networkError == null ? List.of() : List.of(networkError);
    }
}
