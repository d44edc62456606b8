package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.defaultBoolean;
import static dev.kj.apiserver.validation.Nodes.defaultNonZero;
import static dev.kj.apiserver.validation.Nodes.defaultNumber;
import static dev.kj.apiserver.validation.Nodes.defaultText;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.Metadata;
import dev.kj.apiserver.validation.Quantity;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pod specs and pod templates (core/v1): defaulting as upstream's SetDefaults_PodSpec,
 * SetDefaults_Container, SetDefaults_Volume and friends plus the declarative defaults of k8s.io/api,
 * and validation as pkg/apis/core/validation's ValidatePodSpec and ValidatePodTemplateSpec.
 */
public final class PodSpecs {
    private PodSpecs() {
    }

    /** Every volume source a core/v1 Volume may hold (exactly one is allowed), in the order upstream checks them. */
    private static final List<String> VOLUME_SOURCES = List.of("emptyDir", "hostPath", "gitRepo",
            "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi", "glusterfs", "flocker",
            "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume",
            "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk",
            "storageos", "scaleIO", "projected", "csi", "ephemeral", "image");
    private static final List<String> CONTAINER_LISTS = List.of("initContainers", "containers", "ephemeralContainers");
    private static final Set<String> STANDARD_CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");

    // ---- defaulting ----

    /** SetDefaults_PodSpec and what it reaches (containers, probes, volumes); for pods and templates. */
    public static void setDefaults(ObjectNode spec) {
        defaultText(spec, "dnsPolicy", "ClusterFirst");
        defaultText(spec, "restartPolicy", "Always");
        if (!set(spec, "securityContext")) {
            spec.putObject("securityContext");
        }
        defaultNumber(spec, "terminationGracePeriodSeconds", 30);
        defaultText(spec, "schedulerName", "default-scheduler");
        for (String list : CONTAINER_LISTS) {
            for (JsonNode node : spec.path(list)) {
                if (node instanceof ObjectNode container) {
                    containerDefaults(container);
                }
            }
        }
        for (JsonNode node : spec.path("volumes")) {
            if (node instanceof ObjectNode volume) {
                volumeDefaults(volume);
            }
        }
    }

