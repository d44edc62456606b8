package dev.kj.controllers;

import dev.kj.controllers.clusterroleaggregation.ClusterRoleAggregationController;
import dev.kj.controllers.cronjob.CronJobController;
import dev.kj.controllers.deployment.DeploymentController;
import dev.kj.controllers.disruption.DisruptionController;
import dev.kj.controllers.endpoint.EndpointsController;
import dev.kj.controllers.endpointslice.EndpointSliceController;
import dev.kj.controllers.nodelifecycle.NodeLifecycleController;
import dev.kj.controllers.tainteviction.TaintEvictionController;
import dev.kj.controllers.garbagecollector.GarbageCollector;
import dev.kj.controllers.job.JobController;
import dev.kj.controllers.namespace.NamespaceController;
import dev.kj.controllers.replicaset.ReplicaSetController;
import dev.kj.controllers.replication.ReplicationControllers;
import dev.kj.controllers.podgc.PodGarbageCollector;
import dev.kj.controllers.rootcacertpublisher.RootCaCertPublisher;
import dev.kj.controllers.serviceaccount.ServiceAccountsController;
import dev.kj.controllers.serviceaccounttoken.TokensController;
import dev.kj.controllers.ttlafterfinished.TtlAfterFinishedController;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The controllers kj has, by upstream's names (kube-controller-manager's, with its older aliases). */
public final class KnownControllers {
    private KnownControllers() {
    }

    public static final String GARBAGE_COLLECTOR = GarbageCollector.NAME;
    public static final String NAMESPACE = NamespaceController.NAME;
    public static final String CLUSTER_ROLE_AGGREGATION = ClusterRoleAggregationController.NAME;
    public static final String SERVICE_ACCOUNT = ServiceAccountsController.NAME;
    public static final String ROOT_CA_CERT_PUBLISHER = RootCaCertPublisher.NAME;
    public static final String SERVICE_ACCOUNT_TOKEN = TokensController.NAME;
    public static final String REPLICA_SET = ReplicaSetController.NAME;
    public static final String REPLICATION_CONTROLLER = ReplicationControllers.NAME;
    public static final String DEPLOYMENT = DeploymentController.NAME;
    public static final String JOB = JobController.NAME;
    public static final String CRON_JOB = CronJobController.NAME;
    public static final String DISRUPTION = DisruptionController.NAME;
    public static final String TTL_AFTER_FINISHED = TtlAfterFinishedController.NAME;
    public static final String POD_GARBAGE_COLLECTOR = PodGarbageCollector.NAME;
    public static final String ENDPOINTS = EndpointsController.NAME;
    public static final String ENDPOINT_SLICE = EndpointSliceController.NAME;
    public static final String NODE_LIFECYCLE = NodeLifecycleController.NAME;
    public static final String TAINT_EVICTION = TaintEvictionController.NAME;

    /**
     * One controller: its name, the names it was known by before 1.28, the kube-system service
     * account whose identity it acts under (upstream's, so its bootstrap role
     * system:controller:&lt;identity&gt; fits) or null for the controller manager's own, and how to
     * build it.
     */
    record Descriptor(String name, List<String> aliases, String identity, boolean disabledByDefault,
                      Function<ControllerContext, ManagedController> factory) {
    }

    static final List<Descriptor> ALL = List.of(
            // upstream starts the tokens controller first, with the controller manager's own credentials
            new Descriptor(SERVICE_ACCOUNT_TOKEN, List.of("serviceaccount-token"), null, false, TokensController::new),
            new Descriptor(CLUSTER_ROLE_AGGREGATION, List.of("clusterrole-aggregation"), "clusterrole-aggregation-controller",
                    false, ClusterRoleAggregationController::new),
            new Descriptor(GARBAGE_COLLECTOR, List.of("garbagecollector"), "generic-garbage-collector", false,
                    GarbageCollector::new),
            new Descriptor(NAMESPACE, List.of("namespace"), "namespace-controller", false, NamespaceController::new),
            new Descriptor(SERVICE_ACCOUNT, List.of("serviceaccount"), ServiceAccountsController.IDENTITY, false,
                    ServiceAccountsController::new),
            new Descriptor(ROOT_CA_CERT_PUBLISHER, List.of("root-ca-cert-publisher"), RootCaCertPublisher.IDENTITY, false,
                    RootCaCertPublisher::new),
            new Descriptor(REPLICA_SET, List.of("replicaset"), ReplicaSetController.IDENTITY, false,
                    ReplicaSetController::forReplicaSets),
            new Descriptor(REPLICATION_CONTROLLER, List.of("replicationcontroller"), ReplicationControllers.IDENTITY, false,
                    ReplicationControllers::controller),
            new Descriptor(DEPLOYMENT, List.of("deployment"), DeploymentController.IDENTITY, false, DeploymentController::new),
            new Descriptor(JOB, List.of("job"), JobController.IDENTITY, false, JobController::new),
            new Descriptor(DISRUPTION, List.of("disruption"), DisruptionController.IDENTITY, false, DisruptionController::new),
            new Descriptor(CRON_JOB, List.of("cronjob"), CronJobController.IDENTITY, false, CronJobController::new),
            new Descriptor(TTL_AFTER_FINISHED, List.of("ttl-after-finished"), TtlAfterFinishedController.IDENTITY, false,
                    TtlAfterFinishedController::new),
            new Descriptor(POD_GARBAGE_COLLECTOR, List.of("podgc"), PodGarbageCollector.IDENTITY, false,
                    PodGarbageCollector::new),
            new Descriptor(ENDPOINTS, List.of("endpoint"), EndpointsController.IDENTITY, false, EndpointsController::new),
            new Descriptor(ENDPOINT_SLICE, List.of("endpointslice"), EndpointSliceController.IDENTITY, false,
                    EndpointSliceController::new),
            new Descriptor(NODE_LIFECYCLE, List.of("nodelifecycle"), NodeLifecycleController.IDENTITY, false,
                    NodeLifecycleController::new),
            new Descriptor(TAINT_EVICTION, List.of(), TaintEvictionController.IDENTITY, false, TaintEvictionController::new));

    /** Alias or name → canonical name. */
    static Map<String, String> names() {
        java.util.Map<String, String> names = new java.util.HashMap<>();
        for (Descriptor descriptor : ALL) {
            names.put(descriptor.name(), descriptor.name());
            descriptor.aliases().forEach(alias -> names.put(alias, descriptor.name()));
        }
        return names;
    }

    /** The user a controller's requests are made as: its kube-system service account. */
    public static String userName(String identity) {
        return "system:serviceaccount:kube-system:" + identity;
    }
}
