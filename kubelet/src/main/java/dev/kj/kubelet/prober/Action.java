package dev.kj.kubelet.prober;

import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.GRPCAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import java.util.List;
import java.util.Optional;

/**
 * One check the kubelet runs against a container: what a probe or a lifecycle hook names. Probes
 * take exec, httpGet, tcpSocket and grpc; hooks exec, httpGet and sleep.
 */
public sealed interface Action {
    /** A command run in the container through the runtime; exit code 0 is success. */
    record Exec(List<String> command) implements Action {
        public Exec {
            command = List.copyOf(command);
        }
    }

    /** A GET; {@code host} empty means the pod IP, {@code port} a number or a container port name. */
    record HttpGet(String scheme, Optional<String> host, IntOrString port, String path, List<Header> headers) implements Action {
        public HttpGet {
            headers = List.copyOf(headers);
        }
    }

    record Header(String name, String value) {
    }

    record TcpSocket(Optional<String> host, IntOrString port) implements Action {
    }

    /** grpc.health.v1 Health/Check on the pod IP; {@code service} empty asks for the server as a whole. */
    record Grpc(int port, String service) implements Action {
    }

    /** The lifecycle sleep action: hooks only. */
    record Sleep(long seconds) implements Action {
    }

    /** The action of a probe, or empty when it names none (the API server refuses such pods). */
    static Optional<Action> of(Probe probe) {
        if (probe.getExec() != null) {
            return Optional.of(exec(probe.getExec()));
        }
        if (probe.getHttpGet() != null) {
            return Optional.of(httpGet(probe.getHttpGet()));
        }
        if (probe.getTcpSocket() != null) {
            return Optional.of(tcpSocket(probe.getTcpSocket()));
        }
        if (probe.getGrpc() != null) {
            GRPCAction grpc = probe.getGrpc();
            return Optional.of(new Grpc(grpc.getPort() == null ? 0 : grpc.getPort(), grpc.getService() == null ? "" : grpc.getService()));
        }
        return Optional.empty();
    }

    /** The action of a lifecycle handler, or empty when it names none the kubelet runs (tcpSocket is not one). */
    static Optional<Action> of(LifecycleHandler handler) {
        if (handler.getExec() != null) {
            return Optional.of(exec(handler.getExec()));
        }
        if (handler.getHttpGet() != null) {
            return Optional.of(httpGet(handler.getHttpGet()));
        }
        if (handler.getSleep() != null) {
            return Optional.of(new Sleep(handler.getSleep().getSeconds() == null ? 0 : handler.getSleep().getSeconds()));
        }
        return Optional.empty();
    }

    private static Exec exec(ExecAction exec) {
        return new Exec(exec.getCommand() == null ? List.of() : exec.getCommand());
    }

    private static HttpGet httpGet(HTTPGetAction get) {
        List<Header> headers = get.getHttpHeaders() == null ? List.of()
                : get.getHttpHeaders().stream().map((HTTPHeader h) -> new Header(h.getName(), h.getValue() == null ? "" : h.getValue())).toList();
        return new HttpGet(get.getScheme() == null || get.getScheme().isEmpty() ? "HTTP" : get.getScheme(),
                Optional.ofNullable(get.getHost()).filter(h -> !h.isEmpty()), get.getPort(),
                get.getPath() == null ? "" : get.getPath(), headers);
    }

    private static TcpSocket tcpSocket(TCPSocketAction tcp) {
        return new TcpSocket(Optional.ofNullable(tcp.getHost()).filter(h -> !h.isEmpty()), tcp.getPort());
    }
}
