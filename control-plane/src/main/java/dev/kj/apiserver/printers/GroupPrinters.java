package dev.kj.apiserver.printers;

import static dev.kj.apiserver.printers.Printers.age;
import static dev.kj.apiserver.printers.Printers.humanDuration;
import static dev.kj.apiserver.printers.Printers.name;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Printers of the named API groups' kinds (policy, networking, storage, node, apps revisions,
 * autoscaling, certificates, admission registration, discovery), after upstream's printers.go.
 */
public final class GroupPrinters {
    private GroupPrinters() {
    }

    private static final String WEBHOOKS_DOC = "Webhooks indicates the number of webhooks registered in this configuration";

    public static final Printer POD_DISRUPTION_BUDGET = new Printer(
            List.of(Column.objectName(),
                    Column.of("Min Available", "string", "The minimum number of pods that must be available."),
                    Column.of("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
                    Column.of("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
                    Column.age()),
            (o, now) -> List.of(name(o), intOrString(o.path("spec").path("minAvailable")),
                    intOrString(o.path("spec").path("maxUnavailable")), o.path("status").path("disruptionsAllowed").asLong(),
                    age(o, now)));

    public static final Printer INGRESS = new Printer(
            List.of(Column.objectName(),
                    Column.of("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
                    Column.of("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
                    Column.of("Address", "string", "Address is a list containing ingress points for the load-balancer"),
                    Column.of("Ports", "string", "Ports of TLS configurations that open"),
                    Column.age()),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                TreeSet<String> addresses = CorePrinters.loadBalancerAddresses(o.path("status").path("loadBalancer"));
                boolean tls = spec.path("tls").isArray() && !spec.path("tls").isEmpty();
                return List.of(name(o), spec.path("ingressClassName").asText("<none>"), hosts(spec.path("rules")),
                        String.join(",", addresses), tls ? "80, 443" : "80", age(o, now));
            });

    public static final Printer INGRESS_CLASS = new Printer(
            List.of(Column.objectName(),
                    Column.of("Controller", "string", "Controller that is responsible for handling this class"),
                    Column.of("Parameters", "string", "A reference to a resource with additional parameters"),
                    Column.age()),
            (o, now) -> {
                JsonNode parameters = o.path("spec").path("parameters");
                String cell = "<none>";
                if (parameters.isObject()) {
                    cell = parameters.path("kind").asText("");
                    if (parameters.path("apiGroup").isTextual()) {
                        cell += "." + parameters.path("apiGroup").asText();
                    }
                    cell += "/" + parameters.path("name").asText("");
                }
                return List.of(name(o), o.path("spec").path("controller").asText(""), cell, age(o, now));
            });

    public static final Printer NETWORK_POLICY = new Printer(
            List.of(Column.objectName(), Column.of("Pod-Selector", "string", Docs.NETPOL_SELECTOR), Column.age()),
            (o, now) -> List.of(name(o), Printers.selector(o.path("spec").path("podSelector")), age(o, now)));

    public static final Printer ENDPOINT_SLICE = new Printer(
            List.of(Column.objectName(),
                    Column.of("AddressType", "string", Docs.EPS_TYPE),
                    Column.of("Ports", "string", Docs.EPS_PORTS),
                    Column.of("Endpoints", "string", Docs.EPS_ENDPOINTS),
                    Column.age()),
            (o, now) -> {
                List<String> ports = new ArrayList<>();
                for (JsonNode port : o.path("ports")) {
                    ports.add(port.path("port").isNumber() ? Integer.toString(port.path("port").asInt())
                            : port.path("name").isTextual() ? port.path("name").asText() : "*");
                }
                List<String> addresses = new ArrayList<>();
                for (JsonNode endpoint : o.path("endpoints")) {
                    endpoint.path("addresses").forEach(a -> addresses.add(a.asText()));
                }
                return List.of(name(o), o.path("addressType").asText(""), listWithMore(ports), listWithMore(addresses), age(o, now));
            });

    public static final Printer STORAGE_CLASS = new Printer(
            List.of(Column.objectName(),
                    Column.of("Provisioner", "string", Docs.SC_PROVISIONER),
                    Column.of("ReclaimPolicy", "string", Docs.SC_RECLAIM),
                    Column.of("VolumeBindingMode", "string", Docs.SC_BINDING),
                    Column.of("AllowVolumeExpansion", "string", Docs.SC_EXPANSION),
                    Column.age()),
            (o, now) -> {
                JsonNode annotations = o.path("metadata").path("annotations");
                boolean isDefault = annotations.path("storageclass.kubernetes.io/is-default-class").asText("").equals("true")
                        || annotations.path("storageclass.beta.kubernetes.io/is-default-class").asText("").equals("true");
                return List.of(isDefault ? name(o) + " (default)" : name(o), o.path("provisioner").asText(""),
                        o.path("reclaimPolicy").asText("Delete"), o.path("volumeBindingMode").asText("Immediate"),
                        o.path("allowVolumeExpansion").asBoolean(false), age(o, now));
            });

    public static final Printer CSI_DRIVER = new Printer(
            List.of(Column.objectName(),
                    Column.of("AttachRequired", "boolean", Docs.CSI_ATTACH),
                    Column.of("PodInfoOnMount", "boolean", Docs.CSI_PODINFO),
                    Column.of("StorageCapacity", "boolean", Docs.CSI_CAPACITY),
                    Column.of("TokenRequests", "string", Docs.CSI_TOKENS),
                    Column.of("RequiresRepublish", "boolean", Docs.CSI_REPUBLISH),
                    Column.of("Modes", "string", Docs.CSI_MODES),
                    Column.age()),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                String tokens = "<unset>";
                if (spec.path("tokenRequests").isArray()) {
                    List<String> audiences = new ArrayList<>();
                    spec.path("tokenRequests").forEach(t -> audiences.add(t.path("audience").asText("")));
                    tokens = String.join(",", audiences);
                }
                List<String> modes = new ArrayList<>();
                spec.path("volumeLifecycleModes").forEach(m -> modes.add(m.asText()));
                return List.of(name(o), spec.path("attachRequired").asBoolean(true), spec.path("podInfoOnMount").asBoolean(false),
                        spec.path("storageCapacity").asBoolean(false), tokens, spec.path("requiresRepublish").asBoolean(false),
                        modes.isEmpty() ? "<none>" : String.join(",", modes), age(o, now));
            });

    public static final Printer CSI_NODE = new Printer(
            List.of(Column.objectName(),
                    Column.of("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"),
                    Column.age()),
            (o, now) -> List.of(name(o), (long) o.path("spec").path("drivers").size(), age(o, now)));

    public static final Printer VOLUME_ATTACHMENT = new Printer(
            List.of(Column.objectName(),
                    new Column("Attacher", "string", "name", Docs.VA_ATTACHER, 0),
                    Column.of("PV", "string", Docs.VA_PV),
                    Column.of("Node", "string", Docs.VA_NODE),
                    Column.of("Attached", "boolean", Docs.VA_ATTACHED),
                    Column.age()),
            (o, now) -> List.of(name(o), o.path("spec").path("attacher").asText(""),
                    o.path("spec").path("source").path("persistentVolumeName").asText(""),
                    o.path("spec").path("nodeName").asText(""), o.path("status").path("attached").asBoolean(false), age(o, now)));

    /** Upstream documents the Handler column with a key ObjectMeta lacks, so its description is empty. */
    public static final Printer RUNTIME_CLASS = new Printer(
            List.of(Column.objectName(), Column.of("Handler", "string", ""), Column.age()),
            (o, now) -> List.of(name(o), o.path("handler").asText(""), age(o, now)));

    public static final Printer CONTROLLER_REVISION = new Printer(
            List.of(Column.objectName(),
                    Column.of("Controller", "string", "Controller of the object"),
                    Column.of("Revision", "string", Docs.CR_REVISION),
                    Column.age()),
            (o, now) -> {
                String controller = "<none>";
                for (JsonNode owner : o.path("metadata").path("ownerReferences")) {
                    if (owner.path("controller").asBoolean(false)) {
                        String apiVersion = owner.path("apiVersion").asText("");
                        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                        String kind = owner.path("kind").asText("");
                        String groupKind = group.isEmpty() ? kind : kind + "." + group;
                        controller = groupKind.isEmpty() ? owner.path("name").asText("")
                                : groupKind.toLowerCase(java.util.Locale.ROOT) + "/" + owner.path("name").asText("");
                        break;
                    }
                }
                return List.of(name(o), controller, o.path("revision").asLong(), age(o, now));
            });

    /** Upstream prints its internal HPA, which is autoscaling/v2's shape; v1 objects are converted first. */
    public static final Printer HORIZONTAL_POD_AUTOSCALER = new Printer(
            List.of(Column.objectName(),
                    Column.of("Reference", "string", Docs.HPA_REF),
                    Column.of("Targets", "string", Docs.HPA_METRICS),
                    Column.of("MinPods", "string", Docs.HPA_MIN),
                    Column.of("MaxPods", "string", Docs.HPA_MAX),
                    Column.of("Replicas", "string", Docs.HPA_CURRENT),
                    Column.age()),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                String reference = spec.path("scaleTargetRef").path("kind").asText("") + "/"
                        + spec.path("scaleTargetRef").path("name").asText("");
                String minPods = spec.path("minReplicas").isNumber() ? Integer.toString(spec.path("minReplicas").asInt()) : "<unset>";
                return List.of(name(o), reference, hpaMetrics(spec.path("metrics"), o.path("status").path("currentMetrics")),
                        minPods, spec.path("maxReplicas").asLong(), o.path("status").path("currentReplicas").asLong(), age(o, now));
            });

    public static final Printer CERTIFICATE_SIGNING_REQUEST = new Printer(
            List.of(Column.objectName(),
                    Column.age(),
                    Column.of("SignerName", "string", Docs.CSR_SIGNER),
                    Column.of("Requestor", "string", Docs.CSR_REQUEST),
                    Column.of("RequestedDuration", "string", Docs.CSR_DURATION),
                    Column.of("Condition", "string", Docs.CSR_CONDITIONS)),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                String duration = spec.path("expirationSeconds").isNumber()
                        ? humanDuration(Duration.ofSeconds(spec.path("expirationSeconds").asLong())) : "<none>";
                return List.of(name(o), age(o, now), spec.path("signerName").asText("").isEmpty() ? "<none>"
                        : spec.path("signerName").asText(), spec.path("username").asText(""), duration, csrCondition(o));
            });

