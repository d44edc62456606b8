package dev.kj.kubelet.prober;

import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.RuntimeClient;
import dev.kj.kubelet.cri.v1.ExecSyncResponse;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs the checks probes and lifecycle hooks name, with upstream's semantics and words: exec
 * through the runtime's ExecSync (exit 0 = success, output up to 10 KiB), httpGet
 * ({@link HttpHandler}), tcpSocket (a connect within the timeout), grpc ({@link GrpcHandler}) and
 * the hooks' sleep. A {@link HandlerException} is a check that could not run (upstream's unknown).
 */
public class Handlers {
    /** Upstream's limit on the output kept from an exec and the body kept from an HTTP response. */
    static final int MAX_OUTPUT = 10 * 1024;
    /** The version in the User-Agent of probes and hooks ("kube-probe/1.33"), the Kubernetes version kj speaks. */
    public static final String KUBE_VERSION = "1.33";
    public static final String PROBE_USER_AGENT = "kube-probe/" + KUBE_VERSION;
    public static final String HOOK_USER_AGENT = "kube-lifecycle/" + KUBE_VERSION;

    private final RuntimeClient runtime;
    private final HttpHandler http = new HttpHandler();
    private final GrpcHandler grpc = new GrpcHandler();

    public Handlers(RuntimeClient runtime) {
        this.runtime = runtime;
    }

    /**
     * Runs a probe's check, bounded by {@code timeout}. Sleep is not a probe action and is refused.
     */
    public Outcome probe(Action action, Target target, Duration timeout) throws HandlerException {
        return switch (action) {
            case Action.Exec exec -> exec(exec.command(), target.containerId(), timeout);
            case Action.HttpGet get -> http.get(get, target, timeout, PROBE_USER_AGENT);
            case Action.TcpSocket tcp -> tcp(tcp, target, timeout);
            case Action.Grpc check -> grpc.check(target.podIP(), check, timeout);
            case Action.Sleep sleep -> throw new HandlerException("sleep is not a probe action");
        };
    }

    /** Runs an exec in the container; {@code timeout} zero means none beyond the runtime client's own. */
    public Outcome exec(List<String> command, String containerId, Duration timeout) throws HandlerException {
        ExecSyncResponse response;
        try {
            response = runtime.execSync(containerId, command, timeout);
        } catch (CriException e) {
            if (e.code() == Status.Code.DEADLINE_EXCEEDED) {
                // What upstream's exec probe reports once ExecProbeTimeout is on (the default): a failure.
                return Outcome.failure("command timed out: " + GoText.quote(String.join(" ", command))
                        + " timed out after " + GoText.duration(timeout));
            }
            throw new HandlerException(e.getMessage(), e);
        }
        String output = capped(response.getStdout().concat(response.getStderr()).toByteArray());
        return response.getExitCode() == 0 ? Outcome.success(output) : Outcome.failure(output);
    }

    /** The exec as the hooks need it: exit code, stdout and stderr apart (the error text quotes stderr). */
    public ExecSyncResponse execSync(List<String> command, String containerId, Duration timeout) {
        return runtime.execSync(containerId, command, timeout);
    }

    /**
     * A GET as the hooks make it: only whether a response came matters, not its status. Returns
     * empty on a response, else the error text (Go's url.Error, or why the port did not resolve).
     */
    public Optional<String> hookGet(Action.HttpGet get, Target target, Duration timeout) {
        try {
            http.fetch(get, target, timeout, HOOK_USER_AGENT);
            return Optional.empty();
        } catch (HandlerException | HttpHandler.Failed e) {
            return Optional.of(e.getMessage());
        }
    }

    private Outcome tcp(Action.TcpSocket tcp, Target target, Duration timeout) throws HandlerException {
        String host = tcp.host().orElse(target.podIP());
        int port = resolvePort(tcp.port(), target.container());
        String address = GoText.hostPort(host, port);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            return Outcome.success("");
        } catch (IOException e) {
            return Outcome.failure(GoText.dialError(address, e));
        }
    }

    /** A port by number or by the name of one of the container's ports, with upstream's errors. */
    static int resolvePort(IntOrString port, Container container) throws HandlerException {
        int number;
        if (port == null) {
            throw new HandlerException("intOrString had no kind: {Type:0 IntVal:0 StrVal:}");
        } else if (port.getIntVal() != null) {
            number = port.getIntVal();
        } else {
            String name = port.getStrVal() == null ? "" : port.getStrVal();
            Integer found = null;
            for (ContainerPort declared : container.getPorts() == null ? List.<ContainerPort>of() : container.getPorts()) {
                if (name.equals(declared.getName())) {
                    found = declared.getContainerPort();
                    break;
                }
            }
            if (found == null) {
                // Upstream's last resort: a number written as a string.
                try {
                    found = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    throw new HandlerException("strconv.Atoi: parsing " + GoText.quote(name) + ": invalid syntax");
                }
            }
            number = found;
        }
        if (number > 0 && number < 65536) {
            return number;
        }
        throw new HandlerException("invalid port number: " + number);
    }

    static String capped(byte[] bytes) {
        int length = Math.min(bytes.length, MAX_OUTPUT);
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
