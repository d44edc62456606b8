package dev.kj.apiserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.Transport;
import dev.kj.apiserver.admission.Admission;
import dev.kj.apiserver.admission.priority.PriorityAdmission;
import dev.kj.apiserver.admission.priority.SystemPriorityClasses;
import dev.kj.apiserver.admission.defaulttolerationseconds.DefaultTolerationSeconds;
import dev.kj.apiserver.admission.serviceaccount.ServiceAccountAdmission;
import dev.kj.apiserver.authn.BootstrapTokens;
import dev.kj.apiserver.authn.JoinToken;
import dev.kj.apiserver.authn.RequestAuthenticator;
import dev.kj.apiserver.authn.ServiceAccountTokens;
import dev.kj.apiserver.authn.TokenAuthenticator;
import dev.kj.apiserver.authn.TokenFile;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.authz.Authorization;
import dev.kj.apiserver.registry.authorization.AccessReviews;
import dev.kj.apiserver.discovery.Discovery;
import dev.kj.apiserver.endpoints.ApiRouter;
import dev.kj.apiserver.endpoints.HealthChecks;
import dev.kj.apiserver.endpoints.InProcessTransport;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.discovery.VersionInfo;
import dev.kj.apiserver.http.HttpsServer;
import dev.kj.apiserver.metrics.ApiMetrics;
import dev.kj.apiserver.metrics.Gauge;
import dev.kj.apiserver.metrics.Metric;
import dev.kj.apiserver.metrics.MetricsRegistry;
import dev.kj.apiserver.metrics.ProcessMetrics;
import dev.kj.apiserver.metrics.StorageMetrics;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.apiserver.pki.Kubeconfig;
import dev.kj.apiserver.registry.BuiltInResources;
import dev.kj.apiserver.registry.authentication.AuthenticationApi;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ResourceCatalog;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.core.namespace.NamespaceDeletion;
import dev.kj.apiserver.registry.core.namespace.NamespaceLifecycle;
import dev.kj.apiserver.reconcilers.AdvertiseAddress;
import dev.kj.apiserver.reconcilers.KubernetesEndpoints;
import dev.kj.apiserver.reconcilers.MasterLeases;
import dev.kj.apiserver.registry.core.service.ServiceAllocations;
import dev.kj.apiserver.storage.Compactor;
import dev.kj.apiserver.storage.EtcdEndpoints;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.value.KeyTransformers;
import dev.kj.apiserver.storage.value.TransformationMetrics;
import dev.kj.apiserver.storage.value.encryptionconfig.ResourceEncryption;
import dev.kj.apiserver.storage.cacher.CacherMetrics;
import dev.kj.apiserver.storage.cacher.Cachers;
import dev.kj.controllers.ControllerManager;
import dev.kj.controllers.ControllerSelection;
import dev.kj.controllers.KnownControllers;
import dev.kj.controllers.nodelifecycle.NodeLifecycleSettings;
import dev.kj.rhino.RhinoConfig;
import dev.kj.scheduler.KubeScheduler;
import dev.kj.rhino.RhinoServer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A running Kubernetes API server: storage (embedded Rhino or a real etcd, both through the etcd v3
 * gRPC API), the generic registry for the catalogued resources, and the HTTPS listener.
 */
