package dev.kj.rhino.v3rpc;

import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.BindableService;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** The etcdserverpb services over one store, built together because they share the alarm list. */
public final class RpcServices {
    private final WatchService watch;
    private final List<BindableService> services;

    private RpcServices(WatchService watch, List<BindableService> services) {
        this.watch = watch;
        this.services = services;
    }

    /**
     * @param memberName  the name MemberList reports
     * @param clientUrls  client URLs MemberList reports, read per call
     * @param peerUrls    peer URLs MemberList reports
     * @param scratchDir  where snapshots are staged before streaming
     */
    public static RpcServices create(MvccStore store, String memberName, Supplier<List<URI>> clientUrls,
                                     List<URI> peerUrls, Path scratchDir, java.util.concurrent.Executor blocking,
                                     AuthStore auth) {
        Alarms alarms = new Alarms(store);
        WatchService watch = new WatchService(store.watchHub(), auth);
        return new RpcServices(watch, List.of(
                new KvService(store, alarms, blocking, auth),
                watch,
                new LeaseService(store, alarms, auth),
                new ClusterService(store, memberName, clientUrls, peerUrls),
                new MaintenanceService(store, alarms, scratchDir, auth),
                new AuthService(store, auth)));
    }

    /** KV, Watch, Lease, Cluster, Maintenance, Auth. */
    public List<BindableService> services() {
        return services;
    }

    /** Whether a method's handler never blocks, so it may run on the transport thread. */
    public static boolean isNonBlocking(String fullMethodName) {
        return KvService.DIRECT_METHODS.contains(fullMethodName);
    }

    /** Ends every open watch stream with "etcdserver: server stopped". */
    public void stopWatches() {
        watch.shutdown();
    }
}
