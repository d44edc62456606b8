package dev.kj.rhino.gateway;

import dev.kj.rhino.api.etcdserverpb.AuthGrpc;
import dev.kj.rhino.api.etcdserverpb.ClusterGrpc;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.v3electionpb.ElectionGrpc;
import dev.kj.rhino.api.v3lockpb.LockGrpc;
import io.grpc.ServerServiceDefinition;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * etcd's grpc-gateway: HTTP/1.1 + JSON on the client port, translated to the very gRPC services
 * the port serves (through an in-process channel, so codes, texts and semantics are the same).
 * Paths and behaviour follow etcd 3.4 ({@code /v3/...}, with {@code /v3beta/...} rewritten to it).
 */
public final class Gateway implements AutoCloseable {
    private static final AtomicLong NAMES = new AtomicLong();

    private final Server server;
    private final ManagedChannel channel;
    private final Map<String, MethodDescriptor<?, ?>> routes;
    private final int maxRequestBytes;
    private final String name;

    private Gateway(String name, Server server, ManagedChannel channel, int maxRequestBytes) {
        this.name = name;
        this.server = server;
        this.channel = channel;
        this.routes = routes();
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * @param services        the services the client port serves
     * @param callExecutor    per-method executor choice, as on the gRPC port (the default is direct)
     * @param maxRequestBytes the gRPC port's inbound message limit, applied to decoded requests
     */
    public static Gateway start(List<ServerServiceDefinition> services, ServerCallExecutorSupplier callExecutor,
                                int maxRequestBytes) throws IOException {
        String name = "rhino-gateway-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor().callExecutor(callExecutor);
        services.forEach(builder::addService);
        Server server = builder.build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return new Gateway(name, server, channel, maxRequestBytes);
    }

    /**
     * A new channel to the same in-process services, for in-process clients (kj's API server) that
     * want the etcd v3 API without a socket. The caller shuts it down.
     */
    public ManagedChannel newInProcessChannel() {
        return InProcessChannelBuilder.forName(name).build();
    }

    /** The gateway's routes: etcd 3.4's grpc-gateway bindings (POST only). */
    private static Map<String, MethodDescriptor<?, ?>> routes() {
        Map<String, MethodDescriptor<?, ?>> routes = new LinkedHashMap<>();
        routes.put("/v3/kv/range", KVGrpc.getRangeMethod());
        routes.put("/v3/kv/put", KVGrpc.getPutMethod());
        routes.put("/v3/kv/deleterange", KVGrpc.getDeleteRangeMethod());
        routes.put("/v3/kv/txn", KVGrpc.getTxnMethod());
        routes.put("/v3/kv/compaction", KVGrpc.getCompactMethod());
        routes.put("/v3/watch", WatchGrpc.getWatchMethod());
        routes.put("/v3/lease/grant", LeaseGrpc.getLeaseGrantMethod());
        routes.put("/v3/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
        routes.put("/v3/kv/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
        routes.put("/v3/lease/keepalive", LeaseGrpc.getLeaseKeepAliveMethod());
        routes.put("/v3/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
        routes.put("/v3/kv/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
        routes.put("/v3/lease/leases", LeaseGrpc.getLeaseLeasesMethod());
        routes.put("/v3/kv/lease/leases", LeaseGrpc.getLeaseLeasesMethod());
        routes.put("/v3/cluster/member/add", ClusterGrpc.getMemberAddMethod());
        routes.put("/v3/cluster/member/remove", ClusterGrpc.getMemberRemoveMethod());
        routes.put("/v3/cluster/member/update", ClusterGrpc.getMemberUpdateMethod());
        routes.put("/v3/cluster/member/list", ClusterGrpc.getMemberListMethod());
        routes.put("/v3/cluster/member/promote", ClusterGrpc.getMemberPromoteMethod());
        routes.put("/v3/maintenance/alarm", MaintenanceGrpc.getAlarmMethod());
        routes.put("/v3/maintenance/status", MaintenanceGrpc.getStatusMethod());
        routes.put("/v3/maintenance/defragment", MaintenanceGrpc.getDefragmentMethod());
        // Hash and HashKV share this path in etcd's bindings; the gateway's mux takes the first: Hash
        routes.put("/v3/maintenance/hash", MaintenanceGrpc.getHashMethod());
        routes.put("/v3/maintenance/snapshot", MaintenanceGrpc.getSnapshotMethod());
        routes.put("/v3/maintenance/transfer-leadership", MaintenanceGrpc.getMoveLeaderMethod());
        routes.put("/v3/auth/enable", AuthGrpc.getAuthEnableMethod());
        routes.put("/v3/auth/disable", AuthGrpc.getAuthDisableMethod());
        routes.put("/v3/auth/authenticate", AuthGrpc.getAuthenticateMethod());
        routes.put("/v3/auth/user/add", AuthGrpc.getUserAddMethod());
        routes.put("/v3/auth/user/get", AuthGrpc.getUserGetMethod());
        routes.put("/v3/auth/user/list", AuthGrpc.getUserListMethod());
        routes.put("/v3/auth/user/delete", AuthGrpc.getUserDeleteMethod());
        routes.put("/v3/auth/user/changepw", AuthGrpc.getUserChangePasswordMethod());
        routes.put("/v3/auth/user/grant", AuthGrpc.getUserGrantRoleMethod());
        routes.put("/v3/auth/user/revoke", AuthGrpc.getUserRevokeRoleMethod());
        routes.put("/v3/auth/role/add", AuthGrpc.getRoleAddMethod());
        routes.put("/v3/auth/role/get", AuthGrpc.getRoleGetMethod());
        routes.put("/v3/auth/role/list", AuthGrpc.getRoleListMethod());
        routes.put("/v3/auth/role/delete", AuthGrpc.getRoleDeleteMethod());
        routes.put("/v3/auth/role/grant", AuthGrpc.getRoleGrantPermissionMethod());
        routes.put("/v3/auth/role/revoke", AuthGrpc.getRoleRevokePermissionMethod());
        routes.put("/v3/lock/lock", LockGrpc.getLockMethod());
        routes.put("/v3/lock/unlock", LockGrpc.getUnlockMethod());
        routes.put("/v3/election/campaign", ElectionGrpc.getCampaignMethod());
        routes.put("/v3/election/proclaim", ElectionGrpc.getProclaimMethod());
        routes.put("/v3/election/leader", ElectionGrpc.getLeaderMethod());
        routes.put("/v3/election/observe", ElectionGrpc.getObserveMethod());
        routes.put("/v3/election/resign", ElectionGrpc.getResignMethod());
        return Map.copyOf(routes);
    }

    /** The method served at a gateway path, or null. */
    MethodDescriptor<?, ?> route(String path) {
        return routes.get(path);
    }

    ManagedChannel channel() {
        return channel;
    }

    int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** Puts the HTTP/1.x handlers on a connection, right after {@code ctx}. */
    public void installHttp1(ChannelHandlerContext ctx) {
        ctx.pipeline().addAfter(ctx.name(), "gateway-http", new HttpServerCodec(64 * 1024, 1024 * 1024, 64 * 1024));
        // Go's server answers "Expect: 100-continue" (curl sends it for larger bodies)
        ctx.pipeline().addAfter("gateway-http", "gateway-continue", new HttpServerExpectContinueHandler());
        ctx.pipeline().addAfter("gateway-continue", "gateway", new GatewayHandler(this));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