    public static final Printer WEBHOOK_CONFIGURATION = new Printer(
            List.of(Column.objectName(), Column.of("Webhooks", "integer", WEBHOOKS_DOC), Column.age()),
            (o, now) -> List.of(name(o), (long) o.path("webhooks").size(), age(o, now)));

    public static final Printer VALIDATING_ADMISSION_POLICY = new Printer(
            List.of(Column.objectName(),
                    Column.of("Validations", "integer", "Validations indicates the number of validation rules defined in this configuration"),
                    Column.of("ParamKind", "string", "ParamKind specifies the kind of resources used to parameterize this policy"),
                    Column.age()),
            (o, now) -> {
                JsonNode paramKind = o.path("spec").path("paramKind");
                String kind = paramKind.isObject() ? paramKind.path("apiVersion").asText("") + "/" + paramKind.path("kind").asText("")
                        : "<unset>";
                return List.of(name(o), (long) o.path("spec").path("validations").size(), kind, age(o, now));
            });

    public static final Printer VALIDATING_ADMISSION_POLICY_BINDING = new Printer(
            List.of(Column.objectName(),
                    Column.of("PolicyName", "string", "PolicyName indicates the policy definition which the policy binding binded to"),
                    Column.of("ParamRef", "string", "ParamRef indicates the param resource which sets the configration param"),
                    Column.age()),
            (o, now) -> {
                JsonNode ref = o.path("spec").path("paramRef");
                String param = "<unset>";
                if (ref.isObject()) {
                    if (!ref.path("name").asText("").isEmpty()) {
                        String namespace = ref.path("namespace").asText("");
                        param = (namespace.isEmpty() ? "*" : namespace) + "/" + ref.path("name").asText();
                    } else if (ref.path("selector").isObject()) {
                        param = Printers.selectorString(ref.path("selector"));
                    }
                }
                return List.of(name(o), o.path("spec").path("policyName").asText(""), param, age(o, now));
            });

