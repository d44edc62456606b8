package dev.kj.cli;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.auth.AuthOptions;
import dev.kj.rhino.tls.ClientTls;
import dev.kj.cli.ErrorReporting.UserError;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code kj rhino}: a single-member etcd v3 API server over SQLite, PostgreSQL or Redis. */
@Command(name = "rhino",
        mixinStandardHelpOptions = true,
        versionProvider = KjVersion.class,
        sortOptions = false,
        abbreviateSynopsis = true,
        description = {
            "Serve the etcd v3 API (gRPC, and etcd's JSON gateway on the same port) as a single member"
                    + " whose data lives in SQLite, PostgreSQL or Redis.",
            "Flags use etcd's names and defaults, so etcdctl and other etcd v3 clients work unchanged."
                    + " Stops gracefully on SIGTERM or SIGINT (exit 0).", ""},
        footer = {"", "Example:",
            "  kj rhino --data-dir /tmp/rhino",
            "  ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:2379 put greeting hello",
            "  kj rhino --listen-client-urls https://127.0.0.1:2379 --cert-file server.pem --key-file server-key.pem \\",
            "      --trusted-ca-file ca.pem --client-cert-auth",
            "  ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert ca.pem --cert client.pem"
                    + " --key client-key.pem get greeting"})
final class RhinoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--name", defaultValue = "default", paramLabel = "NAME",
            description = "Human-readable name for this member (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Path to the data directory, created (mode 0700) if missing. Default: '$${name}.etcd'"
                    + " in the working directory, or none when --endpoint is given.")
    Path dataDir;

    @Option(names = "--endpoint", paramLabel = "URL", converter = Endpoint.class,
            description = "Datastore URL: sqlite:///path/to/file.db (sqlite://dir/file.db is relative to the"
                    + " working directory), postgres://user[:password]@host[:port]/database[?sslmode=...]"
                    + " (created if missing; several rhinos may share one), or"
                    + " redis://[user:password@]host:port/db (rediss:// for TLS; ?prefix=NAME: keys under NAME,"
                    + " default rhino:; several rhinos may share one). Default: the SQLite file rhino.db in --data-dir.")
    String endpoint;

    @Option(names = "--listen-client-urls", split = ",", paramLabel = "URL",
            defaultValue = "http://127.0.0.1:2379", converter = Urls.Client.class,
            description = "URLs to serve clients on (gRPC and the JSON gateway), each http://host:port or https://host:port (TLS,"
                    + " needs --cert-file and --key-file); port 0 picks a free port (default: ${DEFAULT-VALUE}).")
    List<URI> listenClientUrls;

    @Option(names = "--advertise-client-urls", split = ",", paramLabel = "URL", converter = Urls.Client.class,
            description = "Client URLs reported to clients by MemberList (default: --listen-client-urls).")
    List<URI> advertiseClientUrls;

    @Option(names = "--initial-advertise-peer-urls", split = ",", paramLabel = "URL",
            defaultValue = "http://localhost:2380", converter = Urls.Peer.class,
            description = "Peer URLs reported by MemberList (default: ${DEFAULT-VALUE}). A single member"
                    + " dials no peers, so nothing listens there.")
    List<URI> advertisePeerUrls;

    @Option(names = {"--experimental-watch-progress-notify-interval", "--watch-progress-notify-interval"},
            paramLabel = "DURATION", defaultValue = "10m", converter = GoDuration.class,
            description = "How often watchers that asked for progress notifications get one, as a Go"
                    + " duration such as 5s, 10m or 1h30m (default: ${DEFAULT-VALUE}).")
    Duration progressNotifyInterval;

    @Option(names = "--cert-file", paramLabel = "FILE",
            description = "Path to the client server TLS cert file (PEM; the chain may follow the certificate).")
    Path certFile;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "Path to the client server TLS key file (PEM: PKCS#8, PKCS#1 RSA or SEC 1 EC; not encrypted).")
    Path keyFile;

    @Option(names = "--trusted-ca-file", paramLabel = "FILE",
            description = "Path to the client server TLS trusted CA cert file. As in etcd 3.4, giving it makes"
                    + " https listeners require a client certificate signed by one of its CAs.")
    Path trustedCaFile;

    @Option(names = "--client-cert-auth", arity = "0..1", paramLabel = "BOOL", fallbackValue = "true",
            defaultValue = "false",
            description = "Enable client cert authentication: https clients must present a certificate signed by"
                    + " --trusted-ca-file (the system's CAs without it); its common name is the user when auth is"
                    + " on and no token is sent (default: ${DEFAULT-VALUE}).")
    boolean clientCertAuth;

    @Option(names = "--client-crl-file", paramLabel = "FILE",
            description = "Path to the client certificate revocation list file (PEM or DER), read on every"
                    + " connection; a client whose certificate serial is listed is refused.")
    Path clientCrlFile;

    @Option(names = "--cipher-suites", split = ",", paramLabel = "SUITE",
            description = "Comma-separated TLS 1.2 cipher suites to allow, by their Go/IANA names (for example"
                    + " TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); TLS 1.3 suites stay on, as in etcd. Default: the JDK's.")
    List<String> cipherSuites;

    @Option(names = "--auth-token", paramLabel = "TYPE", defaultValue = "simple", converter = AuthTokenType.class,
            description = "Auth token type: simple (etcd's default: opaque tokens held in memory). jwt is not"
                    + " supported yet (default: ${DEFAULT-VALUE}).")
    String authToken;

    @Option(names = "--auth-token-ttl", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long a simple token stays valid after its last use, in seconds (default: ${DEFAULT-VALUE}).")
    long authTokenTtl;

    @Option(names = "--bcrypt-cost", paramLabel = "COST", defaultValue = "10",
            description = "bcrypt cost for hashing auth passwords, 4 to 31; other values fall back to 10 with a"
                    + " warning, as in etcd (default: ${DEFAULT-VALUE}).")
    int bcryptCost;

    @Option(names = "--restore", paramLabel = "FILE",
            description = "Restore a snapshot (as written by 'etcdctl snapshot save' against Rhino) into"
                    + " --data-dir, then exit. Refuses a data dir that already holds data.")
    Path restore;

    /** Completed once the server is up; lets tests reach the running server. */
    final CompletableFuture<RhinoServer> started = new CompletableFuture<>();

    @Override
    public Integer call() throws Exception {
        try {
            RhinoConfig config = config();
            if (restore != null) {
                return restore(config.dataDir());
            }
            if (config.dataDir() != null) {
                prepareDataDir(config.dataDir());
            }
            serve(RhinoServer.start(config));
            return 0;
        } finally {
            started.completeExceptionally(new IllegalStateException("kj rhino did not start"));
        }
    }

    private void serve(RhinoServer server) throws Exception {
        AtomicBoolean closing = new AtomicBoolean();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Runnable close = () -> {
            if (closing.compareAndSet(false, true)) {
                try {
                    server.close();
                } catch (Exception e) {
                    System.err.println("kj rhino: error while stopping: " + ErrorReporting.describe(e));
                } finally {
                    closed.complete(null);
                }
            }
            closed.join(); // whoever comes second waits for the first close to finish
        };
        // SIGTERM/SIGINT close the server and let call() return 0; a shutdown hook alone would
        // leave the JVM exiting with 128+signal. The hook still covers every other way out.
        Thread hook = new Thread(close, "kj-rhino-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
        for (String name : List.of("TERM", "INT")) {
            Signal signal = new Signal(name);
            try {
                previous.put(signal, Signal.handle(signal, s -> Thread.ofPlatform().name("kj-rhino-stop").start(close)));
            } catch (IllegalArgumentException reservedByVm) {
                // e.g. under -Xrs: the shutdown hook still closes the server
            }
        }
        try {
            started.complete(server);
            server.awaitTermination();
        } finally {
            close.run();
            // Put things back: in-process callers (tests) keep their JVM's own handling.
            previous.forEach(Signal::handle);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run; nothing left to undo
            }
        }
    }

    /** The server configuration these flags describe. */
    RhinoConfig config() {
        Path dir = dataDir;
        if (dir == null && (endpoint == null || restore != null)) {
            dir = Path.of(name + ".etcd");
        }
        if (restore != null && endpoint != null) {
            throw new UserError("--restore writes into --data-dir and cannot be combined with --endpoint");
        }
        return new RhinoConfig(name, endpoint, dir == null ? null : dir.toAbsolutePath().normalize(),
                listenClientUrls, advertiseClientUrls, advertisePeerUrls, progressNotifyInterval, null,
                new ClientTls(certFile, keyFile, trustedCaFile, clientCertAuth, clientCrlFile, cipherSuites),
                new AuthOptions(bcryptCost, Duration.ofSeconds(authTokenTtl)));
    }

    private int restore(Path dir) throws Exception {
        if (!Files.isRegularFile(restore) || !Files.isReadable(restore)) {
            throw new UserError("cannot read snapshot file " + restore);
        }
        if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
            throw new UserError("data dir " + dir + " already holds data; restore needs a new or empty directory");
        }
        RhinoServer.restore(restore, dir);
        spec.commandLine().getOut().println("restored " + restore + " into " + dir);
        return 0;
    }

    private static void prepareDataDir(Path dir) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new UserError("data dir " + dir + " is not a directory");
            }
            if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
                throw new UserError("data dir " + dir + " is not readable and writable by this user");
            }
            return;
        }
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) { // else another process just created it: fine
                throw new UserError("cannot create data dir " + dir + ": " + e.getFile() + " is not a directory");
            }
        } catch (FileSystemException e) {
            String reason = switch (e) {
                case AccessDeniedException denied -> "permission denied";
                case NoSuchFileException missing -> "no such file or directory";
                default -> e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
            };
            throw new UserError("cannot create data dir " + dir + ": " + reason
                    + (e.getFile() != null && !dir.toString().equals(e.getFile()) ? " (" + e.getFile() + ")" : ""));
        } catch (IOException | UnsupportedOperationException e) {
            throw new UserError("cannot create data dir " + dir + ": " + ErrorReporting.describe(e));
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
