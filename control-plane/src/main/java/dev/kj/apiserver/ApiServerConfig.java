package dev.kj.apiserver;

import dev.kj.apiserver.registry.core.service.NodePortRange;
import dev.kj.apiserver.registry.core.service.ServiceCidr;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@code kj server} needs to start the API server.
 *
 * @param dataDir     PKI, kubeconfig and (without etcd servers) the embedded Rhino's SQLite file
 * @param etcdServers the client URLs of a real etcd cluster's members ({@code http://host:port}), all used; empty: embedded Rhino
 * @param bindAddress the address to listen on
 * @param securePort  the HTTPS port; 0 picks a free one
 * @param compactionInterval how often to compact etcd's history (upstream's --etcd-compaction-interval);
 *                    zero turns compaction off
 * @param etcdTls     CA, client certificate and key for https etcd servers (upstream's --etcd-cafile,
 *                    --etcd-certfile, --etcd-keyfile); each may be null
 * @param eventTtl    how long events are kept after their last write (upstream's --event-ttl)
 * @param serviceClusterIpRange Services' cluster IPs (upstream's --service-cluster-ip-range; k3s's 10.43.0.0/16 by default)
 * @param serviceNodePortRange  Services' node ports (upstream's --service-node-port-range, 30000-32767)
 * @param controllers which controllers run in this process, in kube-controller-manager's
 *                    {@code --controllers} syntax ({@code *}, {@code name}, {@code -name}); the
 *                    garbage collector's finalizers are set on deletes only where it runs
 * @param watchCache  the watch caches' sizes and intervals
 * @param encryptionProviderConfig an EncryptionConfiguration file (upstream's
 *                    --encryption-provider-config): how resources are encrypted at rest; null: not at all
 * @param advertiseAddress the address other members of the cluster reach this server at, listed in the
 *                    kubernetes Endpoints (upstream's --advertise-address); null: the bind address, or for
 *                    a loopback or wildcard bind address the host's default-route address
 * @param tokenAuthFile upstream's --token-auth-file (CSV token,user,uid,"groups"), or null
 */
public record ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort,
                              Duration compactionInterval, EtcdTls etcdTls, Duration eventTtl,
                              ServiceCidr serviceClusterIpRange, NodePortRange serviceNodePortRange,
                              List<String> controllers, dev.kj.apiserver.storage.cacher.CacherConfig watchCache,
                              Path encryptionProviderConfig, String advertiseAddress, Path tokenAuthFile) {
    public record EtcdTls(Path caFile, Path certFile, Path keyFile) {
        public static final EtcdTls NONE = new EtcdTls(null, null, null);

        public EtcdTls {
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException("--etcd-certfile and --etcd-keyfile go together");
            }
        }
    }

    /** Upstream's default --etcd-compaction-interval. */
    public static final Duration DEFAULT_COMPACTION_INTERVAL = Duration.ofMinutes(5);

    public ApiServerConfig {
        etcdServers = List.copyOf(etcdServers);
        controllers = controllers == null ? List.of("*") : List.copyOf(controllers);
        watchCache = watchCache == null ? dev.kj.apiserver.storage.cacher.CacherConfig.DEFAULT : watchCache;
        dev.kj.controllers.ControllerSelection.parse(controllers); // refuses unknown names now, with upstream's text
        etcdTls = etcdTls == null ? EtcdTls.NONE : etcdTls;
        eventTtl = eventTtl == null ? dev.kj.apiserver.registry.BuiltInResources.DEFAULT_EVENT_TTL : eventTtl;
        serviceClusterIpRange = serviceClusterIpRange == null ? ServiceCidr.parse(ServiceCidr.DEFAULT) : serviceClusterIpRange;
        serviceNodePortRange = serviceNodePortRange == null ? NodePortRange.parse(NodePortRange.DEFAULT) : serviceNodePortRange;
        if (eventTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("--event-ttl must be at least 1s");
        }
        if (compactionInterval.isNegative()) {
            throw new IllegalArgumentException("--etcd-compaction-interval must not be negative");
        }
    }

    /** Without encryption at rest. */
    public ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort,
                           Duration compactionInterval, EtcdTls etcdTls, Duration eventTtl,
                           ServiceCidr serviceClusterIpRange, NodePortRange serviceNodePortRange,
                           List<String> controllers, dev.kj.apiserver.storage.cacher.CacherConfig watchCache) {
        this(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl, serviceClusterIpRange,
                serviceNodePortRange, controllers, watchCache, null, null, null);
    }

    /** With the advertised address derived from the bind address, without static tokens. */
    public ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort,
                           Duration compactionInterval, EtcdTls etcdTls, Duration eventTtl,
                           ServiceCidr serviceClusterIpRange, NodePortRange serviceNodePortRange,
                           List<String> controllers, dev.kj.apiserver.storage.cacher.CacherConfig watchCache,
                           Path encryptionProviderConfig) {
        this(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl, serviceClusterIpRange,
                serviceNodePortRange, controllers, watchCache, encryptionProviderConfig, null, null);
    }

    public ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort) {
        this(dataDir, etcdServers, bindAddress, securePort, DEFAULT_COMPACTION_INTERVAL, EtcdTls.NONE, null);
    }

    /** With the default service ranges. */
    public ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort,
                           Duration compactionInterval, EtcdTls etcdTls, Duration eventTtl) {
        this(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl, null, null, null);
    }

    /** With the default controllers (all). */
    public ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort,
                           Duration compactionInterval, EtcdTls etcdTls, Duration eventTtl,
                           ServiceCidr serviceClusterIpRange, NodePortRange serviceNodePortRange) {
        this(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl, serviceClusterIpRange,
                serviceNodePortRange, null);
    }

    /** With the default watch cache settings. */
    public ApiServerConfig(Path dataDir, List<URI> etcdServers, String bindAddress, int securePort,
                           Duration compactionInterval, EtcdTls etcdTls, Duration eventTtl,
                           ServiceCidr serviceClusterIpRange, NodePortRange serviceNodePortRange, List<String> controllers) {
        this(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl, serviceClusterIpRange,
                serviceNodePortRange, controllers, null);
    }

    /** The same with another {@code --controllers} list. */
    public ApiServerConfig withControllers(List<String> selection) {
        return new ApiServerConfig(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl,
                serviceClusterIpRange, serviceNodePortRange, selection, watchCache, encryptionProviderConfig,
                advertiseAddress, tokenAuthFile);
    }

    /** The same with other watch cache settings. */
    public ApiServerConfig withWatchCache(dev.kj.apiserver.storage.cacher.CacherConfig settings) {
        return new ApiServerConfig(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl,
                serviceClusterIpRange, serviceNodePortRange, controllers, settings, encryptionProviderConfig,
                advertiseAddress, tokenAuthFile);
    }

    /** The same with another --encryption-provider-config file (null: none). */
    public ApiServerConfig withEncryptionProviderConfig(Path file) {
        return new ApiServerConfig(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl,
                serviceClusterIpRange, serviceNodePortRange, controllers, watchCache, file, advertiseAddress, tokenAuthFile);
    }

    /** The same with another --advertise-address (null: derived from the bind address). */
    public ApiServerConfig withAdvertiseAddress(String address) {
        return new ApiServerConfig(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl,
                serviceClusterIpRange, serviceNodePortRange, controllers, watchCache, encryptionProviderConfig, address,
                tokenAuthFile);
    }

    /** The same with a --token-auth-file (null: none). */
    public ApiServerConfig withTokenAuthFile(Path file) {
        return new ApiServerConfig(dataDir, etcdServers, bindAddress, securePort, compactionInterval, etcdTls, eventTtl,
                serviceClusterIpRange, serviceNodePortRange, controllers, watchCache, encryptionProviderConfig,
                advertiseAddress, file);
    }
}
