package dev.kj.apiserver.storage;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel over every --etcd-servers URL, as upstream's etcd client builds it: the URLs are
 * a fixed list of addresses balanced round robin, so requests spread over the members and a member
 * that goes down is left out until it answers again. Each address keeps its own host name for TLS
 * verification. Keepalive pings (30 s, 10 s timeout, as kube-apiserver's etcd client) find members
 * that vanish without closing their connections.
 */
public final class EtcdEndpoints {
    private static final String SCHEME = "etcd-endpoints";

    private EtcdEndpoints() {
    }

    /** TLS files for https members (upstream's --etcd-cafile, --etcd-certfile, --etcd-keyfile); each may be null. */
    public record Tls(Path caFile, Path certFile, Path keyFile) {
    }

    public static ManagedChannel channel(List<URI> servers, Tls tls) throws IOException {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("--etcd-servers: no URL given");
        }
        String scheme = null;
        List<EquivalentAddressGroup> members = new ArrayList<>();
        for (URI server : servers) {
            String serverScheme = String.valueOf(server.getScheme()).toLowerCase(Locale.ROOT);
            if (!(serverScheme.equals("http") || serverScheme.equals("https")) || server.getHost() == null || server.getPort() < 0) {
                throw new IllegalArgumentException("--etcd-servers: expected http://host:port or https://host:port, got " + server);
            }
            if (scheme != null && !scheme.equals(serverScheme)) {
                throw new IllegalArgumentException("--etcd-servers: mixing http and https URLs: " + servers);
            }
            scheme = serverScheme;
            String host = server.getHost().startsWith("[") ? server.getHost().substring(1, server.getHost().length() - 1)
                    : server.getHost();
            members.add(new EquivalentAddressGroup(new InetSocketAddress(host, server.getPort()),
                    Attributes.newBuilder().set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, server.getAuthority()).build()));
        }
        String authority = servers.getFirst().getAuthority();
        @SuppressWarnings("deprecation") // a fixed address list needs its own resolver; the registry route is global state
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(SCHEME + ":///" + authority)
                .nameResolverFactory(new Fixed(authority, members))
                .defaultLoadBalancingPolicy("round_robin")
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .maxInboundMessageSize(16 * 1024 * 1024);
        if (scheme.equals("http")) {
            return builder.usePlaintext().build();
        }
        var ssl = GrpcSslContexts.forClient();
        if (tls.caFile() != null) {
            ssl.trustManager(tls.caFile().toFile());
        }
        if (tls.certFile() != null) {
            ssl.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
        }
        return builder.sslContext(ssl.build()).build();
    }

    /** Resolves to the configured members, once. */
    private static final class Fixed extends NameResolver.Factory {
        private final String authority;
        private final List<EquivalentAddressGroup> members;

        Fixed(String authority, List<EquivalentAddressGroup> members) {
            this.authority = authority;
            this.members = List.copyOf(members);
        }

        @Override
        public NameResolver newNameResolver(URI target, NameResolver.Args args) {
            if (!SCHEME.equals(target.getScheme())) {
                return null;
            }
            return new NameResolver() {
                @Override
                public String getServiceAuthority() {
                    return authority;
                }

                @Override
                public void start(Listener2 listener) {
                    listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(
                            io.grpc.StatusOr.fromValue(members)).setAttributes(Attributes.EMPTY).build());
                }

                @Override
                public void shutdown() {
                }
            };
        }

        @Override
        public String getDefaultScheme() {
            return SCHEME;
        }
    }
}
