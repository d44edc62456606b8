package dev.kj.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-kind printers with the columns and cells of upstream's server-side printers
 * (pkg/printers/internalversion), one small function per kind.
 */
public final class Printers {
    private Printers() {
    }

    private static final Column CONTAINERS = Column.wide("Containers", "string", "Names of each container in the template.");
    private static final Column IMAGES = Column.wide("Images", "string", "Images referenced by each container in the template.");
    private static final Column SELECTOR = Column.wide("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");

    public static final Printer NAMESPACE = new Printer(
            List.of(Column.objectName(), Column.of("Status", "string", "The status of the namespace"), Column.age()),
            (o, now) -> List.of(name(o), o.path("status").path("phase").asText(""), age(o, now)));

    public static final Printer CONFIG_MAP = new Printer(
            List.of(Column.objectName(), Column.of("Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."), Column.age()),
            (o, now) -> List.of(name(o), o.path("data").size() + o.path("binaryData").size(), age(o, now)));

    public static final Printer SECRET = new Printer(
            List.of(Column.objectName(), Column.of("Type", "string", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
                    Column.of("Data", "string", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"), Column.age()),
            (o, now) -> List.of(name(o), o.path("type").asText(""), o.path("data").size(), age(o, now)));

    public static final Printer SERVICE_ACCOUNT = new Printer(
            List.of(Column.objectName(), Column.of("Secrets", "string", "Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount. More info: https://kubernetes.io/docs/concepts/configuration/secret"), Column.age()),
            (o, now) -> List.of(name(o), o.path("secrets").size(), age(o, now)));

    public static final Printer DEPLOYMENT = new Printer(
            List.of(Column.objectName(),
                    Column.of("Ready", "string", "Number of the pod with ready state"),
                    Column.of("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                    Column.of("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                    Column.age(), CONTAINERS, IMAGES, SELECTOR),
            (o, now) -> {
                JsonNode status = o.path("status");
                return List.of(name(o),
                        status.path("readyReplicas").asLong() + "/" + o.path("spec").path("replicas").asLong(),
                        status.path("updatedReplicas").asLong(), status.path("availableReplicas").asLong(),
                        age(o, now), containers(o.path("spec").path("template")), images(o.path("spec").path("template")),
                        selectorString(o.path("spec").path("selector")));
            });

    public static final Printer REPLICA_SET = new Printer(
            List.of(Column.objectName(),
                    Column.of("Desired", "integer", "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"),
                    Column.of("Current", "integer", "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"),
                    Column.of("Ready", "integer", "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
                    Column.age(), CONTAINERS, IMAGES, SELECTOR),
            (o, now) -> List.of(name(o), o.path("spec").path("replicas").asLong(), o.path("status").path("replicas").asLong(),
                    o.path("status").path("readyReplicas").asLong(), age(o, now), containers(o.path("spec").path("template")),
                    images(o.path("spec").path("template")), selector(o.path("spec").path("selector"))));

    /** Replication controllers print as replica sets, their selector being a plain map. */
    public static final Printer REPLICATION_CONTROLLER = new Printer(REPLICA_SET.columns(),
            (o, now) -> List.of(name(o), o.path("spec").path("replicas").asLong(), o.path("status").path("replicas").asLong(),
                    o.path("status").path("readyReplicas").asLong(), age(o, now), containers(o.path("spec").path("template")),
                    images(o.path("spec").path("template")), labels(o.path("spec").path("selector"), "<none>")));

    public static final Printer STATEFUL_SET = new Printer(
            List.of(Column.objectName(), Column.of("Ready", "string", "Number of the pod with ready state"), Column.age(),
                    CONTAINERS, IMAGES),
            (o, now) -> List.of(name(o),
                    o.path("status").path("readyReplicas").asLong() + "/" + o.path("spec").path("replicas").asLong(),
                    age(o, now), containers(o.path("spec").path("template")), images(o.path("spec").path("template"))));

    public static final Printer DAEMON_SET = new Printer(
            List.of(Column.objectName(),
                    Column.of("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
                    Column.of("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
                    Column.of("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
                    Column.of("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
                    Column.of("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
                    Column.of("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
                    Column.age(), CONTAINERS, IMAGES, SELECTOR),
            (o, now) -> {
                JsonNode status = o.path("status");
                return List.of(name(o), status.path("desiredNumberScheduled").asLong(),
                        status.path("currentNumberScheduled").asLong(), status.path("numberReady").asLong(),
                        status.path("updatedNumberScheduled").asLong(), status.path("numberAvailable").asLong(),
                        labels(o.path("spec").path("template").path("spec").path("nodeSelector"), "<none>"),
                        age(o, now), containers(o.path("spec").path("template")), images(o.path("spec").path("template")),
                        selector(o.path("spec").path("selector")));
            });

    public static final Printer JOB = new Printer(
            List.of(Column.objectName(),
                    Column.of("Status", "string", "Status of the job."),
                    Column.of("Completions", "string", "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs."),
                    Column.of("Duration", "string", "Time required to complete the job."),
                    Column.age(), CONTAINERS, IMAGES, SELECTOR),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                JsonNode status = o.path("status");
                long succeeded = status.path("succeeded").asLong();
                String completions;
                if (spec.path("completions").isNumber()) {
                    completions = succeeded + "/" + spec.path("completions").asLong();
                } else if (spec.path("parallelism").asLong() > 1) {
                    completions = succeeded + "/1 of " + spec.path("parallelism").asLong();
                } else {
                    completions = succeeded + "/1";
                }
                Instant start = time(status.path("startTime"));
                Instant end = time(status.path("completionTime"));
                String duration = start == null ? "" : humanDuration(Duration.between(start, end == null ? now : end));
                return List.of(name(o), jobStatus(o), completions, duration, age(o, now),
                        containers(spec.path("template")), images(spec.path("template")), selector(spec.path("selector")));
            });

    public static final Printer CRON_JOB = new Printer(
            List.of(Column.objectName(),
                    Column.of("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
                    Column.of("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
                    Column.of("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
                    Column.of("Active", "integer", "A list of pointers to currently running jobs."),
                    Column.of("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
                    Column.age(), CONTAINERS, IMAGES, SELECTOR),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                JsonNode template = spec.path("jobTemplate").path("spec").path("template");
                Instant last = time(o.path("status").path("lastScheduleTime"));
                JsonNode jobSelector = spec.path("jobTemplate").path("spec").path("selector");
                return List.of(name(o), spec.path("schedule").asText(""),
                        spec.path("timeZone").isTextual() ? spec.path("timeZone").asText() : "<none>",
                        spec.path("suspend").isBoolean() ? (spec.path("suspend").asBoolean() ? "True" : "False") : "<unset>",
                        o.path("status").path("active").size(),
                        last == null ? "<none>" : humanDuration(Duration.between(last, now)), age(o, now),
                        containers(template), images(template),
                        selector(jobSelector));
            });

    public static final Printer LEASE = new Printer(
            List.of(Column.objectName(), Column.of("Holder", "string", "The holder of the lease"), Column.age()),
            (o, now) -> List.of(name(o), o.path("spec").path("holderIdentity").asText(""), age(o, now)));

    public static final Printer PRIORITY_CLASS = new Printer(
            List.of(Column.objectName(),
                    Column.of("Value", "integer", "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
                    Column.of("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."),
                    Column.age(),
                    Column.of("PreemptionPolicy", "string", "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.")),
            (o, now) -> List.of(name(o), o.path("value").asLong(), o.path("globalDefault").asBoolean(false), age(o, now),
                    o.path("preemptionPolicy").asText("")));

    public static final Printer ROLE_BINDING = new Printer(
            List.of(Column.objectName(), Column.of("Role", "string", "RoleRef references the Role for this binding"), Column.age(),
                    Column.wide("Users", "string", "Users in the roleBinding"),
                    Column.wide("Groups", "string", "Groups in the roleBinding"),
                    Column.wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding")),
            (o, now) -> {
                List<String> users = new ArrayList<>();
                List<String> groups = new ArrayList<>();
                List<String> serviceAccounts = new ArrayList<>();
                for (JsonNode subject : o.path("subjects")) {
                    switch (subject.path("kind").asText()) {
                        case "User" -> users.add(subject.path("name").asText());
                        case "Group" -> groups.add(subject.path("name").asText());
                        case "ServiceAccount" -> serviceAccounts.add(
                                subject.path("namespace").asText("") + ":" + subject.path("name").asText());
                        default -> { }
                    }
                }
                return List.of(name(o), o.path("roleRef").path("kind").asText() + "/" + o.path("roleRef").path("name").asText(),
                        age(o, now), String.join(", ", users), String.join(", ", groups), String.join(", ", serviceAccounts));
            });

    private static final String ADDRESSES_DOC = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

    public static final Printer NODE = new Printer(
            List.of(Column.objectName(),
                    Column.of("Status", "string", "The status of the node"),
                    Column.of("Roles", "string", "The roles of the node"),
                    Column.age(),
                    Column.of("Version", "string", "Deprecated: KubeletVersion reported by the node."),
                    Column.wide("Internal-IP", "string", ADDRESSES_DOC),
                    Column.wide("External-IP", "string", ADDRESSES_DOC),
                    Column.wide("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
                    Column.wide("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
                    Column.wide("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).")),
            (o, now) -> {
                // only the Ready condition counts, as upstream
                List<String> status = new ArrayList<>();
                for (JsonNode c : o.path("status").path("conditions")) {
                    if (c.path("type").asText().equals("Ready")) {
                        status.add(c.path("status").asText().equals("True") ? "Ready" : "NotReady");
                    }
                }
                if (status.isEmpty()) {
                    status.add("Unknown");
                }
                if (o.path("spec").path("unschedulable").asBoolean(false)) {
                    status.add("SchedulingDisabled");
                }
                java.util.SortedSet<String> roles = new java.util.TreeSet<>();
                o.path("metadata").path("labels").properties().forEach(e -> {
                    if (e.getKey().startsWith("node-role.kubernetes.io/") && e.getKey().length() > "node-role.kubernetes.io/".length()) {
                        roles.add(e.getKey().substring("node-role.kubernetes.io/".length()));
                    } else if (e.getKey().equals("kubernetes.io/role") && !e.getValue().asText().isEmpty()) {
                        roles.add(e.getValue().asText());
                    }
                });
                JsonNode info = o.path("status").path("nodeInfo");
                return List.of(name(o), String.join(",", status), roles.isEmpty() ? "<none>" : String.join(",", roles),
                        age(o, now), info.path("kubeletVersion").asText(""), nodeAddress(o, "InternalIP"),
                        nodeAddress(o, "ExternalIP"), orUnknown(info.path("osImage")), orUnknown(info.path("kernelVersion")),
                        orUnknown(info.path("containerRuntimeVersion")));
            });

    public static final Printer EVENT = new Printer(
            List.of(Column.of("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
                    Column.of("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
                    Column.of("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                    Column.of("Object", "string", "The object that this event is about."),
                    Column.wide("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object."),
                    Column.wide("Source", "string", "The component reporting this event. Should be a short machine understandable string."),
                    Column.of("Message", "string", "A human-readable description of the status of this operation."),
                    Column.wide("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
                    Column.wide("Count", "string", "The number of times this event has occurred."),
                    new Column("Name", "string", "name", Column.NAME_DOC, 1)),
            (o, now) -> {
                String first = since(o.path("firstTimestamp"), now);
                if (time(o.path("firstTimestamp")) == null) {
                    first = since(o.path("eventTime"), now);
                }
                String last = time(o.path("lastTimestamp")) == null ? first : since(o.path("lastTimestamp"), now);
                long count = o.path("count").asLong();
                if (o.path("series").isObject()) {
                    last = since(o.path("series").path("lastObservedTime"), now);
                    count = o.path("series").path("count").asLong();
                } else if (count == 0) {
                    count = 1; // singleton events of the new API carry no count
                }
                JsonNode involved = o.path("involvedObject");
                String kind = involved.path("kind").asText("").toLowerCase(java.util.Locale.ROOT);
                String target = involved.path("name").asText("").isEmpty() ? kind : kind + "/" + involved.path("name").asText();
                String component = firstNonEmpty(o.path("source").path("component").asText(""), o.path("reportingComponent").asText(""));
                String instance = firstNonEmpty(o.path("source").path("host").asText(""), o.path("reportingInstance").asText(""));
                return List.of(last, o.path("type").asText(""), o.path("reason").asText(""), target,
                        involved.path("fieldPath").asText(""), instance.isEmpty() ? component : component + ", " + instance,
                        o.path("message").asText("").strip(), first, count, name(o));
            });


    private static String nodeAddress(JsonNode node, String type) {
        for (JsonNode address : node.path("status").path("addresses")) {
            if (address.path("type").asText().equals(type)) {
                return address.path("address").asText();
            }
        }
        return "<none>";
    }

    private static String orUnknown(JsonNode value) {
        return value.asText("").isEmpty() ? "<unknown>" : value.asText();
    }

    private static String firstNonEmpty(String a, String b) {
        return a.isEmpty() ? b : a;
    }

    /** translateTimestampSince for any timestamp field, "&lt;unknown&gt;" when unset. */
    private static String since(JsonNode timestamp, Instant now) {
        Instant at = time(timestamp);
        return at == null ? "<unknown>" : humanDuration(Duration.between(at, now));
    }

    // ---- cell helpers, after upstream's printers ----

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    /** The AGE cell: upstream's translateTimestampSince, "&lt;unknown&gt;" without a timestamp. */
    static String age(JsonNode object, Instant now) {
        Instant created = time(object.path("metadata").path("creationTimestamp"));
        return created == null ? "<unknown>" : humanDuration(Duration.between(created, now));
    }

    static Instant time(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** apimachinery's duration.HumanDuration: two significant units while they matter, one after. */
    public static String humanDuration(Duration d) {
        long seconds = d.toMillis() / 1000; // truncated toward zero, as Go's int(d.Seconds())
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = d.toMinutes();
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 180) {
            return minutes + "m";
        }
        long hours = d.toHours();
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long days = (hours / 24) % 365;
            return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
        }
        return hours / 24 / 365 + "y";
    }

    static String containers(JsonNode template) {
        List<String> names = new ArrayList<>();
        template.path("spec").path("containers").forEach(c -> names.add(c.path("name").asText()));
        return String.join(",", names);
    }

    static String images(JsonNode template) {
        List<String> images = new ArrayList<>();
        template.path("spec").path("containers").forEach(c -> images.add(c.path("image").asText()));
        return String.join(",", images);
    }

    /** labels.FormatLabels: sorted k=v pairs, {@code none} when empty. */
    static String labels(JsonNode map, String none) {
        Map<String, String> sorted = new TreeMap<>();
        map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        if (sorted.isEmpty()) {
            return none;
        }
        List<String> pairs = new ArrayList<>();
        sorted.forEach((k, v) -> pairs.add(k + "=" + v));
        return String.join(",", pairs);
    }

    /** metav1.FormatLabelSelector: the selector's string, "&lt;none&gt;" when it is empty. */
    static String selector(JsonNode selector) {
        String text = selectorString(selector);
        return text.isEmpty() ? "<none>" : text;
    }

    /**
     * A metav1.LabelSelector as labels.Selector.String(): requirements sorted by key, equality as
     * k=v, sets as "k in (a,b)", existence as k / !k; empty when it has no requirements.
     */
    static String selectorString(JsonNode selector) {
        record Requirement(String key, String text) {
        }
        List<Requirement> requirements = new ArrayList<>();
        selector.path("matchLabels").properties().forEach(e ->
                requirements.add(new Requirement(e.getKey(), e.getKey() + "=" + e.getValue().asText())));
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText();
            List<String> values = new ArrayList<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            values.sort(null);
            String set = "(" + String.join(",", values) + ")";
            String text = switch (expression.path("operator").asText()) {
                case "In" -> key + " in " + set;
                case "NotIn" -> key + " notin " + set;
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key;
            };
            requirements.add(new Requirement(key, text));
        }
        requirements.sort(java.util.Comparator.comparing(Requirement::key));
        return String.join(",", requirements.stream().map(Requirement::text).toList());
    }

    private static String jobStatus(JsonNode job) {
        if (condition(job, "Complete")) {
            return "Complete";
        } else if (condition(job, "Failed")) {
            return "Failed";
        } else if (job.path("metadata").has("deletionTimestamp")) {
            return "Terminating";
        } else if (condition(job, "Suspended")) {
            return "Suspended";
        } else if (condition(job, "FailureTarget")) {
            return "FailureTarget";
        }
        return "Running";
    }

    private static boolean condition(JsonNode object, String type) {
        for (Iterator<JsonNode> it = object.path("status").path("conditions").elements(); it.hasNext(); ) {
            JsonNode c = it.next();
            if (c.path("type").asText().equals(type) && c.path("status").asText().equals("True")) {
                return true;
            }
        }
        return false;
    }
}
