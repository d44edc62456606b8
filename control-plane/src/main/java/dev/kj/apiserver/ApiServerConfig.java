package dev.kj.apiserver;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code kj server} needs to start the API server.
 *
 * @param dataDir     PKI, kubeconfig and (without etcd servers) the embedded Rhino's SQLite file
 * @param etcdServers a real etcd's client URLs ({@code http://host:port}); empty: embedded Rhino
 * @param bindAddress the address to listen on
 * @param securePort  the HTTPS port; 0 picks a free one
 */
public record ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort) {
    public ApiServerConfig {
        etcdServers = List.copyOf(etcdServers);
    }
}
