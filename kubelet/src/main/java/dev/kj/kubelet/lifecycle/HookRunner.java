package dev.kj.kubelet.lifecycle;

import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.v1.ExecSyncResponse;
import dev.kj.kubelet.prober.Action;
import dev.kj.kubelet.prober.GoText;
import dev.kj.kubelet.prober.Handlers;
import dev.kj.kubelet.prober.Target;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a container's postStart and preStop hooks (exec, httpGet, sleep) and words their failures
 * as upstream's handler runner does, e.g. {@code Exec lifecycle hook ([sh -c exit 3]) for Container
 * "app" in Pod "web_default(uid)" failed - error: command 'sh -c exit 3' exited with 3: , message: ""}.
 * An httpGet hook fails only when no response comes; its status code does not matter.
 *
 * <p>What the caller does with a failure, as upstream's kuberuntime: a postStart failure kills the
 * container; the returned text is the container's message with reason {@link #POST_START_HOOK_ERROR},
 * and the event is {@link #FAILED_POST_START_HOOK} with the fixed text {@link #POST_START_EVENT_MESSAGE}
 * (the hook's output stays out of events, it may hold secrets). A preStop failure is the event
 * {@link #FAILED_PRE_STOP_HOOK} with the returned text, and the container is stopped anyway.
 */
public final class HookRunner {
    public static final String POST_START_HOOK_ERROR = "PostStartHookError";
    public static final String FAILED_POST_START_HOOK = "FailedPostStartHook";
    public static final String POST_START_EVENT_MESSAGE = "PostStartHook failed";
    public static final String FAILED_PRE_STOP_HOOK = "FailedPreStopHook";
    private static final System.Logger LOG = System.getLogger(HookRunner.class.getName());

    private final Handlers handlers;

    public HookRunner(Handlers handlers) {
        this.handlers = handlers;
    }

    /**
     * Runs the container's postStart hook, if it has one, to its end (upstream bounds it by nothing
     * but the runtime's call timeout). Returns the failure message, or empty when it succeeded.
     */
    public Optional<String> postStart(Pod pod, Container container, String containerId, String podIP) {
        return hook(container, Lifecycle::getPostStart)
                .flatMap(handler -> run(pod, container, containerId, podIP, handler));
    }

    /**
     * Runs the container's preStop hook, if it has one, for at most {@code gracePeriod}; the caller
     * takes the time it used from the grace period. Returns the failure message, or empty when it
     * succeeded or was cut short by the grace period (upstream only logs that).
     */
    public Optional<String> preStop(Pod pod, Container container, String containerId, String podIP, Duration gracePeriod) {
        Optional<LifecycleHandler> handler = hook(container, Lifecycle::getPreStop);
        if (handler.isEmpty()) {
            return Optional.empty();
        }
        CompletableFuture<Optional<String>> result = new CompletableFuture<>();
        Thread runner = Thread.ofVirtual().name("kj-prestop-" + container.getName()).start(() -> {
            try {
                result.complete(run(pod, container, containerId, podIP, handler.get()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(Math.max(0, gracePeriod.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.INFO, "PreStop hook not completed in grace period: container {0} of pod {1}",
                    container.getName(), podName(pod));
            runner.interrupt();
            return Optional.empty();
        } catch (InterruptedException e) {
            runner.interrupt();
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("preStop hook of " + container.getName() + " threw", e.getCause());
        }
    }

    private static Optional<LifecycleHandler> hook(Container container, java.util.function.Function<Lifecycle, LifecycleHandler> which) {
        return Optional.ofNullable(container.getLifecycle()).map(which);
    }

    private Optional<String> run(Pod pod, Container container, String containerId, String podIP, LifecycleHandler handler) {
        String where = " for Container " + quote(container.getName()) + " in Pod " + quote(podName(pod)) + " failed - error: ";
        Optional<Action> action = Action.of(handler);
        if (action.isEmpty()) {
            return Optional.of("Cannot run handler: invalid handler: " + handler);
        }
        Target target = new Target(container, containerId, podIP);
        return switch (action.get()) {
            case Action.Exec exec -> {
                String command = String.join(" ", exec.command());
                String error, output;
                try {
                    ExecSyncResponse response = handlers.execSync(exec.command(), containerId, Duration.ZERO);
                    if (response.getExitCode() == 0) {
                        yield Optional.empty();
                    }
                    error = "command '" + command + "' exited with " + response.getExitCode() + ": " + response.getStderr().toStringUtf8();
                    output = response.getStdout().concat(response.getStderr()).toStringUtf8();
                } catch (CriException e) {
                    error = e.getCause() instanceof StatusRuntimeException s ? CriException.describe(s.getStatus()) : e.getMessage();
                    output = "";
                }
                yield Optional.of("Exec lifecycle hook (" + GoText.list(exec.command()) + ")" + where + error + ", message: " + quote(output));
            }
            case Action.HttpGet get -> handlers.hookGet(get, target, Duration.ZERO)
                    .map(error -> "HTTP lifecycle hook (" + get.path() + ")" + where + error);
            case Action.Sleep sleep -> {
                try {
                    Thread.sleep(Duration.ofSeconds(sleep.seconds()));
                    yield Optional.empty();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    yield Optional.of("Sleep lifecycle hook (" + sleep.seconds() + ")" + where
                            + "container terminated before sleep hook finished");
                }
            }
            case Action.TcpSocket tcp -> Optional.of("Cannot run handler: invalid handler: " + handler);
            case Action.Grpc grpc -> Optional.of("Cannot run handler: invalid handler: " + handler);
        };
    }

    /** Upstream's format.Pod: name_namespace(uid). */
    static String podName(Pod pod) {
        var meta = pod.getMetadata();
        return meta.getName() + "_" + meta.getNamespace() + "(" + meta.getUid() + ")";
    }

    private static String quote(String s) {
        return GoText.quote(s);
    }
}
