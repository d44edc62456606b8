package dev.kj.rhino;

import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.CallerInterceptor;
import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.postgres.PostgresBackend;
import dev.kj.rhino.backend.redis.RedisBackend;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import dev.kj.rhino.gateway.Gateway;
import dev.kj.rhino.gateway.SharedPortNegotiator;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.tls.ClientTls;
import dev.kj.rhino.tls.ServerTls;
import dev.kj.rhino.v3election.ElectionService;
import dev.kj.rhino.v3lock.LockService;
import dev.kj.rhino.v3rpc.RpcServices;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.SslContext;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A running Rhino: one store, served over gRPC on every listen URL with etcd's services (KV, Watch,
 * Lease, Cluster, Maintenance, Auth, Lock, Election) and grpc.health.v1, and etcd's JSON gateway on
 * the same ports.
 */
public final class RhinoServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RhinoServer.class.getName());

    /** etcd's request limit plus its allowance for gRPC framing (--max-request-bytes + 512 KiB). */
    static final int MAX_INBOUND_MESSAGE_BYTES = MvccStore.MAX_REQUEST_BYTES + 512 * 1024;
    /** Clients may ping this often (a kube-apiserver pings every 30 s); etcd allows 5 s. */
    static final long PERMIT_KEEPALIVE_SECONDS = 5;
    /** Server-side pings, etcd's defaults (--grpc-keepalive-interval / --grpc-keepalive-timeout). */
    static final long KEEPALIVE_TIME_HOURS = 2;
    static final long KEEPALIVE_TIMEOUT_SECONDS = 20;
    /** How long close() lets calls finish before cancelling them. */
    private static final long GRACE_SECONDS = 5;

    private final MvccStore store;
    private final RpcServices rpc;
    private final HealthStatusManager health;
    private final Gateway gateway;
    private final AuthStore auth;
    private final List<Server> servers;
    private final Object closeLock = new Object();
    private boolean closed;

    private RhinoServer(MvccStore store, RpcServices rpc, HealthStatusManager health, Gateway gateway,
                        AuthStore auth, List<Server> servers) {
        this.store = store;
        this.rpc = rpc;
        this.health = health;
        this.gateway = gateway;
        this.auth = auth;
        this.servers = servers;
    }

    /** Opens the store and serves it on every listen URL. */
    public static RhinoServer start(RhinoConfig config) throws IOException {
        List<InetSocketAddress> binds = new ArrayList<>();
        for (URI url : config.listenClientUrls()) {
            binds.add(bindAddress(url));
        }
        SslContext tls = clientTlsContext(config);
        Backend backend = openBackend(config);
        // Snapshots are staged next to the data (or in the temp dir for a database server).
        Path scratchDir = config.dataDir() != null ? config.dataDir().toAbsolutePath()
                : backend instanceof SqliteBackend ? databaseFile(config).toAbsolutePath().getParent()
                : Path.of(System.getProperty("java.io.tmpdir"));
        MvccStore store;
        try {
            store = MvccStore.open(backend,
                    new MvccStore.Options(config.progressNotifyInterval(), config.compactionInterval()));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        // Unnamed: naming a virtual thread per call showed up in profiles.
        ExecutorService callExecutor = Executors.newVirtualThreadPerTaskExecutor();
        List<Server> servers = new ArrayList<>();
        Gateway gateway = null;
        AuthStore auth = null;
        try {
            // Advertised client URLs default to the listen URLs; report the ports actually bound.
            List<URI> advertised = new ArrayList<>();
            boolean advertiseBound = config.advertiseClientUrls().equals(config.listenClientUrls());
            auth = new AuthStore(store, config.clientTls().clientCertAuth(), config.authOptions(),
                    java.time.Clock.systemUTC());
            RpcServices rpc = RpcServices.create(store, config.name(),
                    () -> advertiseBound ? List.copyOf(advertised) : config.advertiseClientUrls(),
                    config.advertisePeerUrls(), scratchDir, callExecutor, auth);
            HealthStatusManager health = new HealthStatusManager();
            List<BindableService> services = new ArrayList<>(rpc.services());
            services.add(new LockService(store, auth));
            services.add(new ElectionService(store, auth));
            services.add(health.getHealthService());
            // Every call, gRPC or through the gateway, learns who sent it (token or authorization
            // metadata, client certificate) for the auth checks.
            CallerInterceptor callers = new CallerInterceptor();
            List<ServerServiceDefinition> intercepted = services.stream()
                    .map(service -> ServerInterceptors.intercept(service, callers)).toList();
            gateway = Gateway.start(intercepted, callExecutors(callExecutor), MAX_INBOUND_MESSAGE_BYTES);
            for (int i = 0; i < binds.size(); i++) {
                URI url = config.listenClientUrls().get(i);
                Server server = newServer(binds.get(i), isSecure(url) ? tls : null, intercepted, callExecutor, gateway).start();
                servers.add(server);
                InetSocketAddress bound = boundAddress(server);
                advertised.add(withPort(url, bound.getPort()));
                LOG.log(System.Logger.Level.INFO, "serving client requests on {0} (bound {1})", url, bound);
            }
            health.setStatus("", ServingStatus.SERVING);
            LOG.log(System.Logger.Level.INFO, "rhino {0}: data in {1}, member {2}, advertising {3}",
                    config.name(), backend.describe(), Long.toHexString(store.memberId()),
                    advertiseBound ? advertised : config.advertiseClientUrls());
            return new RhinoServer(store, rpc, health, gateway, auth, List.copyOf(servers));
        } catch (IOException | RuntimeException e) {
            servers.forEach(Server::shutdownNow);
            if (gateway != null) {
                gateway.close();
            }
            if (auth != null) {
                auth.close();
            }
            store.close();
            throw e;
        }
    }

    /**
     * The TLS context shared by every https listen URL, or null when there is none. etcd's checks and
     * messages: an https URL needs a certificate and key; on an http URL they are ignored with a warning.
     */
    static SslContext clientTlsContext(RhinoConfig config) throws IOException {
        ClientTls tls = config.clientTls();
        if (!tls.cipherSuites().isEmpty()) {
            ServerTls.enabledCipherSuites(tls.cipherSuites()); // etcd checks the names even with no https URL
        }
        boolean anySecure = false;
        for (URI url : config.listenClientUrls()) {
            if (isSecure(url)) {
                if (tls.empty()) {
                    throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for"
                            + " client url " + url + " with HTTPS scheme");
                }
                anySecure = true;
            } else if (!tls.empty()) {
                LOG.log(System.Logger.Level.WARNING, "scheme is HTTP while key and cert files are present;"
                        + " ignoring key and cert files for client url {0}", url);
            } else if (tls.clientCertAuth()) {
                LOG.log(System.Logger.Level.WARNING, "scheme is HTTP while --client-cert-auth is enabled;"
                        + " ignoring client cert auth for client url {0}", url);
            }
        }
        return anySecure ? ServerTls.sslContext(tls) : null;
    }

    private static boolean isSecure(URI url) {
        return "https".equalsIgnoreCase(url.getScheme());
    }

    /**
     * Calls that only queue work run on the transport thread (a hand-off was a large share of the
     * CPU per request under load); everything that may block is switched to a virtual thread. The
     * servers' default executor is direct: grpc runs its per-call method lookup on the default
     * executor before it asks this supplier, and a thread hop there cost every call a wake-up.
     */
    private static ServerCallExecutorSupplier callExecutors(Executor blocking) {
        return new ServerCallExecutorSupplier() {
            @Override
            public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
                return RpcServices.isNonBlocking(call.getMethodDescriptor().getFullMethodName()) ? null : blocking;
            }
        };
    }

    private static Server newServer(InetSocketAddress address, SslContext tls, List<ServerServiceDefinition> services,
                                    ExecutorService callExecutor, Gateway gateway) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
                .directExecutor()
                .callExecutor(callExecutors(callExecutor))
                // HTTP/1.x connections on the same port go to the JSON gateway (see the negotiator);
                // it bounds the wait for a connection's first bytes, so grpc's own handshake timeout,
                // which would also end long-running gateway watches, is off.
                .protocolNegotiator(tls == null ? SharedPortNegotiator.plaintext(gateway::installHttp1)
                        : SharedPortNegotiator.tls(tls, gateway::installHttp1))
                .handshakeTimeout(Long.MAX_VALUE, TimeUnit.MILLISECONDS)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .permitKeepAliveTime(PERMIT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(KEEPALIVE_TIME_HOURS, TimeUnit.HOURS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        services.forEach(builder::addService);
        return builder.build();
    }

    /** Where each listen URL is bound (the real port when the URL asked for port 0). */
    public List<InetSocketAddress> clientAddresses() {
        return servers.stream().map(RhinoServer::boundAddress).toList();
    }

    /**
     * A new in-process gRPC channel to this server's etcd v3 services (no socket, no TLS); the same
     * stubs work on it as on a channel to a real etcd. The caller shuts it down.
     */
    public io.grpc.ManagedChannel newInProcessChannel() {
        return gateway.newInProcessChannel();
    }

    public MvccStore store() {
        return store;
    }

    /** Blocks until the server has stopped (after {@link #close()}). */
    public void awaitTermination() throws InterruptedException {
        for (Server server : servers) {
            server.awaitTermination();
        }
    }

    /**
     * Stops accepting calls, ends watch streams with "server stopped" so clients fail over, lets
     * other calls finish for a few seconds, cancels what remains, then closes the store.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        health.enterTerminalState();
        servers.forEach(Server::shutdown);
        rpc.stopWatches();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
            boolean finished = true;
            for (Server server : servers) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !server.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    finished = false;
                }
            }
            if (!finished) {
                // cancels what gateway connections still wait for, so they can close too
                gateway.close();
                servers.forEach(Server::shutdownNow);
            }
            for (Server server : servers) {
                server.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            servers.forEach(Server::shutdownNow);
            Thread.currentThread().interrupt();
        }
        gateway.close();
        auth.close();
        // The call executor is not shut down: it holds nothing when idle, and late transport
        // callbacks for already-closed streams would otherwise be rejected noisily.
        store.close();
        LOG.log(System.Logger.Level.INFO, "rhino stopped");
    }

    /**
     * Restores a snapshot (as written by Maintenance.Snapshot / {@code etcdctl snapshot save}) into a
     * new data dir, which {@link #start} then serves.
     */
    public static void restore(Path snapshotFile, Path dataDir) throws IOException {
        createPrivateDir(dataDir);
        SqliteBackend.restore(snapshotFile, dataDir.resolve(DEFAULT_DB_FILE));
    }

    static final String DEFAULT_DB_FILE = "rhino.db";

    /** The datastore the endpoint names (a SQLite file in the data dir when there is none). */
    static Backend openBackend(RhinoConfig config) throws IOException {
        String endpoint = config.endpoint();
        String scheme = endpoint == null || endpoint.isEmpty() ? "sqlite"
                : endpoint.contains("://") ? endpoint.substring(0, endpoint.indexOf("://")).toLowerCase(java.util.Locale.ROOT)
                : "";
        return switch (scheme) {
            case "sqlite" -> SqliteBackend.open(databaseFile(config));
            case "postgres", "postgresql" -> PostgresBackend.open(endpoint);
            case "redis", "rediss" -> RedisBackend.open(endpoint);
            default -> throw new IllegalArgumentException("unsupported endpoint " + endpoint
                    + ": expected sqlite:///path/to/file.db, postgres://user@host/database or redis://host:port/db");
        };
    }

    /**
     * The SQLite file: {@code sqlite://PATH} as kine spells it ({@code sqlite:///abs/file.db} is
     * absolute, {@code sqlite://rel/file.db} relative; query parameters are ignored), or
     * {@code rhino.db} in the data dir, which is created private to its owner.
     */
    static Path databaseFile(RhinoConfig config) throws IOException {
        String endpoint = config.endpoint();
        if (endpoint == null || endpoint.isEmpty()) {
            createPrivateDir(config.dataDir());
            return config.dataDir().resolve(DEFAULT_DB_FILE);
        }
        String path = endpoint.substring("sqlite://".length());
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.isEmpty()) {
            throw new IllegalArgumentException("endpoint " + endpoint + " names no database file");
        }
        return Path.of(path);
    }

    private static void createPrivateDir(Path dir) throws IOException {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
        if (Files.isDirectory(dir)) {
            try {
                Set<PosixFilePermission> actual = Files.getPosixFilePermissions(dir);
                if (!actual.equals(ownerOnly)) {
                    LOG.log(System.Logger.Level.WARNING, "data dir {0} has permissions {1}; rwx------ is recommended",
                            dir, PosixFilePermissions.toString(actual));
                }
            } catch (UnsupportedOperationException notPosix) {
                // nothing to check on this file system
            }
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(dir);
        }
    }

    /** {@code http://host:port} or {@code https://host:port} → the socket address to bind. */
    static InetSocketAddress bindAddress(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("unsupported listen URL " + url + " (expected http://host:port or https://host:port)");
        }
        String host = url.getHost();
        if (host == null || url.getPort() < 0) {
            throw new IllegalArgumentException("listen URL " + url + " needs a host and a port");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, url.getPort());
    }

    private static InetSocketAddress boundAddress(Server server) {
        for (SocketAddress address : server.getListenSockets()) {
            if (address instanceof InetSocketAddress inet) {
                return inet;
            }
        }
        throw new IllegalStateException("server is not bound");
    }

    private static URI withPort(URI url, int port) {
        try {
            return new URI(url.getScheme(), url.getUserInfo(), url.getHost(), port, url.getPath(),
                    url.getQuery(), url.getFragment());
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException("cannot rebuild " + url, e));
        }
    }
}
