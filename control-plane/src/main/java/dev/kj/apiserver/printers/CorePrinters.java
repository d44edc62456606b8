package dev.kj.apiserver.printers;

import static dev.kj.apiserver.printers.Printers.age;
import static dev.kj.apiserver.printers.Printers.humanDuration;
import static dev.kj.apiserver.printers.Printers.name;
import static dev.kj.apiserver.printers.Printers.time;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Printers of core/v1 kinds with more than a few columns (pods, services, endpoints, volumes and
 * claims, quotas, pod templates), after upstream's printPod, printService, formatEndpoints, ...
 * Cells are computed as upstream computes them with {@code Wide: true}, which is what its server
 * side printing always uses.
 */
public final class CorePrinters {
    private CorePrinters() {
    }

    public static final Printer POD = new Printer(
            List.of(Column.objectName(),
                    Column.of("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
                    Column.of("Status", "string", "The aggregate status of the containers in this pod."),
                    Column.of("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                    Column.age(),
                    Column.wide("IP", "string", Docs.POD_IP),
                    Column.wide("Node", "string", Docs.POD_NODE),
                    Column.wide("Nominated Node", "string", Docs.POD_NOMINATED),
                    Column.wide("Readiness Gates", "string", Docs.POD_GATES)),
            CorePrinters::podCells,
            pod -> switch (pod.path("status").path("phase").asText("")) {
                case "Succeeded" -> List.of(new Printer.Condition("Completed", "True", "Succeeded", "The pod has completed successfully."));
                case "Failed" -> List.of(new Printer.Condition("Completed", "True", "Failed", "The pod failed."));
                default -> List.of();
            });

    public static final Printer POD_TEMPLATE = new Printer(
            List.of(Column.objectName(),
                    Column.of("Containers", "string", "Names of each container in the template."),
                    Column.of("Images", "string", "Images referenced by each container in the template."),
                    Column.of("Pod Labels", "string", "The labels for the pod template.")),
            (o, now) -> List.of(name(o), Printers.containers(o.path("template")), Printers.images(o.path("template")),
                    Printers.labels(o.path("template").path("metadata").path("labels"), "<none>")));

    public static final Printer SERVICE = new Printer(
            List.of(Column.objectName(),
                    Column.of("Type", "string", Docs.SVC_TYPE),
                    Column.of("Cluster-IP", "string", Docs.SVC_CLUSTER_IP),
                    Column.of("External-IP", "string", Docs.SVC_EXTERNAL_IPS),
                    Column.of("Port(s)", "string", Docs.SVC_PORTS),
                    Column.age(),
                    Column.wide("Selector", "string", Docs.SVC_SELECTOR)),
            CorePrinters::serviceCells);

    public static final Printer ENDPOINTS = new Printer(
            List.of(Column.objectName(), Column.of("Endpoints", "string", Docs.EP_SUBSETS), Column.age()),
            (o, now) -> List.of(name(o), endpoints(o), age(o, now)));

    public static final Printer PERSISTENT_VOLUME = new Printer(
            List.of(Column.objectName(),
                    Column.of("Capacity", "string", Docs.PV_CAPACITY),
                    Column.of("Access Modes", "string", Docs.PV_ACCESS),
                    Column.of("Reclaim Policy", "string", Docs.PV_RECLAIM),
                    Column.of("Status", "string", Docs.PV_PHASE),
                    Column.of("Claim", "string", Docs.PV_CLAIM),
                    Column.of("StorageClass", "string", "StorageClass of the pv"),
                    Column.of("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
                    Column.of("Reason", "string", Docs.PV_REASON),
                    Column.age(),
                    Column.wide("VolumeMode", "string", Docs.PV_MODE)),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                JsonNode claim = spec.path("claimRef");
                String claimName = claim.isObject() ? claim.path("namespace").asText("") + "/" + claim.path("name").asText("") : "";
                String phase = o.path("metadata").has("deletionTimestamp") ? "Terminating" : o.path("status").path("phase").asText("");
                return List.of(name(o), quantity(spec.path("capacity").path("storage")), accessModes(spec.path("accessModes")),
                        spec.path("persistentVolumeReclaimPolicy").asText(""), phase, claimName, storageClass(o),
                        orUnset(spec.path("volumeAttributesClassName")), o.path("status").path("reason").asText(""),
                        age(o, now), orUnset(spec.path("volumeMode")));
            });

    public static final Printer PERSISTENT_VOLUME_CLAIM = new Printer(
            List.of(Column.objectName(),
                    Column.of("Status", "string", Docs.PVC_PHASE),
                    Column.of("Volume", "string", Docs.PVC_VOLUME),
                    Column.of("Capacity", "string", Docs.PVC_CAPACITY),
                    Column.of("Access Modes", "string", Docs.PVC_ACCESS),
                    Column.of("StorageClass", "string", "StorageClass of the pvc"),
                    Column.of("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
                    Column.age(),
                    Column.wide("VolumeMode", "string", Docs.PVC_MODE)),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                String phase = o.path("metadata").has("deletionTimestamp") ? "Terminating" : o.path("status").path("phase").asText("");
                String volume = spec.path("volumeName").asText("");
                String capacity = volume.isEmpty() ? "" : quantity(o.path("status").path("capacity").path("storage"));
                String modes = volume.isEmpty() ? "" : accessModes(o.path("status").path("accessModes"));
                return List.of(name(o), phase, volume, capacity, modes, storageClass(o),
                        orUnset(spec.path("volumeAttributesClassName")), age(o, now), orUnset(spec.path("volumeMode")));
            });

    public static final Printer RESOURCE_QUOTA = new Printer(
            List.of(Column.objectName(),
                    Column.of("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
                    Column.of("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
                    Column.age()),
            (o, now) -> {
                TreeMap<String, String> hard = new TreeMap<>();
                o.path("status").path("hard").properties().forEach(e -> hard.put(e.getKey(), e.getValue().asText()));
                List<String> requests = new ArrayList<>();
                List<String> limits = new ArrayList<>();
                hard.forEach((resource, quantity) -> {
                    String used = quantity(o.path("status").path("used").path(resource));
                    String cell = resource + ": " + used + "/" + quantity;
                    String[] pieces = resource.split("\\.");
                    (pieces.length > 1 && pieces[0].equals("limits") ? limits : requests).add(cell);
                });
                return List.of(name(o), String.join(", ", requests), String.join(", ", limits), age(o, now));
            });

    // ---- pods ----

    private static List<Object> podCells(JsonNode pod, Instant now) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        int restarts = 0;
        int restartableInitRestarts = 0;
        int totalContainers = spec.path("containers").size();
        int readyContainers = 0;
        Instant lastRestart = null;
        Instant lastRestartableInitRestart = null;
        String phase = status.path("phase").asText("");
        String reason = status.path("reason").asText("").isEmpty() ? phase : status.path("reason").asText();
        for (JsonNode condition : status.path("conditions")) {
            if (condition.path("type").asText().equals("PodScheduled") && condition.path("reason").asText().equals("SchedulingGated")) {
                reason = "SchedulingGated";
            }
        }
        Map<String, JsonNode> initContainers = new HashMap<>();
        for (JsonNode container : spec.path("initContainers")) {
            initContainers.put(container.path("name").asText(), container);
            if (restartable(container)) {
                totalContainers++;
            }
        }
        boolean initializing = false;
        JsonNode initStatuses = status.path("initContainerStatuses");
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode container = initStatuses.get(i);
            restarts += container.path("restartCount").asInt();
            Instant finished = time(container.path("lastState").path("terminated").path("finishedAt"));
            lastRestart = later(lastRestart, container.path("lastState").path("terminated").isObject() ? finished : null);
            boolean restartable = restartable(initContainers.get(container.path("name").asText()));
            if (restartable) {
                restartableInitRestarts += container.path("restartCount").asInt();
                lastRestartableInitRestart = later(lastRestartableInitRestart,
                        container.path("lastState").path("terminated").isObject() ? finished : null);
            }
            JsonNode terminated = container.path("state").path("terminated");
            JsonNode waiting = container.path("state").path("waiting");
            if (terminated.isObject() && terminated.path("exitCode").asInt() == 0) {
                continue;
            }
            if (restartable && container.path("started").asBoolean(false)) {
                if (container.path("ready").asBoolean(false)) {
                    readyContainers++;
                }
                continue;
            }
            if (terminated.isObject()) {
                if (terminated.path("reason").asText("").isEmpty()) {
                    reason = terminated.path("signal").asInt() != 0 ? "Init:Signal:" + terminated.path("signal").asInt()
                            : "Init:ExitCode:" + terminated.path("exitCode").asInt();
                } else {
                    reason = "Init:" + terminated.path("reason").asText();
                }
            } else if (waiting.isObject() && !waiting.path("reason").asText("").isEmpty()
                    && !waiting.path("reason").asText().equals("PodInitializing")) {
                reason = "Init:" + waiting.path("reason").asText();
            } else {
                reason = "Init:" + i + "/" + spec.path("initContainers").size();
            }
            initializing = true;
            break;
        }
        if (!initializing || condition(status, "Initialized")) {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            boolean hasRunning = false;
            JsonNode statuses = status.path("containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode container = statuses.get(i);
                restarts += container.path("restartCount").asInt();
                JsonNode lastTerminated = container.path("lastState").path("terminated");
                lastRestart = later(lastRestart, lastTerminated.isObject() ? time(lastTerminated.path("finishedAt")) : null);
                JsonNode waiting = container.path("state").path("waiting");
                JsonNode terminated = container.path("state").path("terminated");
                if (waiting.isObject() && !waiting.path("reason").asText("").isEmpty()) {
                    reason = waiting.path("reason").asText();
                } else if (terminated.isObject() && !terminated.path("reason").asText("").isEmpty()) {
                    reason = terminated.path("reason").asText();
                } else if (terminated.isObject()) {
                    reason = terminated.path("signal").asInt() != 0 ? "Signal:" + terminated.path("signal").asInt()
                            : "ExitCode:" + terminated.path("exitCode").asInt();
                } else if (container.path("ready").asBoolean(false) && container.path("state").path("running").isObject()) {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = condition(status, "Ready") ? "Running" : "NotReady";
            }
        }
        boolean deleting = pod.path("metadata").hasNonNull("deletionTimestamp");
        if (deleting && status.path("reason").asText("").equals("NodeLost")) {
            reason = "Unknown";
        } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            reason = "Terminating";
        }
        String restartCell = Integer.toString(restarts);
        if (restarts != 0 && lastRestart != null) {
            restartCell = restarts + " (" + humanDuration(Duration.between(lastRestart, now)) + " ago)";
        }
        String podIp = status.path("podIPs").path(0).path("ip").asText("");
        String gates = "<none>";
        JsonNode readinessGates = spec.path("readinessGates");
        if (readinessGates.isArray() && !readinessGates.isEmpty()) {
            int trueConditions = 0;
            for (JsonNode gate : readinessGates) {
                for (JsonNode condition : status.path("conditions")) {
                    if (condition.path("type").asText().equals(gate.path("conditionType").asText())) {
                        if (condition.path("status").asText().equals("True")) {
                            trueConditions++;
                        }
                        break;
                    }
                }
            }
            gates = trueConditions + "/" + readinessGates.size();
        }
        return List.of(name(pod), readyContainers + "/" + totalContainers, reason, restartCell, age(pod, now),
                orNone(podIp), orNone(spec.path("nodeName").asText("")), orNone(status.path("nominatedNodeName").asText("")),
                gates);
    }

    /** A sidecar: an init container with restartPolicy Always. */
    private static boolean restartable(JsonNode container) {
        return container != null && container.path("restartPolicy").asText("").equals("Always");
    }

    private static Instant later(Instant current, Instant candidate) {
        return candidate != null && (current == null || candidate.isAfter(current)) ? candidate : current;
    }

    private static boolean condition(JsonNode status, String type) {
        for (JsonNode condition : status.path("conditions")) {
            if (condition.path("type").asText().equals(type) && condition.path("status").asText().equals("True")) {
                return true;
            }
        }
        return false;
    }

    // ---- services and endpoints ----

    private static List<Object> serviceCells(JsonNode service, Instant now) {
        JsonNode spec = service.path("spec");
        String type = spec.path("type").asText("");
        // clusterIPs[0]; a body that set only clusterIP (which upstream's defaulting copies into clusterIPs) shows that
        String clusterIp = spec.path("clusterIPs").path(0).asText(spec.path("clusterIP").asText(""));
        List<String> externalIps = new ArrayList<>();
        spec.path("externalIPs").forEach(ip -> externalIps.add(ip.asText()));
        String external = switch (type) {
            case "ClusterIP", "NodePort" -> externalIps.isEmpty() ? "<none>" : String.join(",", externalIps);
            case "LoadBalancer" -> {
                List<String> all = new ArrayList<>(loadBalancerAddresses(service.path("status").path("loadBalancer")));
                all.addAll(externalIps);
                yield all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case "ExternalName" -> spec.path("externalName").asText("");
            default -> "<unknown>";
        };
        List<String> ports = new ArrayList<>();
        for (JsonNode port : spec.path("ports")) {
            String protocol = port.path("protocol").asText("");
            int nodePort = port.path("nodePort").asInt();
            ports.add(nodePort > 0 ? port.path("port").asInt() + ":" + nodePort + "/" + protocol
                    : port.path("port").asInt() + "/" + protocol);
        }
        return List.of(name(service), type, clusterIp.isEmpty() ? "<none>" : clusterIp, external,
                ports.isEmpty() ? "<none>" : String.join(",", ports), age(service, now),
                Printers.labels(spec.path("selector"), "<none>"));
    }

    /** A load balancer status's ingress points (IP, else hostname), sorted and without repeats, as upstream's stringers. */
    static TreeSet<String> loadBalancerAddresses(JsonNode loadBalancer) {
        TreeSet<String> addresses = new TreeSet<>();
        for (JsonNode point : loadBalancer.path("ingress")) {
            String address = point.path("ip").asText("").isEmpty() ? point.path("hostname").asText("") : point.path("ip").asText();
            if (!address.isEmpty()) {
                addresses.add(address);
            }
        }
        return addresses;
    }

    /** formatEndpoints: up to three host:port (or bare IPs of port-less subsets), then "+ N more...". */
    private static String endpoints(JsonNode endpoints) {
        JsonNode subsets = endpoints.path("subsets");
        if (!subsets.isArray() || subsets.isEmpty()) {
            return "<none>";
        }
        List<String> list = new ArrayList<>();
        int max = 3;
        boolean more = false;
        int count = 0;
        for (JsonNode subset : subsets) {
            JsonNode addresses = subset.path("addresses");
            if (!subset.path("ports").isArray() || subset.path("ports").isEmpty()) {
                count += addresses.size();
                for (JsonNode address : addresses) {
                    if (list.size() == max) {
                        more = true;
                        break;
                    }
                    list.add(address.path("ip").asText());
                }
                continue;
            }
            for (JsonNode port : subset.path("ports")) {
                count += addresses.size();
                for (JsonNode address : addresses) {
                    if (list.size() == max) {
                        more = true;
                        break;
                    }
                    String ip = address.path("ip").asText();
                    list.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port.path("port").asInt());
                }
            }
        }
        String joined = String.join(",", list);
        return more ? joined + " + " + (count - max) + " more..." : joined;
    }

    // ---- volumes ----

    /** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, duplicates dropped. */
    static String accessModes(JsonNode modes) {
        List<String> present = new ArrayList<>();
        modes.forEach(m -> present.add(m.asText()));
        List<String> out = new ArrayList<>();
        Map<String, String> abbreviations = Map.of("ReadWriteOnce", "RWO", "ReadOnlyMany", "ROX", "ReadWriteMany", "RWX",
                "ReadWriteOncePod", "RWOP");
        for (String mode : List.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")) {
            if (present.contains(mode)) {
                out.add(abbreviations.get(mode));
            }
        }
        return String.join(",", out);
    }

    /** The beta storage-class annotation wins over spec.storageClassName, as upstream's helpers. */
    private static String storageClass(JsonNode object) {
        JsonNode annotation = object.path("metadata").path("annotations").path("volume.beta.kubernetes.io/storage-class");
        return annotation.isTextual() ? annotation.asText() : object.path("spec").path("storageClassName").asText("");
    }

    /** A resource.Quantity cell: the stored text (kj keeps what clients sent), "0" when absent. */
    static String quantity(JsonNode value) {
        return value.isValueNode() && !value.isNull() ? value.asText() : "0";
    }

    static String orNone(String value) {
        return value.isEmpty() ? "<none>" : value;
    }

    static String orUnset(JsonNode value) {
        return value.isTextual() ? value.asText() : "<unset>";
    }
}
