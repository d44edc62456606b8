package dev.kj.rhino;

/** Versions Rhino reports to clients. */
public final class RhinoVersion {
    /**
     * The etcd server version Rhino emulates in Maintenance.Status. A kube-apiserver enables
     * watch progress requests (ConsistentListFromCache, WatchList) only from 3.5.13 in the 3.5 line.
     */
    public static final String ETCD_API_VERSION = "3.5.21";

    /** Cluster version, as etcd reports it in /version (major.minor.0). */
    public static final String ETCD_CLUSTER_VERSION = "3.5.0";

    private RhinoVersion() {}
}