    // ---- helpers ----

    /** intstr.IntOrString.String(), "N/A" when unset. */
    private static String intOrString(JsonNode value) {
        if (value.isNumber()) {
            return Integer.toString(value.asInt());
        }
        return value.isTextual() ? value.asText() : "N/A";
    }

    /** formatHosts: up to three hosts, then "+ N more..."; "*" without any. */
    private static String hosts(JsonNode rules) {
        List<String> list = new ArrayList<>();
        int max = 3;
        boolean more = false;
        for (JsonNode rule : rules) {
            if (list.size() == max) {
                more = true;
            }
            if (!more && !rule.path("host").asText("").isEmpty()) {
                list.add(rule.path("host").asText());
            }
        }
        if (list.isEmpty()) {
            return "*";
        }
        String joined = String.join(",", list);
        return more ? joined + " + " + (rules.size() - max) + " more..." : joined;
    }

    /** listWithMoreString: up to three, then "+ N more..."; "&lt;unset&gt;" for none. */
    private static String listWithMore(List<String> all) {
        int max = 3;
        if (all.size() > max) {
            return String.join(",", all.subList(0, max)) + " + " + (all.size() - max) + " more...";
        }
        return all.isEmpty() ? "<unset>" : String.join(",", all);
    }

    private static String csrCondition(JsonNode csr) {
        boolean approved = false;
        boolean denied = false;
        boolean failed = false;
        for (JsonNode condition : csr.path("status").path("conditions")) {
            switch (condition.path("type").asText()) {
                case "Approved" -> approved = true;
                case "Denied" -> denied = true;
                case "Failed" -> failed = true;
                default -> { }
            }
        }
        String status = denied ? "Denied" : approved ? "Approved" : "Pending";
        if (failed) {
            status += ",Failed";
        }
        if (!csr.path("status").path("certificate").asText("").isEmpty()) {
            status += ",Issued";
        }
        return status;
    }