    /** SetDefaults_Pod on top of the spec's: requests from limits, enableServiceLinks, host network ports. */
    public static void setPodDefaults(ObjectNode spec) {
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode node : spec.path(list)) {
                if (node.path("resources").get("limits") instanceof ObjectNode limits
                        && node.get("resources") instanceof ObjectNode resources) {
                    ObjectNode requests = resources.get("requests") instanceof ObjectNode r ? r : resources.putObject("requests");
                    limits.properties().forEach(e -> {
                        if (!requests.has(e.getKey())) {
                            requests.set(e.getKey(), e.getValue().deepCopy());
                        }
                    });
                }
            }
        }
        defaultBoolean(spec, "enableServiceLinks", true);
        if (spec.path("hostNetwork").asBoolean(false)) {
            for (String list : List.of("containers", "initContainers")) {
                for (JsonNode container : spec.path(list)) {
                    for (JsonNode node : container.path("ports")) {
                        if (node instanceof ObjectNode port && port.path("hostPort").asLong(0) == 0) {
                            port.set("hostPort", port.path("containerPort"));
                        }
                    }
                }
            }
        }
        setDefaults(spec);
    }

    private static void containerDefaults(ObjectNode container) {
        if (text(container, "imagePullPolicy").isEmpty()) {
            container.put("imagePullPolicy", "latest".equals(imageTag(text(container, "image"))) ? "Always" : "IfNotPresent");
        }
        defaultText(container, "terminationMessagePath", "/dev/termination-log");
        defaultText(container, "terminationMessagePolicy", "File");
        for (JsonNode node : container.path("ports")) {
            if (node instanceof ObjectNode port) {
                defaultText(port, "protocol", "TCP");
            }
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            if (container.get(probe) instanceof ObjectNode p) {
                defaultNonZero(p, "timeoutSeconds", 1);
                defaultNonZero(p, "periodSeconds", 10);
                defaultNonZero(p, "successThreshold", 1);
                defaultNonZero(p, "failureThreshold", 3);
                handlerDefaults(p);
            }
        }
        if (container.get("lifecycle") instanceof ObjectNode lifecycle) {
            for (String hook : List.of("postStart", "preStop")) {
                if (lifecycle.get(hook) instanceof ObjectNode handler) {
                    handlerDefaults(handler);
                }
            }
        }
        for (JsonNode env : container.path("env")) {
            if (env.path("valueFrom").get("fieldRef") instanceof ObjectNode fieldRef) {
                defaultText(fieldRef, "apiVersion", "v1");
            }
        }
    }

    private static void handlerDefaults(ObjectNode handler) {
        if (handler.get("httpGet") instanceof ObjectNode httpGet) {
            defaultText(httpGet, "path", "/");
            defaultText(httpGet, "scheme", "HTTP");
        }
    }

    private static void volumeDefaults(ObjectNode volume) {
        if (VOLUME_SOURCES.stream().noneMatch(source -> set(volume, source))) {
            volume.putObject("emptyDir");
        }
        for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
            if (volume.get(source) instanceof ObjectNode s) {
                defaultNumber(s, "defaultMode", 420); // 0644
            }
        }
        if (volume.get("hostPath") instanceof ObjectNode hostPath) {
            if (!set(hostPath, "type")) {
                hostPath.put("type", "");
            }
        }
        for (JsonNode source : volume.path("projected").path("sources")) {
            if (source.get("serviceAccountToken") instanceof ObjectNode token) {
                defaultNumber(token, "expirationSeconds", 3600);
            }
        }
        for (JsonNode item : volume.path("downwardAPI").path("items")) {
            if (item.get("fieldRef") instanceof ObjectNode fieldRef) {
                defaultText(fieldRef, "apiVersion", "v1");
            }
        }
        if (volume.path("ephemeral").path("volumeClaimTemplate").path("spec") instanceof ObjectNode claimSpec) {
            defaultText(claimSpec, "volumeMode", "Filesystem");
        }
    }

    /**
     * The tag of an image reference as upstream's ParseImageName finds it: "latest" when neither a
     * tag nor a digest is given, "" when the reference does not parse.
     */
    static String imageTag(String image) {
        if (image.isEmpty() || !image.equals(image.strip()) || image.chars().anyMatch(Character::isWhitespace)) {
            return "";
        }
        String name = image;
        boolean digest = false;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = true;
            name = name.substring(0, at);
        }
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        String tag = colon > slash ? name.substring(colon + 1) : null;
        String repository = colon > slash ? name.substring(0, colon) : name;
        // the path (after a registry host) must be lower case for the reference to parse
        String path = repository.contains("/") && (repository.substring(0, repository.indexOf('/')).contains(".")
                || repository.substring(0, repository.indexOf('/')).contains(":")
                || repository.startsWith("localhost/")) ? repository.substring(repository.indexOf('/') + 1) : repository;
        if (!path.equals(path.toLowerCase(java.util.Locale.ROOT)) || repository.isEmpty()) {
            return "";
        }
        if (tag != null) {
            return tag;
        }
        return digest ? "" : "latest";
    }

    // ---- validation ----

    /** ValidatePodTemplateSpec: the template's labels and annotations, its spec, no ephemeral containers. */
    public static List<FieldError> validateTemplate(JsonNode template, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(Metadata.labelsAndAnnotations(template.path("metadata"),
                path.child("metadata")));
        errors.addAll(validateSpec(template.path("spec"), path.child("spec")));
        if (template.path("spec").path("ephemeralContainers").size() > 0) {
            errors.add(FieldError.forbidden(path.child("spec", "ephemeralContainers"),
                    "ephemeral containers not allowed in pod template"));
        }
        return errors;
    }

    /** ValidatePodSpec. */
    public static List<FieldError> validateSpec(JsonNode spec, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> volumes = new HashSet<>();
        errors.addAll(validateVolumes(spec.path("volumes"), path.child("volumes"), volumes));
        errors.addAll(validateContainers(spec, volumes, path));
        errors.addAll(validateRestartPolicy(text(spec, "restartPolicy"), path.child("restartPolicy")));
        String dnsPolicy = text(spec, "dnsPolicy");
        if (dnsPolicy.isEmpty()) {
            errors.add(FieldError.required(path.child("dnsPolicy"), ""));
        } else if (!List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None").contains(dnsPolicy)) {
            errors.add(FieldError.notSupported(path.child("dnsPolicy"), dnsPolicy,
                    List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")));
        }
        errors.addAll(Metadata.labels(spec.get("nodeSelector"), path.child("nodeSelector")));
        errors.addAll(PodSecurity.podSecurityContext(spec, path));
        boolean hostUsers = spec.path("hostUsers").asBoolean(true);
        for (String list : CONTAINER_LISTS) {
            int c = 0;
            for (JsonNode container : spec.path(list)) {
                errors.addAll(PodSecurity.containerSecurityContext(container, path.child(list).index(c++), hostUsers));
            }
        }
        int i = 0;
        for (JsonNode secret : spec.path("imagePullSecrets")) {
            FieldPath at = path.child("imagePullSecrets").index(i++);
            if (text(secret, "name").isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            }
        }
        if (!text(spec, "serviceAccountName").isEmpty()) {
            String name = text(spec, "serviceAccountName");
            errors.addAll(Formats.invalid(path.child("serviceAccountName"), name, Formats.dns1123Subdomain(name)));
        }
        if (!text(spec, "nodeName").isEmpty()) {
            String name = text(spec, "nodeName");
            errors.addAll(Formats.invalid(path.child("nodeName"), name, Formats.dns1123Subdomain(name)));
        }
        if (set(spec, "activeDeadlineSeconds")) {
            long value = spec.get("activeDeadlineSeconds").asLong();
            if (value < 1 || value > Integer.MAX_VALUE) {
                errors.add(FieldError.invalid(path.child("activeDeadlineSeconds"), value,
                        Formats.inclusiveRange(1, Integer.MAX_VALUE)));
            }
        }
        for (String field : List.of("hostname", "subdomain")) {
            String value = text(spec, field);
            if (!value.isEmpty()) {
                errors.addAll(Formats.invalid(path.child(field), value, Formats.dns1123Label(value)));
            }
        }
        errors.addAll(PodPlacement.affinity(spec.get("affinity"), path.child("affinity")));
        errors.addAll(validateTolerations(spec.path("tolerations"), path.child("tolerations")));
        errors.addAll(PodPlacement.hostAliases(spec.path("hostAliases"), path.child("hostAliases")));
        errors.addAll(PodPlacement.readinessGates(spec.path("readinessGates"), path.child("readinessGates")));
        errors.addAll(PodPlacement.topologySpreadConstraints(spec.path("topologySpreadConstraints"),
                path.child("topologySpreadConstraints")));
        errors.addAll(PodPlacement.dnsConfig(spec, path.child("dnsConfig")));
        errors.addAll(PodPlacement.schedulingGates(spec.path("schedulingGates"), path.child("schedulingGates")));
        if (!text(spec, "priorityClassName").isEmpty()) {
            String name = text(spec, "priorityClassName");
            errors.addAll(Formats.invalid(path.child("priorityClassName"), name, Formats.dns1123Subdomain(name)));
        }
        if (set(spec, "preemptionPolicy")) {
            String policy = text(spec, "preemptionPolicy");
            if (!List.of("PreemptLowerPriority", "Never").contains(policy)) {
                errors.add(FieldError.notSupported(path.child("preemptionPolicy"), policy,
                        List.of("Never", "PreemptLowerPriority")));
            }
        }
        return errors;
    }

    static List<FieldError> validateRestartPolicy(String policy, FieldPath path) {
        if (policy.isEmpty()) {
            return List.of(FieldError.required(path, ""));
        }
        if (!List.of("Always", "OnFailure", "Never").contains(policy)) {
            return List.of(FieldError.notSupported(path, policy, List.of("Always", "OnFailure", "Never")));
        }
        return List.of();
    }

    private static List<FieldError> validateVolumes(JsonNode volumes, FieldPath path, Set<String> names) {
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode volume : volumes) {
            FieldPath at = path.index(i++);
            List<FieldError> own = new ArrayList<>(validateVolumeSource(volume, at));
            String name = text(volume, "name");
            if (name.isEmpty()) {
                own.add(FieldError.required(at.child("name"), ""));
            } else {
                own.addAll(Formats.invalid(at.child("name"), name, Formats.dns1123Label(name)));
            }
            if (names.contains(name)) {
                own.add(FieldError.duplicate(at.child("name"), name));
            }
            if (own.isEmpty()) {
                names.add(name);
            }
            errors.addAll(own);
        }
        return errors;
    }

    private static List<FieldError> validateVolumeSource(JsonNode volume, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int sources = 0;
        for (String source : VOLUME_SOURCES) {
            if (!set(volume, source)) {
                continue;
            }
            if (sources++ > 0) {
                errors.add(FieldError.forbidden(path.child(source), "may not specify more than 1 volume type"));
                continue;
            }
            JsonNode s = volume.get(source);
            switch (source) {
                case "hostPath" -> {
                    if (text(s, "path").isEmpty()) {
                        errors.add(FieldError.required(path.child(source, "path"), ""));
                    }
                    String type = text(s, "type");
                    List<String> types = List.of("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
                            "CharDevice", "BlockDevice");
                    if (!types.contains(type)) {
                        errors.add(FieldError.notSupported(path.child(source, "type"), type, types));
                    }
                }
                case "secret" -> {
                    if (text(s, "secretName").isEmpty()) {
                        errors.add(FieldError.required(path.child(source, "secretName"), ""));
                    }
                    errors.addAll(validateMode(s, path.child(source)));
                }
                case "configMap" -> {
                    if (text(s, "name").isEmpty()) {
                        errors.add(FieldError.required(path.child(source, "name"), ""));
                    }
                    errors.addAll(validateMode(s, path.child(source)));
                }
                case "persistentVolumeClaim" -> {
                    if (text(s, "claimName").isEmpty()) {
                        errors.add(FieldError.required(path.child(source, "claimName"), ""));
                    }
                }
                case "nfs" -> {
                    if (text(s, "server").isEmpty()) {
                        errors.add(FieldError.required(path.child(source, "server"), ""));
                    }
                    if (text(s, "path").isEmpty()) {
                        errors.add(FieldError.required(path.child(source, "path"), ""));
                    } else if (!text(s, "path").startsWith("/")) {
                        errors.add(FieldError.invalid(path.child(source, "path"), text(s, "path"), "must be an absolute path"));
                    }
                }
                case "emptyDir" -> {
                    if (set(s, "medium") && !List.of("", "Memory", "HugePages").contains(text(s, "medium"))
                            && !text(s, "medium").startsWith("HugePages-")) {
                        errors.add(FieldError.notSupported(path.child(source, "medium"), text(s, "medium"),
                                List.of("", "Memory", "HugePages")));
                    }
                }
                default -> {
                }
            }
        }
        if (sources == 0) {
            errors.add(FieldError.required(path, "must specify a volume type"));
        }
        return errors;
    }

    /** validateVolumeMode (file modes of secret/configMap volumes): 0 to 0777. */
    private static List<FieldError> validateMode(JsonNode source, FieldPath path) {
        if (set(source, "defaultMode")) {
            long mode = source.get("defaultMode").asLong();
            if (mode > 0777 || mode < 0) {
                return List.of(FieldError.invalid(path.child("defaultMode"), mode,
                        "must be a number between 0 and 0777 (octal), both inclusive"));
            }
        }
        return List.of();
    }

    private static List<FieldError> validateContainers(JsonNode spec, Set<String> volumes, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode containers = spec.path("containers");
        FieldPath containersPath = path.child("containers");
        if (containers.isEmpty()) {
            errors.add(FieldError.required(containersPath, ""));
        }
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode container : containers) {
            FieldPath at = containersPath.index(i++);
            errors.addAll(validateContainer(container, volumes, at));
            String name = text(container, "name");
            if (!names.add(name)) {
                errors.add(FieldError.duplicate(at.child("name"), name));
            }
            errors.addAll(validateProbe(container.get("livenessProbe"), at.child("livenessProbe"), true));
            errors.addAll(validateProbe(container.get("readinessProbe"), at.child("readinessProbe"), false));
            errors.addAll(validateProbe(container.get("startupProbe"), at.child("startupProbe"), true));
        }
        // init containers: their names are unique among all containers of the pod
        Set<String> initNames = new HashSet<>();
        i = 0;
        for (JsonNode container : spec.path("initContainers")) {
            FieldPath at = path.child("initContainers").index(i++);
            errors.addAll(validateContainer(container, volumes, at));
            String name = text(container, "name");
            if (names.contains(name) || !initNames.add(name)) {
                errors.add(FieldError.duplicate(at.child("name"), name));
            }
            if (set(container, "restartPolicy") && !text(container, "restartPolicy").equals("Always")) {
                errors.add(FieldError.notSupported(at.child("restartPolicy"), text(container, "restartPolicy"),
                        List.of("Always")));
            }
        }
        return errors;
    }

    /** validateContainerCommon. */
    private static List<FieldError> validateContainer(JsonNode container, Set<String> volumes, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(container, "name");
        if (name.isEmpty()) {
            errors.add(FieldError.required(path.child("name"), ""));
        } else {
            errors.addAll(Formats.invalid(path.child("name"), name, Formats.dns1123Label(name)));
        }
        if (text(container, "image").isEmpty()) {
            errors.add(FieldError.required(path.child("image"), ""));
        }
        String policy = text(container, "terminationMessagePolicy");
        if (policy.isEmpty()) {
            errors.add(FieldError.required(path.child("terminationMessagePolicy"), ""));
        } else if (!List.of("File", "FallbackToLogsOnError").contains(policy)) {
            errors.add(FieldError.notSupported(path.child("terminationMessagePolicy"), policy,
                    List.of("File", "FallbackToLogsOnError")));
        }
        errors.addAll(validatePorts(container.path("ports"), path.child("ports")));
        errors.addAll(validateEnv(container.path("env"), path.child("env")));
        errors.addAll(validateVolumeMounts(container.path("volumeMounts"), volumes, path.child("volumeMounts")));
        String pull = text(container, "imagePullPolicy");
        if (pull.isEmpty()) {
            errors.add(FieldError.required(path.child("imagePullPolicy"), ""));
        } else if (!List.of("Always", "IfNotPresent", "Never").contains(pull)) {
            errors.add(FieldError.notSupported(path.child("imagePullPolicy"), pull,
                    List.of("Always", "IfNotPresent", "Never")));
        }
        errors.addAll(validateResources(container.path("resources"), path.child("resources")));
        return errors;
    }

    private static List<FieldError> validatePorts(JsonNode ports, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode port : ports) {
            FieldPath at = path.index(i++);
            String name = text(port, "name");
            if (!name.isEmpty()) {
                List<String> problems = Formats.portName(name);
                if (!problems.isEmpty()) {
                    errors.addAll(Formats.invalid(at.child("name"), name, problems));
                } else if (!names.add(name)) {
                    errors.add(FieldError.duplicate(at.child("name"), name));
                }
            }
            long containerPort = port.path("containerPort").asLong(0);
            if (containerPort == 0) {
                errors.add(FieldError.required(at.child("containerPort"), ""));
            } else {
                Formats.portNumber(containerPort).forEach(p -> errors.add(FieldError.invalid(at.child("containerPort"), containerPort, p)));
            }
            long hostPort = port.path("hostPort").asLong(0);
            if (hostPort != 0) {
                Formats.portNumber(hostPort).forEach(p -> errors.add(FieldError.invalid(at.child("hostPort"), hostPort, p)));
            }
            errors.addAll(validateProtocol(text(port, "protocol"), at.child("protocol")));
        }
        return errors;
    }

    static List<FieldError> validateProtocol(String protocol, FieldPath path) {
        if (protocol.isEmpty()) {
            return List.of(FieldError.required(path, ""));
        }
        if (!List.of("SCTP", "TCP", "UDP").contains(protocol)) {
            return List.of(FieldError.notSupported(path, protocol, List.of("SCTP", "TCP", "UDP")));
        }
        return List.of();
    }

    private static List<FieldError> validateEnv(JsonNode env, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode variable : env) {
            FieldPath at = path.index(i++);
            String name = text(variable, "name");
            if (name.isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            } else {
                errors.addAll(Formats.invalid(at.child("name"), name, Formats.envVarName(name)));
            }
            JsonNode from = variable.get("valueFrom");
            if (from != null && !from.isNull()) {
                FieldPath fromPath = at.child("valueFrom");
                int sources = 0;
                for (String source : List.of("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")) {
                    if (set(from, source)) {
                        sources++;
                    }
                }
                if (!text(variable, "value").isEmpty() && sources != 0) {
                    errors.add(FieldError.invalid(fromPath, "", "may not be specified when `value` is not empty"));
                }
                if (sources == 0) {
                    errors.add(FieldError.invalid(fromPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`,"
                            + " `configMapKeyRef` or `secretKeyRef`"));
                } else if (sources > 1) {
                    errors.add(FieldError.invalid(fromPath, "", "may not have more than one field specified at a time"));
                }
                for (String source : List.of("configMapKeyRef", "secretKeyRef")) {
                    if (set(from, source) && text(from.get(source), "key").isEmpty()) {
                        errors.add(FieldError.required(fromPath.child(source, "key"), ""));
                    }
                }
                if (set(from, "fieldRef") && text(from.get("fieldRef"), "fieldPath").isEmpty()) {
                    errors.add(FieldError.required(fromPath.child("fieldRef", "fieldPath"), ""));
                }
            }
        }
        return errors;
    }

    private static List<FieldError> validateVolumeMounts(JsonNode mounts, Set<String> volumes, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> mountPoints = new HashSet<>();
        int i = 0;
        for (JsonNode mount : mounts) {
            FieldPath at = path.index(i++);
            String name = text(mount, "name");
            if (name.isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            }
            if (!volumes.contains(name)) {
                errors.add(FieldError.notFound(at.child("name"), name));
            }
            String mountPath = text(mount, "mountPath");
            if (mountPath.isEmpty()) {
                errors.add(FieldError.required(at.child("mountPath"), ""));
            }
            if (!mountPoints.add(mountPath)) {
                errors.add(FieldError.invalid(at.child("mountPath"), mountPath, "must be unique"));
            }
            String subPath = text(mount, "subPath");
            if (!subPath.isEmpty()) {
                errors.addAll(validateLocalPath(subPath, at.child("subPath")));
            }
            if (set(mount, "mountPropagation")) {
                String propagation = text(mount, "mountPropagation");
                List<String> supported = List.of("Bidirectional", "HostToContainer", "None");
                if (!supported.contains(propagation)) {
                    errors.add(FieldError.notSupported(at.child("mountPropagation"), propagation, supported));
                }
            }
        }
        return errors;
    }

    /** validateLocalDescendingPath. */
    private static List<FieldError> validateLocalPath(String path, FieldPath at) {
        List<FieldError> errors = new ArrayList<>();
        if (path.startsWith("/")) {
            errors.add(FieldError.invalid(at, path, "must be a relative path"));
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                errors.add(FieldError.invalid(at, path, "must not contain '..'"));
                break;
            }
        }
        return errors;
    }

    /** ValidateContainerResourceRequirements: names, non-negative quantities, requests not above limits. */
    private static List<FieldError> validateResources(JsonNode resources, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        FieldPath limitsPath = path.child("limits");
        for (Map.Entry<String, JsonNode> limit : resources.path("limits").properties()) {
            FieldPath at = limitsPath.key(limit.getKey());
            errors.addAll(validateResourceName(limit.getKey(), at));
            errors.addAll(validateQuantity(limit.getValue(), at));
        }
        FieldPath requestsPath = path.child("requests");
        for (Map.Entry<String, JsonNode> request : resources.path("requests").properties()) {
            String resource = request.getKey();
            FieldPath at = requestsPath.key(resource);
            errors.addAll(validateResourceName(resource, at));
            errors.addAll(validateQuantity(request.getValue(), at));
            Quantity quantity = Quantity.parse(request.getValue().asText());
            JsonNode limitNode = resources.path("limits").get(resource);
            Quantity limit = limitNode == null ? null : Quantity.parse(limitNode.asText());
            if (quantity != null && limit != null) {
                if (quantity.compareTo(limit) != 0 && !overcommitAllowed(resource)) {
                    errors.add(FieldError.invalid(requestsPath, quantity.toString(),
                            "must be equal to " + resource + " limit of " + limit));
                } else if (quantity.compareTo(limit) > 0) {
                    errors.add(FieldError.invalid(requestsPath, quantity.toString(),
                            "must be less than or equal to " + resource + " limit of " + limit));
                }
            } else if (quantity != null && !overcommitAllowed(resource)) {
                errors.add(FieldError.required(limitsPath, "Limit must be set for non overcommitable resources"));
            }
        }
        return errors;
    }

    /** IsOvercommitAllowed: native resources (no domain, or a kubernetes.io one) other than hugepages. */
    static boolean overcommitAllowed(String resource) {
        return native_(resource) && !resource.startsWith("hugepages-");
    }

    static boolean native_(String resource) {
        return !resource.contains("/") || resource.contains("kubernetes.io/");
    }

    /** validateContainerResourceName. */
    public static List<FieldError> validateResourceName(String name, FieldPath path) {
        List<FieldError> errors = new ArrayList<>(Formats.invalid(path, name, Formats.qualifiedName(name)));
        if (!name.contains("/")) {
            if (!STANDARD_CONTAINER_RESOURCES.contains(name) && !name.startsWith("hugepages-")) {
                errors.add(FieldError.invalid(path, name, "must be a standard resource for containers"));
            }
        } else if (!native_(name) && (name.startsWith("requests.")
                || !Formats.qualifiedName("requests." + name).isEmpty())) {
            errors.add(FieldError.invalid(path, name, "doesn't follow extended resource name standard"));
        }
        return errors;
    }

    private static List<FieldError> validateQuantity(JsonNode value, FieldPath path) {
        Quantity quantity = Quantity.parse(value.asText());
        if (quantity != null && quantity.isNegative()) {
            return List.of(FieldError.invalid(path, quantity.toString(), "must be greater than or equal to 0"));
        }
        return List.of();
    }

    private static List<FieldError> validateProbe(JsonNode probe, FieldPath path, boolean successMustBeOne) {
        if (probe == null || probe.isNull()) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        int handlers = 0;
        for (String handler : List.of("exec", "httpGet", "tcpSocket", "grpc")) {
            if (set(probe, handler)) {
                if (handlers++ > 0) {
                    errors.add(FieldError.forbidden(path.child(handler), "may not specify more than 1 handler type"));
                }
            }
        }
        if (handlers == 0) {
            errors.add(FieldError.required(path, "must specify a handler type"));
        }
        for (String field : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold")) {
            long value = probe.path(field).asLong(0);
            if (value < 0) {
                errors.add(FieldError.invalid(path.child(field), value, "must be greater than or equal to 0"));
            }
        }
        if (successMustBeOne && probe.path("successThreshold").asLong(1) != 1) {
            errors.add(FieldError.invalid(path.child("successThreshold"), probe.path("successThreshold").asLong(), "must be 1"));
        }
        return errors;
    }

    private static List<FieldError> validateTolerations(JsonNode tolerations, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode toleration : tolerations) {
            FieldPath at = path.index(i++);
            String key = text(toleration, "key");
            String operator = text(toleration, "operator");
            if (!key.isEmpty()) {
                errors.addAll(Metadata.labelName(key, at.child("key")));
            }
            if (key.isEmpty() && !operator.equals("Exists")) {
                errors.add(FieldError.invalid(at.child("operator"), operator,
                        "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            if (set(toleration, "tolerationSeconds") && !text(toleration, "effect").equals("NoExecute")) {
                errors.add(FieldError.invalid(at.child("effect"), text(toleration, "effect"),
                        "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            switch (operator) {
                case "", "Equal" -> errors.addAll(Formats.invalid(at.child("operator"), text(toleration, "value"),
                        Formats.labelValue(text(toleration, "value"))));
                case "Exists" -> {
                    if (!text(toleration, "value").isEmpty()) {
                        errors.add(FieldError.invalid(at.child("operator"), text(toleration, "value"),
                                "value must be empty when `operator` is 'Exists'"));
                    }
                }
                default -> errors.add(FieldError.notSupported(at.child("operator"), operator, List.of("Equal", "Exists")));
            }
            String effect = text(toleration, "effect");
            if (!effect.isEmpty() && !List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
                errors.add(FieldError.notSupported(at.child("effect"), effect,
                        List.of("NoSchedule", "PreferNoSchedule", "NoExecute")));
            }
        }
        return errors;
    }
}
