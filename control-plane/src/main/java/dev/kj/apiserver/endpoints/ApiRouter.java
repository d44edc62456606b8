package dev.kj.apiserver.endpoints;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.decoding.FieldValidation;
import dev.kj.apiserver.decoding.TypedDecoder;
import dev.kj.apiserver.discovery.Discovery;
import dev.kj.apiserver.discovery.VersionInfo;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.metrics.ApiMetrics;
import dev.kj.apiserver.printers.Tables;
import dev.kj.apiserver.openapi.OpenApiHandler;
import dev.kj.apiserver.protobuf.ProtobufBodies;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ListOptions;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.ScaleSubresource;
import dev.kj.apiserver.registry.Subresource;
import dev.kj.apiserver.registry.core.pod.PodBinding;
import dev.kj.apiserver.registry.Verb;
import dev.kj.apiserver.registry.WatchEvent;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import dev.kj.apiserver.selection.FieldSelector;
import dev.kj.apiserver.selection.LabelSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The API's routes: version and health, discovery, and the REST verbs on every catalogued
 * resource. Every request is first authorized (upstream's filter order: the authenticated user,
 * or system:anonymous; impersonation; then the authorizer on the request's attributes).
 */
public final class ApiRouter {
    private static final String JSON_TYPE = "application/json";
    private static final String YAML_TYPE = "application/yaml";
    private static final java.util.Set<String> META_VERSIONS = java.util.Set.of("v1", "v1beta1");
    private static final java.util.Set<String> METADATA = java.util.Set.of(PartialMetadata.OBJECT, PartialMetadata.LIST);
    private static final java.util.Set<String> TABLE_OR_METADATA = java.util.Set.of("Table", PartialMetadata.OBJECT, PartialMetadata.LIST);
    /** Upstream's --min-request-timeout: watches without timeoutSeconds end after this. */
    private static final long DEFAULT_WATCH_SECONDS = 1800;

    private final Map<ResourceDescription, GenericStore> stores;
    private final Discovery discovery;
    private final HealthChecks health;
    private final ObjectMapper json;
    private final ScheduledExecutorService timers;
    private final Supplier<String> serverAddress;
    private final ProtobufBodies protobuf;
    private final TypedDecoder typedDecoder = new TypedDecoder();
    private final OpenApiHandler openApi;
    private final Tables tables;
    private final dev.kj.apiserver.metrics.MetricsRegistry metrics;
    private final ApiMetrics apiMetrics;
    private final dev.kj.apiserver.authz.Authorizer authorizer;
    private final dev.kj.apiserver.registry.authorization.AccessReviews reviews;
    /** TokenRequest, TokenReview and the issuer's discovery documents; null: not served. */
    private final dev.kj.apiserver.registry.authentication.AuthenticationApi authentication;
    /**
     * No document marker, as upstream; every string quoted, because Jackson's minimal quoting would
     * leave "6" and timestamps unquoted and YAML readers would take them for numbers and dates.
     */
    private final com.fasterxml.jackson.dataformat.yaml.YAMLMapper yaml = com.fasterxml.jackson.dataformat.yaml.YAMLMapper.builder()
            .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    /**
     * @param metrics served on /metrics; {@code apiMetrics} (registered in it) counts the requests
     */
    public ApiRouter(Map<ResourceDescription, GenericStore> stores, Discovery discovery, HealthChecks health,
                     ObjectMapper json, ScheduledExecutorService timers, Supplier<String> serverAddress,
                     dev.kj.apiserver.metrics.MetricsRegistry metrics, ApiMetrics apiMetrics,
                     dev.kj.apiserver.authz.Authorizer authorizer,
                     dev.kj.apiserver.registry.authorization.AccessReviews reviews) {
        this(stores, discovery, health, json, timers, serverAddress, metrics, apiMetrics, authorizer, reviews, null);
    }

    /** @param authentication serves TokenRequest, TokenReview and the OpenID discovery documents */
    public ApiRouter(Map<ResourceDescription, GenericStore> stores, Discovery discovery, HealthChecks health,
                     ObjectMapper json, ScheduledExecutorService timers, Supplier<String> serverAddress,
                     dev.kj.apiserver.metrics.MetricsRegistry metrics, ApiMetrics apiMetrics,
                     dev.kj.apiserver.authz.Authorizer authorizer,
                     dev.kj.apiserver.registry.authorization.AccessReviews reviews,
                     dev.kj.apiserver.registry.authentication.AuthenticationApi authentication) {
        this.authentication = authentication;
        this.stores = Map.copyOf(stores);
        this.authorizer = authorizer;
        this.reviews = reviews;
        this.metrics = metrics;
        this.apiMetrics = apiMetrics;
        this.discovery = discovery;
        this.health = health;
        this.json = json;
        this.timers = timers;
        this.serverAddress = serverAddress;
        this.protobuf = new ProtobufBodies(json);
        this.openApi = new OpenApiHandler(List.copyOf(this.stores.keySet()), json);
        this.tables = new Tables(json);
    }

    public ApiResponse handle(ApiRequest request) {
        long start = System.nanoTime();
        Instrumentation instrumentation = new Instrumentation();
        ApiResponse response = answer(request, instrumentation);
        if (response instanceof ApiResponse.Full full && !instrumentation.warnings.isEmpty()) {
            for (String warning : new java.util.LinkedHashSet<>(instrumentation.warnings)) {
                full = full.withHeader("Warning", warningHeader(warning));
            }
            response = full;
        }
        if (response instanceof ApiResponse.Full full && full.contentType().equals(JSON_TYPE) && wantsYaml(request)) {
            try {
                response = full.withBody(YAML_TYPE, yaml.writeValueAsBytes(json.readTree(full.body())), null);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        // promhttp compresses /metrics whatever its size; API answers only above upstream's threshold
        response = ResponseCompression.apply(request, response,
                instrumentation.metricsPage ? 0 : ResponseCompression.API_THRESHOLD_BYTES);
        // counted as sent, as upstream's response writer sees it: compressed sizes, compression in the latency
        return instrumentation.labels == null ? response : instrumented(response, instrumentation.labels, start);
    }

    /** The answer to a request whose credentials were refused: upstream's 401 Status. */
    public ApiResponse unauthorized(ApiRequest request) {
        return status(StatusException.unauthorized());
    }

    /** What the routing learnt about a request that upstream's handlers count in their metrics. */
    private static final class Instrumentation {
        ApiMetrics.Labels labels;
        boolean metricsPage;
        /** Warnings for the client (upstream's warning.AddWarning), sent as Warning headers. */
        final List<String> warnings = new java.util.ArrayList<>();
    }

    /**
     * Counts a full answer now; a stream (watch) counts as long-running while open and as a request
     * when it ends, as upstream's handlers record it after serving.
     */
    private ApiResponse instrumented(ApiResponse response, ApiMetrics.Labels labels, long start) {
        return switch (response) {
            case ApiResponse.Full full -> {
                apiMetrics.request(labels, full.status(), System.nanoTime() - start, full.body().length);
                yield full;
            }
            case ApiResponse.Stream stream -> new ApiResponse.Stream(stream.contentType(), sink -> {
                apiMetrics.longRunningStarted(labels);
                AtomicBoolean finished = new AtomicBoolean();
                Runnable finish = () -> {
                    if (finished.compareAndSet(false, true)) {
                        apiMetrics.longRunningEnded(labels);
                        apiMetrics.request(labels, 200, System.nanoTime() - start, 0);
                    }
                };
                AutoCloseable producer;
                try {
                    producer = stream.source().start(new ApiResponse.StreamSink() {
                        @Override
                        public void send(byte[] chunk) {
                            sink.send(chunk);
                        }

                        @Override
                        public void end() {
                            finish.run();
                            sink.end();
                        }
                    });
                } catch (RuntimeException e) {
                    finish.run();
                    throw e;
                }
                return () -> {
                    try {
                        producer.close();
                    } finally {
                        finish.run();
                    }
                };
            });
        };
    }

    /** YAML when the client's first media type we can serve is application/yaml (watches stay JSON). */
    private static boolean wantsYaml(ApiRequest request) {
        for (String range : request.header("accept").split(",")) {
            String type = range.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
            if (type.equals(YAML_TYPE)) {
                return true;
            }
            if (type.equals(JSON_TYPE) || type.equals("*/*") || type.equals("application/*")) {
                return false;
            }
        }
        return false;
    }

    private ApiResponse answer(ApiRequest request, Instrumentation instrumentation) {
        try {
            return route(request, instrumentation);
        } catch (StatusException e) {
            return status(e);
        } catch (RuntimeException e) {
            System.getLogger(ApiRouter.class.getName()).log(System.Logger.Level.ERROR,
                    "request " + request.method() + " " + request.path() + " failed", e);
            return status(StatusException.internal(String.valueOf(e.getMessage())));
        }
    }

    /**
     * Authorizes the request as its user (system:anonymous when there is none), after applying
     * impersonation headers; the rest of the routing runs as the resulting user.
     */
    private ApiResponse route(ApiRequest request, Instrumentation instrumentation) {
        dev.kj.apiserver.authn.User user = request.user().orElse(dev.kj.apiserver.authn.Anonymous.USER);
        dev.kj.apiserver.authz.Impersonation.Request impersonation = dev.kj.apiserver.authz.Impersonation.parse(request.headers());
        if (impersonation.any()) {
            user = dev.kj.apiserver.authz.Impersonation.impersonate(user, impersonation, authorizer);
        }
        dev.kj.apiserver.authz.RequestAttributes attributes = dev.kj.apiserver.authz.RequestAttributes.of(request, user);
        dev.kj.apiserver.authz.Authorizer.Decision decision = authorizer.authorize(attributes);
        if (!decision.allowed()) {
            throw dev.kj.apiserver.authz.Forbidden.of(attributes, decision.reason());
        }
        ApiRequest authorized = new ApiRequest(request.method(), request.path(), request.query(), request.headers(),
                request.body(), Optional.of(user));
        return dev.kj.apiserver.authz.RequestUser.as(user, () -> routeAuthorized(authorized, instrumentation));
    }

    private ApiResponse routeAuthorized(ApiRequest request, Instrumentation instrumentation) {
        String path = request.path().length() > 1 && request.path().endsWith("/")
                ? request.path().substring(0, request.path().length() - 1) : request.path();
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        boolean get = request.method().equals("GET") || request.method().equals("HEAD");
        if (get && segments.size() >= 1 && List.of("healthz", "livez", "readyz").contains(segments.getFirst())) {
            if (segments.size() == 1) { // upstream instruments the root checks only, with no component
                instrumentation.labels = new ApiMetrics.Labels("GET", dryRunLabel(request), "", "", "", path, "", "");
            }
            return health.answer(segments.getFirst(), request.query().containsKey("verbose"));
        }
        if (get && path.equals("/version")) {
            return ok(VersionInfo.json());
        }
        if (get && authentication != null && path.equals("/.well-known/openid-configuration")) {
            // authorized as upstream: RBAC's system:service-account-issuer-discovery (service accounts) reads them
            return ((ApiResponse.Full) ok(authentication.openIdConfiguration(serverAddress.get()))).withHeader("Cache-Control", "public, max-age=3600");
        }
        if (get && authentication != null && path.equals("/openid/v1/jwks")) {
            return ((ApiResponse.Full) respond(200, "application/jwk-set+json", authentication.jwks())).withHeader("Cache-Control", "public, max-age=3600");
        }
        if (path.equals("/metrics")) {
            // for those RBAC allows the path (system:monitoring); every method is served as promhttp
            // does, and DELETE resets, as kube-apiserver with profiling on
            instrumentation.metricsPage = true;
            if (request.method().equals("DELETE")) {
                metrics.reset();
                return ApiResponse.Full.text(200, "metrics reset\n");
            }
            return new ApiResponse.Full(200, dev.kj.apiserver.metrics.MetricsRegistry.CONTENT_TYPE,
                    metrics.scrape().getBytes(StandardCharsets.UTF_8));
        }
        Optional<ApiResponse> openApiDocument = openApi.answer(request, path);
        if (openApiDocument.isPresent()) {
            return openApiDocument.get();
        }
        if (segments.isEmpty() || !(segments.getFirst().equals("api") || segments.getFirst().equals("apis"))) {
            throw StatusException.pathNotFound();
        }
        boolean core = segments.getFirst().equals("api");
        int groupVersionLength = core ? 2 : 3;
        if (segments.size() < groupVersionLength) {
            if (!get) {
                throw StatusException.pathNotFound();
            }
            if (segments.size() == 1) {
                // kubectl 1.27+ asks for aggregated discovery first; the Content-Type names what it got
                Optional<String> aggregated = Negotiation.transformation(request, "APIGroupDiscoveryList",
                        "apidiscovery.k8s.io", java.util.Set.of("v2", "v2beta1"), true);
                if (aggregated.isPresent()) {
                    instrumentation.labels = new ApiMetrics.Labels("GET", dryRunLabel(request), "", "", "", path, "",
                            ApiMetrics.COMPONENT);
                    return aggregatedDiscovery(request, core, aggregated.get());
                }
                return ok(core ? discovery.apiVersions(serverAddress.get()) : discovery.groupList());
            }
            return ok(discovery.group(segments.get(1)).orElseThrow(StatusException::pathNotFound));
        }
        String group = core ? "" : segments.get(1);
        String version = segments.get(groupVersionLength - 1);
        List<String> rest = segments.subList(groupVersionLength, segments.size());
        if (rest.isEmpty()) {
            if (!get) {
                throw StatusException.pathNotFound();
            }
            return ok(discovery.resourceList(group, version).orElseThrow(StatusException::pathNotFound));
        }
        return resource(request, group, version, rest, instrumentation);
    }

    /** {@code <plural>[/<name>]} or {@code namespaces/<ns>/<plural>[/<name>]}. */
    private ApiResponse resource(ApiRequest request, String group, String version, List<String> rest,
                                 Instrumentation instrumentation) {
        // namespaces/<name>/status and namespaces/<name>/finalize are a namespace's own subresources
        boolean namespaceSubresource = group.isEmpty() && rest.size() == 3 && rest.getFirst().equals("namespaces")
                && (rest.get(2).equals("status") || rest.get(2).equals("finalize"));
        boolean inNamespace = rest.getFirst().equals("namespaces") && rest.size() >= 3 && !namespaceSubresource;
        String namespace = inNamespace ? rest.get(1) : null;
        List<String> tail = inNamespace ? rest.subList(2, rest.size()) : rest;
        if (tail.size() > 3) {
            throw StatusException.pathNotFound();
        }
        if (group.isEmpty() && version.equals("v1") && tail.getFirst().equals("bindings") && tail.size() == 1
                && namespace != null) {
            // POST bindings: the pod is named by the Binding (upstream's legacy bindings resource)
            if (!request.method().equals("POST")) {
                throw StatusException.methodNotSupported("bindings", request.method().toLowerCase(java.util.Locale.ROOT));
            }
            return respond(201, podBinding().bind(namespace, null, bodyObject(request, "v1", "Binding", instrumentation), dryRun(request)));
        }
        if (tail.size() == 1 && dev.kj.apiserver.registry.authorization.AccessReviews.serves(group, version, tail.getFirst())) {
            if (!request.method().equals("POST")) {
                throw new StatusException(405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource", null);
            }
            String kind = dev.kj.apiserver.registry.authorization.AccessReviews.resources().stream()
                    .filter(r -> r.plural().equals(tail.getFirst())).findFirst().orElseThrow().kind();
            ObjectNode body = bodyObject(request, group + "/" + version, kind, instrumentation);
            return respond(201, reviews.create(tail.getFirst(), namespace, body, request.user().orElseThrow()));
        }
        if (authentication != null && group.equals("authentication.k8s.io") && version.equals("v1")
                && tail.getFirst().equals("tokenreviews") && tail.size() == 1 && namespace == null) {
            if (!request.method().equals("POST")) {
                throw StatusException.methodNotSupported("tokenreviews", request.method().toLowerCase(java.util.Locale.ROOT));
            }
            return respond(201, authentication.tokenReview(bodyObject(request, "authentication.k8s.io/v1", "TokenReview", instrumentation)));
        }
        ResourceDescription resource = stores.keySet().stream()
                .filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(tail.getFirst()))
                .findFirst().orElseThrow(StatusException::pathNotFound);
        if (namespace != null && !resource.namespaced()) {
            throw StatusException.pathNotFound();
        }
        String name = tail.size() >= 2 ? tail.get(1) : null;
        if (name != null && resource.namespaced() && namespace == null) {
            throw StatusException.pathNotFound();
        }
        GenericStore store = stores.get(resource);
        String subresource = tail.size() == 3 ? tail.get(2) : "";
        if (subresource.isEmpty() || (subresource.equals("status") && resource.statusSubresource())
                || (subresource.equals("scale") && resource.scaleSubresource())
                || (subresource.equals("finalize") && resource.has(Subresource.FINALIZE))) {
            instrumentation.labels = labels(request, resource, subresource, namespace, name);
        }
        // a DELETE's dryRun is one of its DeleteOptions, validated with them
        boolean dryRun = !request.method().equals("DELETE") && dryRun(request);
        // only get, list and watch of the resource itself render as Tables, as upstream; any answer
        // may be asked for as PartialObjectMetadata(List)
        boolean readsResource = tail.size() < 3 && (request.method().equals("GET") || request.method().equals("HEAD"));
        Optional<Negotiation.Target> target = Negotiation.transformation(request,
                readsResource ? TABLE_OR_METADATA : METADATA, "meta.k8s.io", META_VERSIONS);
        if (target.isPresent() && target.get().kind().equals("Table")) {
            return table(request, resource, store, namespace, name, target.get().version());
        }
        UnaryOperator<ObjectNode> shape = target.map(t -> PartialMetadata.shaper(resource, t.kind(), t.version()))
                .orElse(UnaryOperator.identity());
        if (tail.size() == 3 && tail.get(2).equals("scale") && resource.scaleSubresource()) {
            ScaleSubresource scale = new ScaleSubresource(store);
            return switch (request.method()) {
                case "GET", "HEAD" -> ok(shape.apply(scale.get(namespace, name)));
                case "PUT" -> ok(shape.apply(scale.update(namespace, name, bodyObject(request, "autoscaling/v1", "Scale", instrumentation),
                        dryRun, fieldManager(request))));
                case "PATCH" -> ok(shape.apply(scale.patch(namespace, name, patchType(request, scale.type()), patchBody(request), dryRun,
                        patchedObject(request, "autoscaling/v1", "Scale", instrumentation), fieldManager(request))));
                default -> throw StatusException.methodNotSupported(resource.plural() + "/scale",
                        request.method().toLowerCase(java.util.Locale.ROOT));
            };
        }
        if (tail.size() == 3 && tail.get(2).equals("binding") && resource.has(Subresource.BINDING)) {
            if (!request.method().equals("POST")) {
                throw new StatusException(405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource", null);
            }
            return respond(201, podBinding().bind(namespace, name, bodyObject(request, "v1", "Binding", instrumentation), dryRun));
        }
        if (tail.size() == 3 && tail.get(2).equals("token") && resource.has(Subresource.TOKEN) && authentication != null) {
            if (!request.method().equals("POST")) {
                throw new StatusException(405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource", null);
            }
            ObjectNode tokenRequest = bodyObject(request, "authentication.k8s.io/v1", "TokenRequest", instrumentation);
            GenericStore pods = stores.entrySet().stream().filter(e -> e.getKey().group().isEmpty()
                    && e.getKey().plural().equals("pods")).map(Map.Entry::getValue).findFirst().orElseThrow();
            dev.kj.apiserver.authz.node.NodeRestriction.admitTokenRequest(namespace, name, tokenRequest, pods::get);
            return respond(201, authentication.tokenRequest(namespace, name, tokenRequest, instrumentation.warnings));
        }
        if (tail.size() == 3 && tail.get(2).equals("finalize") && resource.has(Subresource.FINALIZE)) {
            // upstream's FinalizeREST is an Updater only: PUT
            if (!request.method().equals("PUT")) {
                throw new StatusException(405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource", null);
            }
            return ok(shape.apply(store.update(namespace, name, GenericStore.Part.FINALIZE,
                    bodyObject(request, resource.apiVersion(), resource.kind(), instrumentation), dryRun)));
        }
        if (tail.size() == 3) {
            GenericStore.Part part = switch (tail.get(2)) {
                case "status" -> resource.statusSubresource() ? GenericStore.Part.STATUS : null;
                case "approval" -> resource.has(Subresource.APPROVAL) ? GenericStore.Part.APPROVAL : null;
                default -> null;
            };
            if (part == null) {
                throw StatusException.pathNotFound();
            }
            return switch (request.method()) {
                case "GET", "HEAD" -> ok(shape.apply(store.get(namespace, name, request.param("resourceVersion", ""))));
                case "PUT" -> ok(shape.apply(store.update(namespace, name, part, bodyObject(request, resource.apiVersion(), resource.kind(), instrumentation), dryRun,
                        fieldManager(request))));
                case "PATCH" -> patchOrApply(request, resource, store, namespace, name, part, dryRun, shape, instrumentation);
                default -> throw StatusException.methodNotSupported(resource.plural() + "/" + tail.get(2),
                        request.method().toLowerCase(java.util.Locale.ROOT));
            };
        }
        return switch (request.method()) {
            case "GET", "HEAD" -> {
                if (name != null) {
                    allow(resource, Verb.GET, "get");
                    yield ok(shape.apply(store.get(namespace, name, request.param("resourceVersion", ""))));
                }
                ListOptions options = listOptions(request, store);
                if (isTrue(request.param("watch", "false"))) {
                    allow(resource, Verb.WATCH, "watch");
                    if (target.isEmpty()) {
                        yield watch(request, store, namespace, options);
                    }
                    PartialMetadata.checkWatchable(resource, target.get().kind());
                    yield watch(request, store, namespace, options, event -> {
                        if (!event.path("type").asText().equals("ERROR")) {
                            event.set("object", shape.apply((ObjectNode) event.path("object")));
                        }
                        return event;
                    });
                }
                allow(resource, Verb.LIST, "list");
                yield ok(shape.apply(store.list(namespace, options)));
            }
            case "POST" -> {
                if (name != null) {
                    throw StatusException.methodNotSupported(resource.plural(), "create");
                }
                allow(resource, Verb.CREATE, "create");
                yield respond(201, shape.apply(store.create(namespace, bodyObject(request, resource.apiVersion(), resource.kind(), instrumentation), dryRun,
                        request.user().orElse(null), fieldManager(request))));
            }
            case "PUT" -> {
                if (name == null) {
                    throw StatusException.methodNotSupported(resource.plural(), "update");
                }
                allow(resource, Verb.UPDATE, "update");
                yield ok(shape.apply(store.update(namespace, name, GenericStore.Part.MAIN, bodyObject(request, resource.apiVersion(), resource.kind(), instrumentation), dryRun,
                        fieldManager(request))));
            }
            case "PATCH" -> {
                if (name == null) {
                    throw StatusException.methodNotSupported(resource.plural(), "patch");
                }
                allow(resource, Verb.PATCH, "patch");
                yield patchOrApply(request, resource, store, namespace, name, GenericStore.Part.MAIN, dryRun, shape, instrumentation);
            }
            case "DELETE" -> {
                if (name == null) {
                    allow(resource, Verb.DELETECOLLECTION, "deletecollection");
                    ListOptions selection = listOptions(request, store);
                    yield ok(shape.apply(store.deleteCollection(namespace, selection, deleteOptions(request, resource))));
                }
                allow(resource, Verb.DELETE, "delete");
                DeleteOptions options = deleteOptions(request, resource);
                if (resource.group().isEmpty() && (resource.plural().equals("pods") || resource.plural().equals("nodes"))
                        && request.user().flatMap(dev.kj.apiserver.authz.node.NodeIdentity::nodeName).isPresent()) {
                    dev.kj.apiserver.authz.node.NodeRestriction.admitDelete(resource.plural(), store.get(namespace, name));
                }
                GenericStore.DeleteResult outcome = store.delete(namespace, name, options);
                // upstream answers 202 only for an object left in place after orphanDependents=false
                boolean accepted = !outcome.deleted() && options.orphanDependents().equals(Optional.of(false));
                yield respond(accepted ? 202 : 200, shape.apply(outcome.body()));
            }
            default -> throw new StatusException(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", null);
        };
    }

    /** get, list or watch answered as meta.k8s.io Tables. */
    private ApiResponse table(ApiRequest request, ResourceDescription resource, GenericStore store, String namespace,
                              String name, String version) {
        Tables.Include include = Tables.Include.parse(request.param("includeObject", ""));
        if (include == null) {
            throw StatusException.badRequest("includeObject: Unsupported value: \"" + request.param("includeObject", "")
                    + "\": supported values: \"None\", \"Metadata\", \"Object\"");
        }
        if (name != null) {
            allow(resource, Verb.GET, "get");
            return ok(asTable(resource, store.get(namespace, name, request.param("resourceVersion", "")), include, version));
        }
        ListOptions options = listOptions(request, store);
        if (isTrue(request.param("watch", "false"))) {
            allow(resource, Verb.WATCH, "watch");
            // each event's object becomes a one-row Table; ERROR events keep their Status
            return watch(request, store, namespace, options, event -> {
                if (!event.path("type").asText().equals("ERROR")) {
                    event.set("object", asTable(resource, event.path("object"), include, version));
                }
                return event;
            });
        }
        allow(resource, Verb.LIST, "list");
        return ok(asTable(resource, store.list(namespace, options), include, version));
    }

    private ObjectNode asTable(ResourceDescription resource, JsonNode objectOrList, Tables.Include include, String version) {
        return tables.table(resource.printer(), resource.apiVersion(), resource.kind(), objectOrList, include, version,
                Instant.now());
    }

    private ApiResponse watch(ApiRequest request, GenericStore store, String namespace, ListOptions options) {
        return watch(request, store, namespace, options, UnaryOperator.identity());
    }

    /** A watch event's line as sent, with the type it was made for (the same object may be ADDED for one watcher, MODIFIED for another). */
    private record EventLine(String type, byte[] line) {
    }

    /** The lines of recent events: watchers of the same resource are sent the same object, serialized once. */
    private final dev.kj.apiserver.registry.IdentityMemo<ObjectNode, EventLine> eventLines =
            new dev.kj.apiserver.registry.IdentityMemo<>(64);

    private byte[] eventLine(WatchEvent event, java.util.function.UnaryOperator<ObjectNode> transform) {
        boolean shared = event instanceof WatchEvent.Added || event instanceof WatchEvent.Modified
                || event instanceof WatchEvent.Deleted;
        if (!shared) {
            return line(transform.apply(event.toJson()));
        }
        if (transform != UnaryOperator.<ObjectNode>identity()) {
            // the object is shared with other watchers: a transform works on its own copy
            ObjectNode wire = event.toJson();
            wire.set("object", event.object().deepCopy());
            return line(transform.apply(wire));
        }
        EventLine cached = eventLines.get(event.object(), object -> new EventLine(event.type(), line(event.toJson())));
        return cached.type().equals(event.type()) ? cached.line() : line(event.toJson());
    }

    private ApiResponse watch(ApiRequest request, GenericStore store, String namespace, ListOptions options,
                              java.util.function.UnaryOperator<ObjectNode> transform) {
        long timeout = parseLong(request.param("timeoutSeconds", ""), DEFAULT_WATCH_SECONDS);
        return new ApiResponse.Stream(JSON_TYPE, sink -> {
            AtomicBoolean ended = new AtomicBoolean();
            var watch = store.watch(namespace, options, event -> {
                if (ended.get()) {
                    return;
                }
                if (event instanceof WatchEvent.End) { // ended on purpose: the client watches again
                    if (ended.compareAndSet(false, true)) {
                        sink.end();
                    }
                    return;
                }
                byte[] line = eventLine(event, transform);
                apiMetrics.watchEvent(store.resource().group(), store.resource().version(), store.resource().kind(),
                        line.length);
                sink.send(line);
                if (event instanceof WatchEvent.Error && ended.compareAndSet(false, true)) {
                    sink.end();
                }
            });
            ScheduledFuture<?> timer = timers.schedule(() -> {
                if (ended.compareAndSet(false, true)) {
                    watch.close();
                    sink.end();
                }
            }, Math.max(timeout, 1), TimeUnit.SECONDS);
            return () -> {
                ended.set(true);
                timer.cancel(false);
                watch.close();
            };
        });
    }

    /** The labels upstream's installer and MonitorRequest give a request to a served resource. */
    private static ApiMetrics.Labels labels(ApiRequest request, ResourceDescription resource, String subresource,
                                            String namespace, String name) {
        String method = request.method().equals("HEAD") ? "GET" : request.method();
        String scope = name != null || method.equals("POST") ? "resource" : namespace != null ? "namespace" : "cluster";
        String verb = switch (method) {
            case "GET" -> {
                String watch = request.param("watch", "").toLowerCase(java.util.Locale.ROOT);
                if (request.query().containsKey("watch") && !watch.equals("0") && !watch.equals("false")) {
                    yield "WATCH";
                }
                yield scope.equals("resource") ? "GET" : "LIST";
            }
            case "PATCH" -> request.header("content-type").equals("application/apply-patch+yaml") ? "APPLY" : "PATCH";
            case "POST", "PUT", "DELETE" -> method;
            default -> "other";
        };
        return new ApiMetrics.Labels(verb, dryRunLabel(request), resource.group(), resource.version(), resource.plural(),
                subresource, scope, ApiMetrics.COMPONENT);
    }

    /** The query's dryRun values, sorted and deduplicated; "invalid" when one is not All (upstream's cleanDryRun). */
    private static String dryRunLabel(ApiRequest request) {
        List<String> values = request.query().getOrDefault("dryRun", List.of());
        if (values.stream().anyMatch(value -> !value.equals("All"))) {
            return "invalid";
        }
        return String.join(",", new java.util.TreeSet<>(values));
    }

    private ListOptions listOptions(ApiRequest request, GenericStore store) {
        LabelSelector labels = LabelSelector.parse(request.param("labelSelector", ""));
        FieldSelector fields = FieldSelector.parse(request.param("fieldSelector", ""));
        String match = request.param("resourceVersionMatch", "");
        if (!match.isEmpty() && !match.equals("NotOlderThan") && !match.equals("Exact")) {
            throw StatusException.badRequest("resourceVersionMatch: Unsupported value: \"" + match
                    + "\": supported values: \"Exact\", \"NotOlderThan\"");
        }
        String initialEvents = request.param("sendInitialEvents", "");
        ListOptions options = new ListOptions(labels, fields, request.param("resourceVersion", ""), match,
                parseLong(request.param("limit", ""), 0), request.param("continue", ""),
                isTrue(request.param("allowWatchBookmarks", "false")),
                initialEvents.isEmpty() ? null : isTrue(initialEvents));
        checkWatchOptions(options, isTrue(request.param("watch", "false")));
        store.checkSelectable(fields);
        return options;
    }

    /** Upstream's rules for sendInitialEvents and resourceVersionMatch on watches (a 422 on ListOptions.meta.k8s.io). */
    private static void checkWatchOptions(ListOptions options, boolean watch) {
        List<StatusException.Cause> causes = new java.util.ArrayList<>();
        String match = options.resourceVersionMatch();
        if (!watch) {
            if (options.sendInitialEvents() != null) {
                causes.add(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
            }
        } else {
            if (options.sendInitialEvents() != null && !match.equals("NotOlderThan")) {
                causes.add(forbidden("resourceVersionMatch",
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
            }
            if (!match.isEmpty() && options.sendInitialEvents() == null) {
                causes.add(forbidden("resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            }
            if (!match.isEmpty() && !match.equals("NotOlderThan")) {
                causes.add(new StatusException.Cause("FieldValueNotSupported", "resourceVersionMatch: Unsupported value: \""
                        + match + "\": supported values: \"NotOlderThan\"", "resourceVersionMatch"));
            }
        }
        if (!causes.isEmpty()) {
            throw StatusException.invalid("ListOptions", "meta.k8s.io", "", causes);
        }
    }

    private static StatusException.Cause forbidden(String field, String detail) {
        return new StatusException.Cause("FieldValueForbidden", field + ": Forbidden: " + detail, field);
    }

    /**
     * DeleteOptions from the body when there is one (JSON, YAML or protobuf; the query is then
     * ignored, as upstream), else from the query; validated with upstream's texts.
     */
    private DeleteOptions deleteOptions(ApiRequest request, ResourceDescription resource) {
        if (request.body().length == 0) {
            return DeleteOptions.fromQuery(request.query()).validated();
        }
        String type = request.header("content-type");
        JsonNode body;
        if (type.startsWith(ProtobufBodies.MEDIA_TYPE)) {
            // typed clients (kubectl 1.32+ drain, debug) send DeleteOptions as protobuf
            body = protobuf.decode(request.body(), resource.apiVersion(), "DeleteOptions");
        } else if (type.isEmpty() || type.startsWith("application/json") || type.startsWith(YAML_TYPE)) {
            try {
                body = type.startsWith(YAML_TYPE) ? yaml.readTree(request.body()) : json.readTree(request.body());
            } catch (IOException e) {
                // the delete handler passes decoding errors on unchanged: a 500 without a reason
                throw new StatusException(500, null, "couldn't get version/kind; json parse error: "
                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException parse
                        ? parse.getOriginalMessage() : e.getMessage()), null);
            }
        } else {
            throw StatusException.unsupportedMediaType("application/json, application/yaml, " + ProtobufBodies.MEDIA_TYPE);
        }
        return DeleteOptions.fromBody(body).validated();
    }

    /**
     * A PATCH: server-side apply for {@code application/apply-patch+yaml} (201 when it created the
     * object), else a merge or JSON patch recorded as an Update by the request's field manager.
     */
    private ApiResponse patchOrApply(ApiRequest request, ResourceDescription resource, GenericStore store,
                                     String namespace, String name, GenericStore.Part part, boolean dryRun,
                                     UnaryOperator<ObjectNode> shape, Instrumentation instrumentation) {
        boolean apply = mediaType(request).equals(APPLY_PATCH_TYPE);
        checkPatchOptions(request, apply);
        if (!apply) {
            return ok(shape.apply(store.patch(namespace, name, part, patchType(request, store.type()), patchBody(request), dryRun,
                    patchedObject(request, resource.apiVersion(), resource.kind(), instrumentation), fieldManager(request))));
        }
        JsonNode config;
        try {
            config = yaml.readTree(request.body());
        } catch (IOException e) {
            throw StatusException.badRequest("error decoding YAML: " + e.getMessage());
        }
        if (!(config instanceof ObjectNode object)) {
            throw StatusException.badRequest("error decoding YAML: the apply configuration is not an object");
        }
        ObjectNode decoded = patchedObject(request, resource.apiVersion(), resource.kind(), instrumentation).apply(object);
        GenericStore.Applied applied = store.apply(namespace, name, part, decoded, request.param("fieldManager", ""),
                isTrue(request.param("force", "false")), dryRun);
        return respond(applied.created() ? 201 : 200, shape.apply(applied.object()));
    }

    private static final String APPLY_PATCH_TYPE = "application/apply-patch+yaml";

    private static String mediaType(ApiRequest request) {
        String type = request.header("content-type");
        int semicolon = type.indexOf(';');
        return (semicolon >= 0 ? type.substring(0, semicolon) : type).trim();
    }

    /** Upstream's PatchOptions validation: an apply names its field manager; only an apply may force. */
    private static void checkPatchOptions(ApiRequest request, boolean apply) {
        List<StatusException.Cause> causes = new java.util.ArrayList<>();
        String manager = request.param("fieldManager", "");
        if (apply && manager.isEmpty()) {
            causes.add(new StatusException.Cause("FieldValueRequired", "fieldManager: Required value: is required for apply patch",
                    "fieldManager"));
        }
        if (!apply && request.query().containsKey("force")) {
            causes.add(new StatusException.Cause("FieldValueForbidden", "force: Forbidden: may not be specified for non-apply patch",
                    "force"));
        }
        if (manager.length() > MAX_FIELD_MANAGER) {
            causes.add(new StatusException.Cause("FieldValueTooLong", "fieldManager: Too long: may not be more than "
                    + MAX_FIELD_MANAGER + " bytes", "fieldManager"));
        }
        if (!causes.isEmpty()) {
            throw StatusException.invalid("PatchOptions", "meta.k8s.io", "", causes);
        }
    }

    private static final int MAX_FIELD_MANAGER = 128;

    /**
     * Who a write is recorded for in managedFields: the fieldManager parameter, else the
     * User-Agent up to its first '/' (printable characters only, at most 128), as upstream.
     */
    static String fieldManager(ApiRequest request) {
        String given = request.param("fieldManager", "");
        if (!given.isEmpty()) {
            return given;
        }
        String agent = request.header("user-agent");
        int slash = agent.indexOf('/');
        StringBuilder out = new StringBuilder();
        (slash >= 0 ? agent.substring(0, slash) : agent).codePoints()
                .filter(c -> !Character.isISOControl(c) && Character.isDefined(c))
                .forEachOrdered(c -> {
                    if (out.length() < MAX_FIELD_MANAGER) {
                        out.appendCodePoint(c);
                    }
                });
        return out.toString();
    }

    private static boolean dryRun(ApiRequest request) {
        List<String> values = request.query().getOrDefault("dryRun", List.of());
        for (String value : values) {
            if (!value.equals("All")) {
                throw StatusException.badRequest("dryRun: Unsupported value: \"" + value + "\": supported values: \"All\"");
            }
        }
        return !values.isEmpty();
    }

    /** The request's patch type among those the endpoint's kind accepts; any other media type is 415. */
    private static GenericStore.PatchType patchType(ApiRequest request, Optional<Type> kind) {
        String type = request.header("content-type");
        int semicolon = type.indexOf(';');
        String mediaType = (semicolon >= 0 ? type.substring(0, semicolon) : type).trim();
        List<GenericStore.PatchType> accepted = GenericStore.PatchType.acceptedFor(kind);
        return accepted.stream().filter(patchType -> patchType.mediaType().equals(mediaType)).findFirst()
                .orElseThrow(() -> StatusException.unsupportedMediaType(java.util.stream.Stream.concat(accepted.stream()
                        .map(GenericStore.PatchType::mediaType), kind.stream().map(k -> APPLY_PATCH_TYPE))
                        .collect(Collectors.joining(", "))));
    }

    /**
     * A request body that must be an object of the endpoint's kind, decoded as upstream decodes it
     * into the Go type: unknown fields dropped and, unless fieldValidation=Ignore, reported (Strict:
     * 400; Warn, the default: Warning headers). A protobuf body is decoded as the endpoint's
     * apiVersion and kind (its wire has no unknown fields to report).
     */
    private ObjectNode bodyObject(ApiRequest request, String apiVersion, String kind, Instrumentation instrumentation) {
        String type = request.header("content-type");
        if (type.startsWith(ProtobufBodies.MEDIA_TYPE)) {
            return protobuf.decode(request.body(), apiVersion, kind);
        }
        if (!type.isEmpty() && !type.startsWith("application/json") && !type.startsWith("*/*")
                && !type.startsWith(YAML_TYPE)) {
            throw StatusException.unsupportedMediaType("application/json, application/yaml, " + ProtobufBodies.MEDIA_TYPE);
        }
        FieldValidation directive = FieldValidation.of(request.query(),
                request.method().equals("POST") ? "CreateOptions" : "UpdateOptions");
        Optional<Type> model = TypeModel.get().kind(apiVersion, kind);
        if (model.isEmpty()) {
            return untypedBodyObject(request);
        }
        TypedDecoder.Result decoded;
        try (JsonParser parser = type.startsWith(YAML_TYPE) ? yaml.createParser(request.body()) : json.createParser(request.body())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return untypedBodyObject(request);
            }
            decoded = typedDecoder.decodeKind(parser, model.get());
        } catch (IOException e) {
            throw StatusException.badRequest("couldn't get version/kind; json parse error: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException parse ? parse.getOriginalMessage() : e.getMessage()));
        }
        if (decoded.typeError().isPresent()) {
            // a value Go cannot store fails the decode before any strict-decoding error counts
            String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
            throw StatusException.badRequest(kind + " in version \"" + version + "\" cannot be handled as a " + kind
                    + ": " + decoded.typeError().get());
        }
        if (directive.collects() && !decoded.errors().isEmpty()) {
            if (directive == FieldValidation.STRICT) {
                String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
                throw StatusException.badRequest(kind + " in version \"" + version + "\" cannot be handled as a " + kind
                        + ": strict decoding error: " + String.join(", ", decoded.errors()));
            }
            instrumentation.warnings.addAll(decoded.errors());
        }
        return (ObjectNode) decoded.value();
    }

    private ObjectNode untypedBodyObject(ApiRequest request) {
        if (!(body(request) instanceof ObjectNode object)) {
            throw StatusException.badRequest("Object 'Kind' is missing in '" + new String(request.body(), StandardCharsets.UTF_8) + "'");
        }
        return object;
    }

    /**
     * What a merge or JSON patch leaves, decoded as upstream decodes the patched JSON into the Go
     * type: unknown fields dropped, and with Strict or Warn the patch's own duplicate fields (and a
     * JSON patch's unknown operation fields) plus the patched object's unknown fields reported —
     * 422 on "patch" for Strict, Warning headers for Warn.
     */
    private UnaryOperator<ObjectNode> patchedObject(ApiRequest request, String apiVersion, String kind,
                                                    Instrumentation instrumentation) {
        FieldValidation directive = FieldValidation.of(request.query(), "PatchOptions");
        Optional<Type> model = TypeModel.get().kind(apiVersion, kind);
        List<String> patchErrors = directive.collects() ? patchStrictErrors(request) : List.of();
        return patched -> {
            if (model.isEmpty()) {
                return patched;
            }
            TypedDecoder.Result decoded = typedDecoder.decodeKind(json, patched, model.get());
            if (decoded.typeError().isPresent() && mergeOrJsonPatch(request)) {
                // upstream decodes the patched JSON into the Go type and reports its error on "patch"
                throw StatusException.invalid("", "", "", List.of(new StatusException.Cause("FieldValueInvalid",
                        "patch: Invalid value: " + quotedJson(patched) + ": " + decoded.typeError().get(), "patch")));
            }
            if (decoded.conversionError().isPresent()
                    && request.header("content-type").startsWith("application/strategic-merge-patch+json")) {
                // a strategic merge takes a value of the wrong kind as it is; converting the merged map into
                // the Go type then fails, reported on "patch" with the patch map as Go's %+v prints it
                throw StatusException.invalid("", "", "", List.of(new StatusException.Cause("FieldValueInvalid",
                        "patch: Invalid value: " + dev.kj.apiserver.validation.GoValues.quote(
                                dev.kj.apiserver.patch.strategic.StrategicMergePatch.printed(body(request)))
                                + ": " + decoded.conversionError().get(), "patch")));
            }
            List<String> errors = new java.util.ArrayList<>(patchErrors);
            errors.addAll(decoded.errors());
            if (directive.collects() && !errors.isEmpty()) {
                if (directive == FieldValidation.STRICT) {
                    String message = "patch: Invalid value: " + quotedJson(patched) + ": strict decoding error: "
                            + String.join(", ", errors);
                    throw StatusException.invalid("", "", "", List.of(new StatusException.Cause("FieldValueInvalid", message, "patch")));
                }
                instrumentation.warnings.clear(); // a retried patch reports its last attempt only
                instrumentation.warnings.addAll(errors);
            }
            return (ObjectNode) decoded.value();
        };
    }

    /** The patched object's JSON as a quoted string (Go's %q of it in field.Invalid). */
    private String quotedJson(ObjectNode patched) {
        try {
            return json.writeValueAsString(json.writeValueAsString(patched));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean mergeOrJsonPatch(ApiRequest request) {
        String type = request.header("content-type");
        return type.startsWith("application/json-patch+json") || type.startsWith("application/merge-patch+json");
    }

    /** The strict errors of a merge, strategic merge or JSON patch document itself (duplicates; a JSON patch's unknown op fields). */
    private List<String> patchStrictErrors(ApiRequest request) {
        String type = request.header("content-type");
        boolean jsonPatch = type.startsWith("application/json-patch+json");
        if (!jsonPatch && !type.startsWith("application/merge-patch+json")
                && !type.startsWith("application/strategic-merge-patch+json")) {
            return List.of();
        }
        try (JsonParser parser = json.createParser(request.body())) {
            parser.nextToken();
            if (!jsonPatch) {
                return typedDecoder.decodeUntyped(parser).errors();
            }
            return typedDecoder.decodeOperations(parser).errors().stream().map(error -> "json patch " + error).toList();
        } catch (IOException e) {
            return List.of(); // the patch's own parsing reports malformed JSON
        }
    }

    /** Upstream's Warning header: code 299, agent "-", the text as an HTTP quoted-string. */
    private static String warningHeader(String text) {
        return "299 - \"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A patch body (JSON for every patch type served): upstream checks it is one JSON value before anything else. */
    private JsonNode patchBody(ApiRequest request) {
        try {
            JsonNode node = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(request.body());
            if (node != null && !node.isMissingNode()) {
                return node;
            }
        } catch (IOException e) {
            // answered below, as upstream
        }
        throw StatusException.badRequest("invalid JSON patch");
    }

    private JsonNode body(ApiRequest request) {
        try {
            JsonNode node = request.header("content-type").startsWith(YAML_TYPE)
                    ? yaml.readTree(request.body()) : json.readTree(request.body());
            if (node == null || node.isMissingNode()) {
                throw StatusException.badRequest("the request body is empty");
            }
            return node;
        } catch (IOException e) {
            throw StatusException.badRequest("couldn't get version/kind; json parse error: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException parse ? parse.getOriginalMessage() : e.getMessage()));
        }
    }

    private static void allow(ResourceDescription resource, Verb verb, String action) {
        if (!resource.verbs().contains(verb)) {
            throw StatusException.methodNotSupported(resource.plural(), action);
        }
    }

    private static boolean isTrue(String value) {
        return value.equals("true") || value.equals("1");
    }

    private static long parseLong(String value, long fallback) {
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw StatusException.badRequest("invalid number \"" + value + "\"");
        }
    }

    private ApiResponse ok(ObjectNode body) {
        return respond(200, body);
    }

    /** Upstream tags the document (ETag, Vary: Accept, Cache-Control: public) and answers a match with 304. */
    private ApiResponse aggregatedDiscovery(ApiRequest request, boolean core, String version) {
        String contentType = Discovery.aggregatedContentType(version);
        byte[] body;
        try {
            body = json.writeValueAsBytes(discovery.aggregated(core, version));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String tag = EntityTags.of(body);
        ApiResponse.Full answer = EntityTags.unchanged(request, tag) ? new ApiResponse.Full(304, contentType, new byte[0])
                : new ApiResponse.Full(200, contentType, body);
        return answer.withHeader("ETag", tag).withHeader("Vary", "Accept").withHeader("Cache-Control", "public");
    }

    private ApiResponse respond(int code, ObjectNode body) {
        return respond(code, JSON_TYPE, body);
    }

    private ApiResponse respond(int code, String contentType, ObjectNode body) {
        try {
            return new ApiResponse.Full(code, contentType, json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ApiResponse status(StatusException e) {
        return respond(e.code(), e.toStatus());
    }

    private byte[] line(ObjectNode event) {
        try {
            byte[] body = json.writeValueAsBytes(event);
            byte[] withNewline = Arrays.copyOf(body, body.length + 1);
            withNewline[body.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Pod binding over the core/v1 pods store. */
    private PodBinding podBinding() {
        return stores.entrySet().stream()
                .filter(e -> e.getKey().group().isEmpty() && e.getKey().plural().equals("pods"))
                .map(e -> new PodBinding(e.getValue(), java.time.Clock.systemUTC()))
                .findFirst().orElseThrow(StatusException::pathNotFound);
    }

    /** For tests and wiring: the store serving a resource. */
    public Optional<GenericStore> store(ResourceDescription resource) {
        return Optional.ofNullable(stores.get(resource));
    }
}
