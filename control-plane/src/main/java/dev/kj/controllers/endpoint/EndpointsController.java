package dev.kj.controllers.endpoint;

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
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's endpoint controller (pkg/controller/endpoint): a v1 Endpoints per Service with a
 * selector, naming the selected pods' addresses (ready ones in addresses, the others in
 * notReadyAddresses unless publishNotReadyAddresses) with each service port resolved per pod.
 * Services without a selector (the API server's own {@code kubernetes} among them) and
 * ExternalName services are left alone; Endpoints whose Service is gone are deleted.
 */
public final class EndpointsController extends QueueController {
    /** kube-controller-manager's name for it (before 1.28: {@code endpoint}). */
    public static final String NAME = "endpoints-controller";
    public static final String IDENTITY = "endpoint-controller";
    /** Upstream's --concurrent-endpoint-syncs default. */
    static final int WORKERS = 5;
    static final String HEADLESS_LABEL = "service.kubernetes.io/headless";
    static final String OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
    /** Addresses an Endpoints object holds at most (upstream's maxCapacity). */
    static final int MAX_CAPACITY = 1000;
    /** The leader-election record annotation: Endpoints carrying it belong to an old-style lock, not to a Service. */
    static final String LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

    private final ResourceClient<Endpoints> endpointsClient;
    private final SharedInformer<Service> services;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Endpoints> endpoints;
    private final EventRecorder recorder;
    private final TriggerTimeTracker triggerTimes = new TriggerTimeTracker();
    /** Per Endpoints key, the resourceVersion this controller replaced: a cache still holding it is stale. */
    private final Map<String, String> staleVersions = new ConcurrentHashMap<>();

    public EndpointsController(ControllerContext context) {
        super(NAME);
        this.endpointsClient = context.client().typed(Resources.ENDPOINTS, Endpoints.class);
        this.services = context.informers().typed(Resources.SERVICES, Service.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        this.endpoints = context.informers().typed(Resources.ENDPOINTS, Endpoints.class);
        this.recorder = context.eventRecorder(IDENTITY);
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
        // the initial list queues every Endpoints, so those left without a Service are found (checkLeftoverEndpoints)
        Registration onEndpoints = endpoints.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Endpoints object, boolean initialList) {
                Map<String, String> annotations = object.getMetadata().getAnnotations();
                if (initialList && (annotations == null || !annotations.containsKey(LEADER_ANNOTATION))) {
                    queue.add(Keys.of(object.getMetadata().getNamespace(), object.getMetadata().getName()));
                }
            }

            @Override
            public void onDelete(Endpoints object, boolean finalStateUnknown) {
                queue.add(Keys.of(object.getMetadata().getNamespace(), object.getMetadata().getName()));
            }
        });
        runs(queue, this::sync, WORKERS, onServices, onPods, onEndpoints);
    }

    void sync(String key) throws Requeue {
        String namespace = Keys.namespace(key);
        String name = Keys.name(key);
        Service service = services.indexer().get(key).orElse(null);
        if (service == null) {
            try {
                endpointsClient.delete(namespace, name, DeleteOptions.NONE);
            } catch (ApiException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
            triggerTimes.forget(key);
            staleVersions.remove(key);
            return;
        }
        Map<String, String> selector = service.getSpec().getSelector();
        if ("ExternalName".equals(service.getSpec().getType()) || selector == null || selector.isEmpty()) {
            return; // endpoints of services without a selector are written by others (kubernetes: the API server)
        }
        List<Pod> selected = pods.indexer().byNamespace(namespace).stream()
                .filter(pod -> PodEndpoints.selects(service, pod.getMetadata().getLabels())).toList();
        Instant triggerTime = triggerTimes.compute(key, service, selected);
        boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
        Subsets subsets = new Subsets();
        for (Pod pod : selected) {
            if (!PodEndpoints.shouldBeInEndpoints(pod, publishNotReady)) {
                continue;
            }
            String ip = PodEndpoints.ipOfFamily(pod, PodEndpoints.endpointsFamily(service, pod));
            if (ip == null) {
                continue; // no address of the service's family (a dual-stack cluster being upgraded)
            }
            EndpointAddressBuilder address = new EndpointAddressBuilder().withIp(ip)
                    .withNodeName(pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName())
                    .withNewTargetRef().withKind("Pod").withNamespace(namespace).withName(pod.getMetadata().getName())
                    .withUid(pod.getMetadata().getUid()).endTargetRef();
            if (PodEndpoints.shouldSetHostname(pod, service)) {
                address.withHostname(pod.getSpec().getHostname());
            }
            boolean ready = publishNotReady || PodEndpoints.isReady(pod);
            List<ServicePort> ports = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
            if (ports.isEmpty()) {
                if ("None".equals(service.getSpec().getClusterIP())) {
                    subsets.add(address.build(), null, ready); // a headless service may have no ports
                }
                continue;
            }
            for (ServicePort servicePort : ports) {
                OptionalInt number = PodEndpoints.findPort(pod, servicePort);
                if (number.isEmpty()) {
                    continue; // this pod does not have the named port
                }
                subsets.add(address.build(), new EndpointPortBuilder().withName(servicePort.getName())
                        .withPort(number.getAsInt()).withProtocol(servicePort.getProtocol())
                        .withAppProtocol(servicePort.getAppProtocol()).build(), ready);
            }
        }
        List<EndpointSubset> desired = subsets.repack();

        Endpoints current = endpoints.indexer().get(key).orElse(null);
        if (current != null && current.getMetadata().getResourceVersion().equals(staleVersions.get(key))) {
            throw Requeue.rateLimited("endpoints informer cache is out of date, resource version "
                    + current.getMetadata().getResourceVersion() + " already processed for endpoints " + key);
        }
        Map<String, String> serviceLabels = service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels();
        if (current != null) {
            Map<String, String> compareLabels = new HashMap<>(current.getMetadata().getLabels() == null ? Map.of()
                    : current.getMetadata().getLabels());
            compareLabels.remove(HEADLESS_LABEL);
            if (sameSubsets(current.getSubsets(), desired) && compareLabels.equals(serviceLabels)
                    && capacityAnnotationCorrect(current)) {
                return;
            }
        }
        Endpoints next = current == null
                ? new EndpointsBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata().build()
                : new EndpointsBuilder(current).build();
        next.setSubsets(desired);
        Map<String, String> labels = new LinkedHashMap<>(serviceLabels);
        String clusterIp = service.getSpec().getClusterIP();
        if (clusterIp == null || clusterIp.isEmpty() || "None".equals(clusterIp)) {
            labels.put(HEADLESS_LABEL, "");
        }
        next.getMetadata().setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>(next.getMetadata().getAnnotations() == null ? Map.of()
                : next.getMetadata().getAnnotations());
        if (triggerTime != null) {
            annotations.put(TriggerTimeTracker.ANNOTATION, TriggerTimeTracker.format(triggerTime));
        } else {
            annotations.remove(TriggerTimeTracker.ANNOTATION);
        }
        if (truncate(next)) {
            annotations.put(OVER_CAPACITY, "truncated");
        } else {
            annotations.remove(OVER_CAPACITY);
        }
        next.getMetadata().setAnnotations(annotations);
        try {
            if (current == null) {
                endpointsClient.create(namespace, next);
            } else {
                Endpoints written = endpointsClient.update(next);
                if (!Objects.equals(written.getMetadata().getResourceVersion(), current.getMetadata().getResourceVersion())) {
                    staleVersions.put(key, current.getMetadata().getResourceVersion());
                }
            }
        } catch (ApiException e) {
            if (current == null && e.isForbidden()
                    && e.causes().stream().anyMatch(cause -> "NamespaceTerminating".equals(cause.getReason()))) {
                return; // creates keep failing in a terminating namespace: drop the key
            }
            EventRecorder.InvolvedObject about = new EventRecorder.InvolvedObject("v1", "Endpoints", namespace, name,
                    current == null ? null : current.getMetadata().getUid());
            if (current == null) {
                recorder.event(about, EventRecorder.WARNING, "FailedToCreateEndpoint",
                        "Failed to create endpoint for service " + key + ": " + e.getMessage());
            } else {
                recorder.event(about, EventRecorder.WARNING, "FailedToUpdateEndpoint",
                        "Failed to update endpoint " + key + ": " + e.getMessage());
            }
            throw e;
        }
    }

    /** Compares subsets ignoring the targetRefs' resourceVersion (as upstream, so pod writes that change nothing here write nothing). */
    static boolean sameSubsets(List<EndpointSubset> current, List<EndpointSubset> desired) {
        return Subsets.same(current, desired);
    }

    private static boolean capacityAnnotationCorrect(Endpoints current) {
        int count = 0;
        for (EndpointSubset subset : current.getSubsets() == null ? List.<EndpointSubset>of() : current.getSubsets()) {
            count += size(subset.getAddresses()) + size(subset.getNotReadyAddresses());
        }
        Map<String, String> annotations = current.getMetadata().getAnnotations();
        return count <= MAX_CAPACITY && (annotations == null || !annotations.containsKey(OVER_CAPACITY));
    }

    /**
     * Upstream's truncateEndpoints: past {@value #MAX_CAPACITY} addresses, not-ready ones go first;
     * what is kept is spread over the subsets in proportion to their size (rounded up, the last
     * getting what is left).
     */
    static boolean truncate(Endpoints endpoints) {
        int ready = 0;
        int notReady = 0;
        for (EndpointSubset subset : endpoints.getSubsets()) {
            ready += size(subset.getAddresses());
            notReady += size(subset.getNotReadyAddresses());
        }
        if (ready + notReady <= MAX_CAPACITY) {
            return false;
        }
        boolean truncateReady = ready > MAX_CAPACITY;
        int max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - ready;
        int total = truncateReady ? ready : notReady;
        int canBeAdded = max;
        for (EndpointSubset subset : endpoints.getSubsets()) {
            int inSubset = truncateReady ? size(subset.getAddresses()) : size(subset.getNotReadyAddresses());
            int toBeAdded = Math.min((int) Math.ceil((double) inSubset / total * max), canBeAdded);
            if (truncateReady) {
                subset.setAddresses(head(subset.getAddresses(), toBeAdded));
                subset.setNotReadyAddresses(new ArrayList<>());
                canBeAdded -= size(subset.getAddresses());
            } else {
                subset.setNotReadyAddresses(head(subset.getNotReadyAddresses(), toBeAdded));
                canBeAdded -= size(subset.getNotReadyAddresses());
            }
        }
        return true;
    }

    private static List<EndpointAddress> head(List<EndpointAddress> addresses, int count) {
        return addresses == null || addresses.size() <= count ? addresses : new ArrayList<>(addresses.subList(0, count));
    }

    static int size(List<?> list) {
        return list == null ? 0 : list.size();
    }
}
