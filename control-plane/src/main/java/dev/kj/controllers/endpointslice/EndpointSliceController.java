package dev.kj.controllers.endpointslice;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.controller.Requeue;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import dev.kj.controllers.endpointutil.PodEndpoints;
import dev.kj.controllers.endpointutil.TriggerTimeTracker;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Upstream's EndpointSlice controller (pkg/controller/endpointslice with k8s.io/endpointslice's
 * reconciler): for each Service with a selector, discovery.k8s.io/v1 EndpointSlices per address
 * type of the service, labelled kubernetes.io/service-name and managed-by
 * endpointslice-controller.k8s.io, owned by the Service (so the garbage collector removes them
 * with it), each endpoint a selected pod with its conditions (ready, serving, terminating),
 * hostname, nodeName, zone and targetRef, grouped by the ports the pod resolves, at most
 * {@value #MAX_ENDPOINTS_PER_SLICE} per slice, changed with as few writes as {@link SlicePlan}
 * allows. A service with no endpoints keeps one empty placeholder slice per address type.
 */
public final class EndpointSliceController extends QueueController {
    public static final String NAME = "endpointslice-controller";
    public static final String IDENTITY = "endpointslice-controller";
    public static final String MANAGED_BY = "endpointslice-controller.k8s.io";
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    static final String HEADLESS_LABEL = "service.kubernetes.io/headless";
    static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    /** Upstream's --max-endpoints-per-slice default. */
    static final int MAX_ENDPOINTS_PER_SLICE = 100;
    /** Upstream's --concurrent-service-endpoint-syncs default. */
    static final int WORKERS = 5;

    private final ResourceClient<EndpointSlice> sliceClient;
    private final SharedInformer<Service> services;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Node> nodes;
    private final SharedInformer<EndpointSlice> slices;
    private final EventRecorder recorder;
    private final TriggerTimeTracker triggerTimes = new TriggerTimeTracker();
    private final SliceTracker tracker = new SliceTracker();

    public EndpointSliceController(ControllerContext context) {
        super(NAME);
        this.sliceClient = context.client().typed(Resources.ENDPOINT_SLICES, EndpointSlice.class);
        this.services = context.informers().typed(Resources.SERVICES, Service.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.nodes = context.informers().typed(Resources.NODES, Node.class);
        this.slices = context.informers().typed(Resources.ENDPOINT_SLICES, EndpointSlice.class);
        this.recorder = context.eventRecorder(NAME);
        WorkQueue<String> queue = WorkQueue.create();
        Registration onServices = services.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Service service, boolean initialList) {
                queue.add(Keys.of(service.getMetadata().getNamespace(), service.getMetadata().getName()));
            }

            @Override
            public void onUpdate(Service old, Service current) {
                onAdd(current, false);
            }

            @Override
            public void onDelete(Service service, boolean finalStateUnknown) {
                onAdd(service, false);
            }
        });
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                PodEndpoints.memberships(services.indexer(), pod).forEach(queue::add);
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                PodEndpoints.servicesToUpdate(services.indexer(), old, current).forEach(queue::add);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                onAdd(pod, false);
            }
        });
        // a managed slice changed or deleted by someone else brings its service back
        Registration onSlices = slices.addEventHandler(new EventHandler<>() {
            @Override
            public void onUpdate(EndpointSlice old, EndpointSlice current) {
                queueOwner(current);
            }

            @Override
            public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
                queueOwner(slice);
            }

            private void queueOwner(EndpointSlice slice) {
                Map<String, String> labels = slice.getMetadata().getLabels();
                if (labels != null && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL)) && labels.get(SERVICE_NAME_LABEL) != null) {
                    queue.add(Keys.of(slice.getMetadata().getNamespace(), labels.get(SERVICE_NAME_LABEL)));
                }
            }
        });
        Registration onNodes = nodes.addEventHandler(new EventHandler<>() {
        });
        runs(queue, this::sync, WORKERS, onServices, onPods, onSlices, onNodes);
    }

    void sync(String key) throws Requeue {
        String namespace = Keys.namespace(key);
        Service service = services.indexer().get(key).orElse(null);
        if (service == null) {
            // the slices go with the Service through their ownerReference (garbage collector)
            triggerTimes.forget(key);
            tracker.forget(key);
            return;
        }
        Map<String, String> selector = service.getSpec().getSelector();
        if ("ExternalName".equals(service.getSpec().getType()) || selector == null || selector.isEmpty()
                || service.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        List<EndpointSlice> existing = slices.indexer().byNamespace(namespace).stream().filter(slice -> {
            Map<String, String> labels = slice.getMetadata().getLabels();
            return labels != null && service.getMetadata().getName().equals(labels.get(SERVICE_NAME_LABEL))
                    && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL));
        }).toList();
        if (tracker.stale(key, existing)) {
            throw Requeue.rateLimited("EndpointSlice informer cache is out of date for service " + key);
        }
        List<Pod> selected = pods.indexer().byNamespace(namespace).stream()
                .filter(pod -> PodEndpoints.selects(service, pod.getMetadata().getLabels())).toList();
        Instant triggerTime = triggerTimes.compute(key, service, selected);
        Set<String> addressTypes = addressTypes(service, selected);
        boolean missingNode = false;

        List<EndpointSlice> toDelete = new ArrayList<>();
        List<EndpointSlice> toCreate = new ArrayList<>();
        List<EndpointSlice> toUpdate = new ArrayList<>();
        for (EndpointSlice slice : existing) {
            if (!addressTypes.contains(slice.getAddressType())) {
                toDelete.add(slice); // the service no longer has this family
            }
        }
        for (String addressType : addressTypes) {
            // desired endpoints of this family, grouped by the ports each pod resolves
            Map<List<PortKey>, Map<String, Endpoint>> desired = new LinkedHashMap<>();
            for (Pod pod : selected) {
                if (!PodEndpoints.shouldBeInEndpoints(pod, true)) {
                    continue;
                }
                List<String> addresses = PodEndpoints.podIps(pod).stream()
                        .filter(ip -> PodEndpoints.isIpv6(ip) == "IPv6".equals(addressType)).toList();
                if (addresses.isEmpty()) {
                    continue;
                }
                Node node = nodes.indexer().get(pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName()).orElse(null);
                if (node == null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
                    missingNode = true; // left out now, retried until the node is known
                    continue;
                }
                Endpoint endpoint = endpoint(service, pod, node, addresses);
                desired.computeIfAbsent(ports(service, pod), k -> new LinkedHashMap<>()).put(SlicePlan.key(endpoint), endpoint);
            }
            Map<List<PortKey>, List<EndpointSlice>> existingByPorts = new LinkedHashMap<>();
            List<EndpointSlice> placeholders = new ArrayList<>();
            for (EndpointSlice slice : existing) {
                if (!addressType.equals(slice.getAddressType())) {
                    continue;
                }
                if (slice.getEndpoints() == null || slice.getEndpoints().isEmpty()) {
                    placeholders.add(slice);
                    continue;
                }
                existingByPorts.computeIfAbsent(PortKey.of(slice.getPorts()), k -> new ArrayList<>()).add(slice);
            }
            existingByPorts.forEach((ports, group) -> {
                if (!desired.containsKey(ports)) {
                    toDelete.addAll(group);
                }
            });
            int kept = 0;
            for (Map.Entry<List<PortKey>, Map<String, Endpoint>> entry : desired.entrySet()) {
                List<PortKey> ports = entry.getKey();
                SlicePlan plan = SlicePlan.of(existingByPorts.getOrDefault(ports, List.of()), entry.getValue(),
                        MAX_ENDPOINTS_PER_SLICE, slice -> !metadataCurrent(slice, service, triggerTime));
                plan.toCreate().forEach(endpoints -> toCreate.add(newSlice(service, addressType, ports, endpoints, triggerTime)));
                plan.toUpdate().forEach((slice, endpoints) -> toUpdate.add(rewritten(slice, service, endpoints, triggerTime)));
                toDelete.addAll(plan.toDelete());
                kept += plan.toCreate().size() + plan.toUpdate().size() + plan.unchanged().size();
            }
            // no endpoints: one empty placeholder slice stands for the service (upstream's placeholder)
            if (kept == 0) {
                if (placeholders.isEmpty()) {
                    toCreate.add(newSlice(service, addressType, List.of(), List.of(), triggerTime));
                } else {
                    EndpointSlice placeholder = placeholders.getFirst();
                    if (!metadataCurrent(placeholder, service, triggerTime)) {
                        toUpdate.add(rewritten(placeholder, service, List.of(), triggerTime));
                    }
                    toDelete.addAll(placeholders.subList(1, placeholders.size()));
                }
            } else {
                toDelete.addAll(placeholders);
            }
        }
        write(key, service, toCreate, toUpdate, toDelete);
        if (missingNode) {
            throw Requeue.rateLimited("a pod of service " + key + " names a node not known yet");
        }
    }

    private void write(String key, Service service, List<EndpointSlice> toCreate, List<EndpointSlice> toUpdate,
                       List<EndpointSlice> toDelete) {
        String namespace = service.getMetadata().getNamespace();
        try {
            for (EndpointSlice slice : toCreate) {
                tracker.written(key, sliceClient.create(namespace, slice));
            }
            for (EndpointSlice slice : toUpdate) {
                tracker.written(key, sliceClient.update(slice));
            }
            for (EndpointSlice slice : toDelete) {
                try {
                    sliceClient.delete(namespace, slice.getMetadata().getName(), DeleteOptions.NONE);
                } catch (ApiException e) {
                    if (!e.isNotFound()) {
                        throw e;
                    }
                }
                tracker.deleted(key, slice.getMetadata().getName());
            }
        } catch (ApiException e) {
            if (e.isForbidden() && e.causes().stream().anyMatch(cause -> "NamespaceTerminating".equals(cause.getReason()))) {
                return; // nothing can be created in a namespace being deleted
            }
            recorder.event(new EventRecorder.InvolvedObject("v1", "Service", namespace, service.getMetadata().getName(),
                    service.getMetadata().getUid()), EventRecorder.WARNING, "FailedToUpdateEndpointSlices",
                    "Error updating Endpoint Slices for Service " + key + ": " + e.getMessage());
            throw e;
        }
    }

    /** Upstream's getAddressTypesForService: the service's ipFamilies, else its cluster IP's, else (headless) its pods'. */
    static Set<String> addressTypes(Service service, List<Pod> pods) {
        Set<String> types = new LinkedHashSet<>();
        List<String> families = service.getSpec().getIpFamilies();
        if (families != null && !families.isEmpty()) {
            families.forEach(family -> types.add("IPv6".equals(family) ? "IPv6" : "IPv4"));
            return types;
        }
        String clusterIp = service.getSpec().getClusterIP();
        if (clusterIp != null && !clusterIp.isEmpty() && !"None".equals(clusterIp)) {
            types.add(PodEndpoints.isIpv6(clusterIp) ? "IPv6" : "IPv4");
            return types;
        }
        for (Pod pod : pods) {
            PodEndpoints.podIps(pod).forEach(ip -> types.add(PodEndpoints.isIpv6(ip) ? "IPv6" : "IPv4"));
        }
        if (types.isEmpty()) {
            types.add("IPv4");
        }
        return types;
    }

    /** Upstream's podToEndpoint. */
    static Endpoint endpoint(Service service, Pod pod, Node node, List<String> addresses) {
        boolean serving = PodEndpoints.isReady(pod);
        boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
        // ready is never true for a terminating pod unless not-ready addresses are published
        boolean ready = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses()) || (serving && !terminating);
        EndpointBuilder endpoint = new EndpointBuilder().withAddresses(addresses)
                .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                .withNewTargetRef().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endTargetRef();
        String nodeName = pod.getSpec().getNodeName();
        if (nodeName != null && !nodeName.isEmpty()) {
            endpoint.withNodeName(nodeName);
        }
        String zone = node == null || node.getMetadata().getLabels() == null ? null : node.getMetadata().getLabels().get(ZONE_LABEL);
        if (zone != null && !zone.isEmpty()) {
            endpoint.withZone(zone);
        }
        if (PodEndpoints.shouldSetHostname(pod, service)) {
            endpoint.withHostname(pod.getSpec().getHostname());
        }
        return endpoint.build();
    }

    /** The ports a pod resolves for the service (service ports whose named targetPort it lacks are left out). */
    static List<PortKey> ports(Service service, Pod pod) {
        List<PortKey> ports = new ArrayList<>();
        for (ServicePort servicePort : service.getSpec().getPorts() == null ? List.<ServicePort>of() : service.getSpec().getPorts()) {
            OptionalInt number = PodEndpoints.findPort(pod, servicePort);
            if (number.isPresent()) {
                ports.add(new PortKey(servicePort.getName() == null ? "" : servicePort.getName(), number.getAsInt(),
                        PodEndpoints.protocol(servicePort.getProtocol()), servicePort.getAppProtocol()));
            }
        }
        ports.sort(PortKey.ORDER);
        return ports;
    }

    /** A slice's ports as a comparable value (its order does not matter). */
    record PortKey(String name, int port, String protocol, String appProtocol) {
        static final Comparator<PortKey> ORDER = Comparator.comparing(PortKey::name).thenComparingInt(PortKey::port)
                .thenComparing(PortKey::protocol);

        static List<PortKey> of(List<EndpointPort> ports) {
            List<PortKey> keys = new ArrayList<>();
            for (EndpointPort port : ports == null ? List.<EndpointPort>of() : ports) {
                keys.add(new PortKey(port.getName() == null ? "" : port.getName(), port.getPort() == null ? 0 : port.getPort(),
                        PodEndpoints.protocol(port.getProtocol()), port.getAppProtocol()));
            }
            keys.sort(ORDER);
            return keys;
        }

        EndpointPort toPort() {
            return new EndpointPortBuilder().withName(name).withPort(port).withProtocol(protocol).withAppProtocol(appProtocol).build();
        }
    }

    /** Upstream's setEndpointSliceLabels: the service's labels, ours over them, headless marked. */
    static Map<String, String> labels(Service service) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (service.getMetadata().getLabels() != null) {
            service.getMetadata().getLabels().forEach((k, v) -> {
                if (!k.equals(SERVICE_NAME_LABEL) && !k.equals(MANAGED_BY_LABEL) && !k.equals(HEADLESS_LABEL)) {
                    labels.put(k, v);
                }
            });
        }
        String clusterIp = service.getSpec().getClusterIP();
        if (clusterIp == null || clusterIp.isEmpty() || "None".equals(clusterIp)) {
            labels.put(HEADLESS_LABEL, "");
        }
        labels.put(SERVICE_NAME_LABEL, service.getMetadata().getName());
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        return labels;
    }

    static OwnerReference owner(Service service) {
        return new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service").withName(service.getMetadata().getName())
                .withUid(service.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
    }

    private static Map<String, String> annotations(Map<String, String> current, Instant triggerTime) {
        Map<String, String> annotations = new LinkedHashMap<>(current == null ? Map.of() : current);
        if (triggerTime != null) {
            annotations.put(TriggerTimeTracker.ANNOTATION, TriggerTimeTracker.format(triggerTime));
        } else {
            annotations.remove(TriggerTimeTracker.ANNOTATION);
        }
        return annotations;
    }

    /** Whether a slice's labels and owner are what the service asks for (a new trigger time alone is no reason to write). */
    private static boolean metadataCurrent(EndpointSlice slice, Service service, Instant triggerTime) {
        List<OwnerReference> owners = slice.getMetadata().getOwnerReferences();
        return Objects.equals(slice.getMetadata().getLabels(), labels(service))
                && owners != null && owners.size() == 1 && Objects.equals(owners.getFirst().getUid(), service.getMetadata().getUid());
    }

    private static EndpointSlice newSlice(Service service, String addressType, List<PortKey> ports, List<Endpoint> endpoints,
                                          Instant triggerTime) {
        return new EndpointSliceBuilder().withNewMetadata().withGenerateName(service.getMetadata().getName() + "-")
                .withNamespace(service.getMetadata().getNamespace()).withLabels(labels(service))
                .withAnnotations(annotations(null, triggerTime)).withOwnerReferences(owner(service)).endMetadata()
                .withAddressType(addressType).withEndpoints(endpoints).withPorts(ports.stream().map(PortKey::toPort).toList())
                .build();
    }

    private static EndpointSlice rewritten(EndpointSlice slice, Service service, List<Endpoint> endpoints, Instant triggerTime) {
        EndpointSlice next = new EndpointSliceBuilder(slice).withEndpoints(endpoints).build();
        next.getMetadata().setLabels(labels(service));
        next.getMetadata().setOwnerReferences(List.of(owner(service)));
        next.getMetadata().setAnnotations(annotations(slice.getMetadata().getAnnotations(), triggerTime));
        return next;
    }
}
