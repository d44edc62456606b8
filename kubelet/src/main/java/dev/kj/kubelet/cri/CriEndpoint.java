package dev.kj.kubelet.cri;

import java.nio.file.Path;

/**
 * Where a CRI runtime listens: a unix socket, written as upstream's --container-runtime-endpoint
 * accepts it ({@code unix:///run/containerd/containerd.sock}) or as a bare absolute path.
 */
public record CriEndpoint(Path socket) {
    private static final String UNIX_SCHEME = "unix://";

    public CriEndpoint {
        if (!socket.isAbsolute()) {
            throw new IllegalArgumentException("CRI endpoint socket must be an absolute path: " + socket);
        }
    }

    /** Parses {@code unix:///path} or {@code /path}; other schemes (tcp, npipe) are not supported here. */
    public static CriEndpoint parse(String endpoint) {
        if (endpoint.startsWith(UNIX_SCHEME)) {
            return new CriEndpoint(Path.of(endpoint.substring(UNIX_SCHEME.length())));
        }
        if (endpoint.contains("://")) {
            throw new IllegalArgumentException("protocol \"" + endpoint.substring(0, endpoint.indexOf(':'))
                    + "\" not supported: the container runtime endpoint must be a unix socket (unix:///path)");
        }
        return new CriEndpoint(Path.of(endpoint));
    }

    @Override
    public String toString() {
        return UNIX_SCHEME + socket;
    }
}
