package dev.kj.rhino;

import dev.kj.rhino.auth.AuthOptions;
import dev.kj.rhino.tls.ClientTls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a Rhino server needs to start. Flag names on the command line follow etcd's
 * ({@code --name}, {@code --data-dir}, {@code --listen-client-urls}, {@code --advertise-client-urls}).
 *
 * @param name                   member name reported by MemberList
 * @param endpoint               datastore: {@code sqlite:///path/to/file.db}; {@code null} means a
 *                               SQLite file {@code rhino.db} in {@code dataDir}
 * @param dataDir                directory for state (may be {@code null} when an endpoint is given)
 * @param listenClientUrls       where to serve gRPC ({@code http://host:port}); port 0 picks a free one;
 *                               none for a server reached only through {@link RhinoServer#newInProcessChannel()}
 * @param advertiseClientUrls    client URLs reported by MemberList (defaults to the listen URLs)
 * @param advertisePeerUrls      peer URLs reported by MemberList (a single member has no peers to
 *                               dial, but etcdctl prints them)
 * @param progressNotifyInterval period of progress notifications to watchers that asked for them
 * @param compactionInterval     how often the background compactor drops history rows that a
 *                               compaction has made unreachable
 * @param clientTls              certificate, key and client-certificate rules for {@code https://}
 *                               listen URLs ({@link ClientTls#NONE} when there are none)
 * @param authOptions            bcrypt cost and simple-token lifetime for the Auth API
 */
public record RhinoConfig(
        String name,
        String endpoint,
        Path dataDir,
        List<URI> listenClientUrls,
        List<URI> advertiseClientUrls,
        List<URI> advertisePeerUrls,
        Duration progressNotifyInterval,
        Duration compactionInterval,
        ClientTls clientTls,
        AuthOptions authOptions) {

    public static final URI DEFAULT_CLIENT_URL = URI.create("http://127.0.0.1:2379");
    public static final URI DEFAULT_PEER_URL = URI.create("http://localhost:2380");

    public RhinoConfig {
        Objects.requireNonNull(name, "name");
        if (endpoint == null && dataDir == null) {
            throw new IllegalArgumentException("either a data dir or an endpoint is required");
        }
        // Empty: no socket at all, only in-process channels (kj's API server embeds Rhino so).
        listenClientUrls = List.copyOf(listenClientUrls);
        advertiseClientUrls = advertiseClientUrls == null || advertiseClientUrls.isEmpty()
                ? listenClientUrls : List.copyOf(advertiseClientUrls);
        advertisePeerUrls = advertisePeerUrls == null || advertisePeerUrls.isEmpty()
                ? List.of(DEFAULT_PEER_URL) : List.copyOf(advertisePeerUrls);
        progressNotifyInterval = progressNotifyInterval == null ? Duration.ofMinutes(10) : progressNotifyInterval;
        compactionInterval = compactionInterval == null ? Duration.ofSeconds(5) : compactionInterval;
        clientTls = clientTls == null ? ClientTls.NONE : clientTls;
        authOptions = authOptions == null ? AuthOptions.DEFAULTS : authOptions;
    }

    /** A plaintext-only config. */
    public RhinoConfig(String name, String endpoint, Path dataDir, List<URI> listenClientUrls,
                       List<URI> advertiseClientUrls, List<URI> advertisePeerUrls,
                       Duration progressNotifyInterval, Duration compactionInterval) {
        this(name, endpoint, dataDir, listenClientUrls, advertiseClientUrls, advertisePeerUrls,
                progressNotifyInterval, compactionInterval, ClientTls.NONE, AuthOptions.DEFAULTS);
    }

    /** A config with etcd's defaults, state in {@code dataDir}. */
    public static RhinoConfig defaults(Path dataDir) {
        return new RhinoConfig("default", null, dataDir, List.of(DEFAULT_CLIENT_URL), null, null, null, null);
    }

    public RhinoConfig withListenClientUrls(List<URI> urls) {
        return new RhinoConfig(name, endpoint, dataDir, urls, null, advertisePeerUrls,
                progressNotifyInterval, compactionInterval, clientTls, authOptions);
    }

    /** The same config on the datastore {@code endpoint} ({@code postgres://...}, {@code redis://...}). */
    public RhinoConfig withEndpoint(String endpoint) {
        return new RhinoConfig(name, endpoint, dataDir, listenClientUrls, advertiseClientUrls, advertisePeerUrls,
                progressNotifyInterval, compactionInterval, clientTls, authOptions);
    }

    public RhinoConfig withProgressNotifyInterval(Duration interval) {
        return new RhinoConfig(name, endpoint, dataDir, listenClientUrls, advertiseClientUrls, advertisePeerUrls,
                interval, compactionInterval, clientTls, authOptions);
    }

    public RhinoConfig withAuthOptions(AuthOptions options) {
        return new RhinoConfig(name, endpoint, dataDir, listenClientUrls, advertiseClientUrls, advertisePeerUrls,
                progressNotifyInterval, compactionInterval, clientTls, options);
    }

    public RhinoConfig withClientTls(ClientTls tls) {
        return new RhinoConfig(name, endpoint, dataDir, listenClientUrls, advertiseClientUrls, advertisePeerUrls,
                progressNotifyInterval, compactionInterval, tls, authOptions);
    }
}