public final class ApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());
    /** The controllers' identity (upstream's kube-controller-manager user). */
    private static final User CONTROLLER_MANAGER = new User("system:kube-controller-manager", List.of("system:authenticated"));
    /** The scheduler's identity (upstream's kube-scheduler user, bound to system:kube-scheduler). */
    private static final User SCHEDULER = new User("system:kube-scheduler", List.of("system:authenticated"));
    /** The API server's own loopback identity (upstream's system:apiserver, a cluster administrator). */
    static final User API_SERVER = new User("system:apiserver", List.of("system:authenticated", "system:masters"));
    /** Namespaces every cluster has (upstream's system namespaces controller). */
    public static final List<String> SYSTEM_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    private final RhinoServer rhino;
    private final EtcdStorage storage;
    private final Cachers cachers;
    private final HttpsServer https;
    private final ApiRouter router;
    private final ScheduledExecutorService timers;
    private final Path kubeconfig;
    private final Path joinToken;
    private final ControllerManager controllers;
    private KubeScheduler scheduler;
    private final Authorization authorization;
    private final KubernetesEndpoints endpointReconciler;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    private ApiServer(RhinoServer rhino, EtcdStorage storage, Cachers cachers, HttpsServer https, ApiRouter router,
                      ScheduledExecutorService timers, Path kubeconfig, Path joinToken, ControllerManager controllers,
                      Authorization authorization, KubernetesEndpoints endpointReconciler) {
        this.authorization = authorization;
        this.endpointReconciler = endpointReconciler;
        this.joinToken = joinToken;
        this.cachers = cachers;
        this.controllers = controllers;
        this.rhino = rhino;
        this.storage = storage;
        this.https = https;
        this.router = router;
        this.timers = timers;
        this.kubeconfig = kubeconfig;
    }

    public static ApiServer start(ApiServerConfig config) throws IOException {
        return start(config, List.of());
    }

    /**
     * @param moreResources served besides the built-in ones (tests register resources of their own
     *                      to exercise generic machinery such as graceful deletion)
     */
    public static ApiServer start(ApiServerConfig config, List<ResourceDescription> moreResources) throws IOException {
        return start(config, moreResources, NodeLifecycleSettings.DEFAULT);
    }

    /**
     * @param nodeLifecycle the node lifecycle controller's grace periods (kube-controller-manager's
     *                      --node-monitor-grace-period and --node-startup-grace-period)
     */
    public static ApiServer start(ApiServerConfig config, List<ResourceDescription> moreResources,
                                  NodeLifecycleSettings nodeLifecycle) throws IOException {
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        ClusterPki pki = ClusterPki.ensure(dataDir.resolve("pki"),
                ClusterPki.ServingNames.forHost(config.serviceClusterIpRange().address(0)), Clock.systemUTC());
        List<ResourceDescription> served = new java.util.ArrayList<>(BuiltInResources.catalog(config.eventTtl()).resources());
        served.addAll(AccessReviews.resources());
        served.sort(java.util.Comparator.comparing(ResourceDescription::group)); // stable: groups stay in name order
        served.addAll(moreResources);
        ResourceCatalog catalog = new ResourceCatalog(served);
        MetricsRegistry metrics = new MetricsRegistry();
        Map<String, String> resourceByPrefix = new LinkedHashMap<>();
        catalog.resources().forEach(r -> resourceByPrefix.put(r.keyPrefix(), r.qualifiedResource()));
        StorageMetrics storageMetrics = new StorageMetrics(metrics, resourceByPrefix);
        // a bad --encryption-provider-config stops the server before it touches storage
        KeyTransformers encryption = ResourceEncryption.transformers(catalog, config.encryptionProviderConfig(),
                TransformationMetrics.register(metrics));
        RhinoServer rhino = null;
        ManagedChannel channel;
        if (config.etcdServers().isEmpty()) {
            rhino = RhinoServer.start(new RhinoConfig("default", null, dataDir.resolve("rhino"), List.of(),
                    null, null, null, null));
            channel = rhino.newInProcessChannel();
        } else {
            channel = etcdChannel(config.etcdServers(), config.etcdTls());
        }
        EtcdStorage storage = new EtcdStorage(channel, storageMetrics, encryption);
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("apiserver-timers").daemon().factory());
        Cachers cachers = null;
        Authorization authorization = null;
        KubernetesEndpoints endpointReconciler = null;
        try {
            cachers = new Cachers(storage, config.watchCache(), new CacherMetrics(metrics));
            ObjectMapper json = dev.kj.api.objects.Json.newTreeMapper();
            ResourceDescription namespaces = catalog.find("", "v1", "namespaces").orElseThrow();
            Map<ResourceDescription, GenericStore> stores = new LinkedHashMap<>();
            NamespaceLifecycle lookup = new NamespaceLifecycle(storage, cachers, namespaces, json);
            // the orphan and foregroundDeletion finalizers only where a garbage collector removes them
            ControllerSelection selection = ControllerSelection.parse(config.controllers());
            boolean garbageCollection = selection.enabled(KnownControllers.GARBAGE_COLLECTOR);
            ServiceAllocations allocations = new ServiceAllocations(storage, config.serviceClusterIpRange(),
                    config.serviceNodePortRange());
            allocations.ensureRanges();
            // escalation checks and NodeRestriction need the authorizer, built once the stores are
            java.util.concurrent.atomic.AtomicReference<Authorization> authz = new java.util.concurrent.atomic.AtomicReference<>();
            ResourceDescription serviceAccounts = catalog.find("", "v1", "serviceaccounts").orElseThrow();
            ResourceDescription priorityClasses = catalog.find("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow();
            Admission admission = admissionChain(() -> stores.get(serviceAccounts), () -> stores.get(priorityClasses));
            for (ResourceDescription resource : catalog.resources()) {
                if (!resource.stored()) {
                    continue; // bindings: answered by the pods store (see ApiRouter)
                }
                boolean services = resource.group().isEmpty() && resource.plural().equals("services");
                GenericStore.WriteHook hook = Authorization.writeHook(resource, services ? allocations : GenericStore.WriteHook.NONE,
                        authz::get);
                GenericStore store = new GenericStore(resource, cachers, json, Clock.systemUTC(), lookup,
                        resource == namespaces ? lookup.noticingDeletes(new NamespaceDeletion(Clock.systemUTC()))
                                : GenericStore.DeleteStage.NONE,
                        hook, garbageCollection, admission);
                stores.put(resource, store);
                cachers.start(resource.keyPrefix(), resource.qualifiedResource(), store::attributes);
            }
            ApiMetrics apiMetrics = new ApiMetrics(metrics);
            ProcessMetrics.register(metrics);
            registerBuildInfo(metrics);
            AtomicBoolean bootstrapped = new AtomicBoolean();
            Map<String, BooleanSupplier> live = new LinkedHashMap<>();
            live.put("ping", () -> true);
            live.put("etcd", () -> {
                storage.get("/registry/health");
                return true;
            });
            HealthChecks health = new HealthChecks(live, Map.of("poststarthook/bootstrap-namespaces", bootstrapped::get));
            authorization = Authorization.start(stores, catalog);
            authz.set(authorization);
            InetSocketAddress[] bound = new InetSocketAddress[1];
            AuthenticationApi.Getter objects = (plural, namespace, name) -> stores.get(
                    catalog.find("", "v1", plural).orElseThrow()).get(namespace, name);
            ServiceAccountTokens serviceAccountTokens = new ServiceAccountTokens(ServiceAccountTokens.ISSUER,
                    pki.serviceAccountKeys(), objects.lookup(), Clock.systemUTC());
            List<String> apiAudiences = List.of(ServiceAccountTokens.ISSUER);
            List<TokenAuthenticator> tokenAuthenticators = new java.util.ArrayList<>();
            if (config.tokenAuthFile() != null) {
                tokenAuthenticators.add(TokenAuthenticator.audienceAgnostic(apiAudiences, TokenFile.read(config.tokenAuthFile())));
            }
            tokenAuthenticators.add(serviceAccountTokens);
            tokenAuthenticators.add(TokenAuthenticator.audienceAgnostic(apiAudiences,
                    new BootstrapTokens(objects.lookup(), Clock.systemUTC())));
            RequestAuthenticator authenticator = new RequestAuthenticator(tokenAuthenticators, apiAudiences);
            ApiRouter router = new ApiRouter(stores, new Discovery(catalog), health, json, timers,
                    () -> bound[0].getHostString() + ":" + bound[0].getPort(), metrics, apiMetrics,
                    authorization.authorizer(), authorization.reviews(),
                    new AuthenticationApi(serviceAccountTokens, authenticator, objects, Clock.systemUTC()));
            createSystemNamespaces(stores.get(namespaces), json);
            SystemPriorityClasses.create(stores.get(priorityClasses), json);
            countObjects(timers, storage, catalog, storageMetrics);
            if (!config.compactionInterval().isZero()) {
                new Compactor(storage).start(timers, config.compactionInterval()); // stops with the timers
            }
            bootstrapped.set(true);
            HttpsServer https = HttpsServer.start(new InetSocketAddress(config.bindAddress(), config.securePort()),
                    pki.servingCert(), pki.servingKey(), pki.clientCaCert(), router, authenticator);
            bound[0] = https.address();
            GenericStore serviceStore = stores.get(catalog.find("", "v1", "services").orElseThrow());
            int port = bound[0].getPort();
            createKubernetesService(serviceStore, allocations, json, port);
            java.util.Optional<String> advertised = AdvertiseAddress.choose(config.advertiseAddress(), bound[0].getAddress());
            if (advertised.isPresent()) {
                endpointReconciler = new KubernetesEndpoints(new ApiClient(new InProcessTransport(router, API_SERVER)),
                        new MasterLeases(storage, KubernetesEndpoints.LEASE_TTL), advertised.get(), port,
                        allocations.firstAddress(), () -> createKubernetesService(serviceStore, allocations, json, port));
                endpointReconciler.start(KubernetesEndpoints.INTERVAL);
            } else {
                LOG.log(System.Logger.Level.WARNING, "no address to advertise (no --advertise-address and no non-loopback"
                        + " interface): the kubernetes Endpoints are not maintained");
            }
            GenericStore secrets = stores.get(catalog.find("", "v1", "secrets").orElseThrow());
            Path joinToken = dataDir.resolve("token");
            JoinToken.ensure(joinToken, pki.caCert(),
                    name -> {
                        try {
                            return objects.lookup().get("secrets", "kube-system", name).isPresent();
                        } catch (StatusException e) {
                            // there but unreadable (e.g. encrypted with a key no longer configured): keep it, start anyway
                            LOG.log(System.Logger.Level.WARNING, "cannot read the join token''s Secret kube-system/{0}: {1}",
                                    name, e.getMessage());
                            return true;
                        }
                    },
                    secret -> secrets.create("kube-system", secret, false));
            Path kubeconfig = dataDir.resolve("kubeconfig");
            String host = bound[0].getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound[0].getHostString();
            Kubeconfig.write(kubeconfig, "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound[0].getPort(), pki);
            LOG.log(System.Logger.Level.INFO, "API server listening on {0}, storage: {1}", bound[0],
                    config.etcdServers().isEmpty() ? "embedded rhino in " + dataDir.resolve("rhino") : config.etcdServers());
            // the controllers talk to this server through the API, in-process, with their own identity
            ControllerManager controllers = ControllerManager.start(new ControllerManager.Settings(
                    new ApiClient(new InProcessTransport(router, CONTROLLER_MANAGER)),
                    identity -> new ApiClient(new InProcessTransport(router, Authorization.kubeSystemServiceAccount(identity))),
                    selection, Clock.systemUTC(), Files.readString(pki.caCert()), serviceAccountTokens::legacy,
                    ControllerManager.defaultElection(), nodeLifecycle));
            ApiServer server = new ApiServer(rhino, storage, cachers, https, router, timers, kubeconfig, joinToken, controllers,
                    authorization, endpointReconciler);
            server.scheduler = KubeScheduler.start(new ApiClient(new InProcessTransport(router, SCHEDULER)),
                    KubeScheduler.defaultElection(), Clock.systemUTC());
            return server;
        } catch (IOException | RuntimeException e) {
            if (endpointReconciler != null) {
                endpointReconciler.close();
            }
            if (authorization != null) {
                authorization.close();
            }
            timers.shutdownNow();
            if (cachers != null) {
                cachers.close();
            }
            storage.close();
            if (rhino != null) {
                rhino.close();
            }
            throw e;
        }
    }

    /** The admission plugins kj has, in upstream's order (NamespaceLifecycle is the generic store's own check). */
    private static Admission admissionChain(java.util.function.Supplier<GenericStore> serviceAccounts,
                                            java.util.function.Supplier<GenericStore> priorityClasses) {
        return new Admission(List.of(new ServiceAccountAdmission((namespace, name) -> {
            try {
                return java.util.Optional.of(serviceAccounts.get().get(namespace, name));
            } catch (StatusException e) {
                if (e.code() == 404) {
                    return java.util.Optional.empty();
                }
                throw e;
            }
        }), new PriorityAdmission(SystemPriorityClasses.lookup(priorityClasses)),
                new DefaultTolerationSeconds()));
    }

    /** Every --etcd-servers URL, balanced and failed over as upstream's etcd client does. */
    private static ManagedChannel etcdChannel(List<URI> servers, ApiServerConfig.EtcdTls tls) throws IOException {
        return EtcdEndpoints.channel(servers, new EtcdEndpoints.Tls(tls.caFile(), tls.certFile(), tls.keyFile()));
    }

    /** How often apiserver_storage_objects is refreshed (upstream's --etcd-count-metric-poll-period default). */
    private static final java.time.Duration COUNT_PERIOD = java.time.Duration.ofMinutes(1);

    /**
     * Counts every resource's keys now and every minute, off the timer thread (a slow store must not
     * delay watch timeouts); a round still running when the next is due is not doubled.
     */
    private static void countObjects(ScheduledExecutorService timers, EtcdStorage storage, ResourceCatalog catalog,
                                     StorageMetrics metrics) {
        AtomicBoolean counting = new AtomicBoolean();
        timers.scheduleWithFixedDelay(() -> {
            if (!counting.compareAndSet(false, true)) {
                return;
            }
            Thread.ofVirtual().name("apiserver-object-count").start(() -> {
                try {
                    java.util.Set<String> counted = new java.util.HashSet<>();
                    for (ResourceDescription resource : catalog.resources()) {
                        if (!resource.stored() || !counted.add(resource.qualifiedResource())) {
                            continue; // bindings store nothing; versions sharing storage are counted once
                        }
                        long count;
                        try {
                            count = storage.count(resource.keyPrefix());
                        } catch (RuntimeException e) {
                            count = -1;
                        }
                        metrics.objectCount(resource.qualifiedResource(), count);
                    }
                } finally {
                    counting.set(false);
                }
            });
        }, 0, COUNT_PERIOD.toSeconds(), TimeUnit.SECONDS);
    }

    private static void registerBuildInfo(MetricsRegistry metrics) {
        var info = VersionInfo.json();
        metrics.register(new Gauge("kubernetes_build_info", Metric.Stability.ALPHA, "A metric with a constant '1' value"
                + " labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler"
                + " from which Kubernetes was built, and platform on which it is running.", "major", "minor",
                "git_version", "git_commit", "git_tree_state", "build_date", "go_version", "compiler", "platform"))
                .set(1, info.path("major").asText(), info.path("minor").asText(), info.path("gitVersion").asText(),
                        info.path("gitCommit").asText(), info.path("gitTreeState").asText(), info.path("buildDate").asText(),
                        info.path("goVersion").asText(), info.path("compiler").asText(), info.path("platform").asText());
    }

    private static void createSystemNamespaces(GenericStore namespaces, ObjectMapper json) {
        for (String name : SYSTEM_NAMESPACES) {
            ObjectNode namespace = json.createObjectNode();
            namespace.putObject("metadata").put("name", name);
            try {
                namespaces.create(null, namespace, false);
            } catch (StatusException e) {
                if (e.code() != 409) {
                    throw e;
                }
            }
        }
    }

    /**
     * The {@code kubernetes} Service in default with the range's first address, as upstream's
     * kubernetesservice controller makes it (and remakes it when deleted: the endpoint reconciler
     * calls this every round).
     */
    private static void createKubernetesService(GenericStore services, ServiceAllocations allocations, ObjectMapper json,
                                                int port) {
        ObjectNode service = json.createObjectNode();
        ObjectNode meta = service.putObject("metadata");
        meta.put("name", "kubernetes");
        meta.put("namespace", "default");
        meta.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
        ObjectNode spec = service.putObject("spec");
        ObjectNode https = spec.putArray("ports").addObject();
        https.put("name", "https");
        https.put("protocol", "TCP");
        https.put("port", 443);
        https.put("targetPort", port);
        spec.put("clusterIP", allocations.firstAddress());
        spec.put("sessionAffinity", "None");
        spec.put("type", "ClusterIP");
        try {
            services.get("default", "kubernetes");
            return; // a restart: it is there (and holds its address)
        } catch (StatusException e) {
            if (e.code() != 404) {
                throw e;
            }
        }
        try {
            services.create("default", service, false);
        } catch (StatusException e) {
            if (e.code() != 409) {
                throw e; // 409: another server sharing the store made it first
            }
        }
    }

    /** Where the HTTPS listener is bound. */
    public InetSocketAddress address() {
        return https.address();
    }

    /**
     * A transport straight to this server's handler chain, for components running in this process
     * (controllers, scheduler, kubelet in --all-in-one): requests are authenticated as {@code user}
     * and go through the same routes and checks as over HTTPS, without TCP or TLS.
     */
    public Transport inProcessTransport(User user) {
        return new InProcessTransport(router, user);
    }

    /** The names of the controllers running in this process. */
    public List<String> controllers() {
        return controllers.running();
    }

    /** Whether this server's scheduler holds the kube-scheduler Lease and schedules. */
    public boolean scheduling() {
        return scheduler != null && scheduler.scheduling();
    }

    /** The admin kubeconfig written into the data dir. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** The agents' join token file (k3s' node-token): {@code K10<CA hash>::<bootstrap token>}. */
    public Path joinToken() {
        return joinToken;
    }

    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (endpointReconciler != null) {
                endpointReconciler.close();
            }
            if (scheduler != null) {
                scheduler.close();
            }
            controllers.close();
            https.close();
            authorization.close();
            timers.shutdownNow();
            cachers.close();
            storage.close();
            if (rhino != null) {
                rhino.close();
            }
        } finally {
            stopped.countDown();
        }
    }
}