    /** formatHPAMetrics over autoscaling/v2 specs and statuses: two targets, then "+ N more...". */
    static String hpaMetrics(JsonNode specs, JsonNode statuses) {
        if (!specs.isArray() || specs.isEmpty()) {
            return "<none>";
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            JsonNode spec = specs.get(i);
            JsonNode status = statuses.path(i);
            switch (spec.path("type").asText()) {
                case "External" -> list.add(valueOrAverage(spec.path("external").path("target"), status.path("external")));
                case "Pods" -> {
                    String current = status.path("pods").isObject()
                            ? quantity(status.path("pods").path("current").path("averageValue")) : "<unknown>";
                    list.add(current + "/" + quantity(spec.path("pods").path("target").path("averageValue")));
                }
                case "Object" -> list.add(valueOrAverage(spec.path("object").path("target"), status.path("object")));
                case "Resource" -> list.add(resourceTarget(spec.path("resource"), status.path("resource")));
                case "ContainerResource" -> list.add(resourceTarget(spec.path("containerResource"), status.path("containerResource")));
                default -> list.add("<unknown type>");
            }
        }
        int max = 2;
        if (list.size() > max) {
            return String.join(", ", list.subList(0, max)) + " + " + (list.size() - max) + " more...";
        }
        return String.join(", ", list);
    }

    private static String valueOrAverage(JsonNode target, JsonNode status) {
        if (target.hasNonNull("averageValue")) {
            String current = status.isObject() && status.path("current").hasNonNull("averageValue")
                    ? status.path("current").path("averageValue").asText() : "<unknown>";
            return current + "/" + target.path("averageValue").asText() + " (avg)";
        }
        String current = status.isObject() ? quantity(status.path("current").path("value")) : "<unknown>";
        return current + "/" + quantity(target.path("value"));
    }

    private static String resourceTarget(JsonNode spec, JsonNode status) {
        String resource = spec.path("name").asText("");
        JsonNode target = spec.path("target");
        if (target.hasNonNull("averageValue")) {
            String current = status.isObject() ? quantity(status.path("current").path("averageValue")) : "<unknown>";
            return resource + ": " + current + "/" + target.path("averageValue").asText();
        }
        String current = status.isObject() && status.path("current").path("averageUtilization").isNumber()
                ? status.path("current").path("averageUtilization").asInt() + "%" : "<unknown>";
        String wanted = target.path("averageUtilization").isNumber() ? target.path("averageUtilization").asInt() + "%" : "<auto>";
        return resource + ": " + current + "/" + wanted;
    }

    private static String quantity(JsonNode value) {
        return CorePrinters.quantity(value);
    }
}
