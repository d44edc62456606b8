package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Metadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Services: SetDefaults_Service and ValidateService's port, selector, type and session affinity
 * rules. Addresses and node ports (and their immutability) are {@code ServiceAllocations}'.
 */
public final class ServiceRules implements KindRules {
    private static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
    private static final List<String> AFFINITIES = List.of("ClientIP", "None");

    @Override
    public void setDefaults(ObjectNode service) {
        ObjectNode spec = object(service, "spec");
        if (text(spec, "sessionAffinity").isEmpty()) {
            spec.put("sessionAffinity", "None");
        }
        if (text(spec, "sessionAffinity").equals("None")) {
            spec.remove("sessionAffinityConfig");
        }
        if (text(spec, "sessionAffinity").equals("ClientIP")
                && !set(spec.path("sessionAffinityConfig").path("clientIP"), "timeoutSeconds")) {
            object(object(spec, "sessionAffinityConfig"), "clientIP").put("timeoutSeconds", 10800);
        }
        if (text(spec, "type").isEmpty()) {
            spec.put("type", "ClusterIP");
        }
        for (JsonNode node : spec.path("ports")) {
            if (node instanceof ObjectNode port) {
                if (text(port, "protocol").isEmpty()) {
                    port.put("protocol", "TCP");
                }
                JsonNode target = port.get("targetPort");
                if (target == null || target.isNull() || (target.isNumber() && target.asLong() == 0)
                        || (target.isTextual() && target.asText().isEmpty())) {
                    port.set("targetPort", port.path("port").deepCopy());
                }
            }
        }
        String type = text(spec, "type");
        boolean external = type.equals("LoadBalancer") || type.equals("NodePort")
                || (type.equals("ClusterIP") && spec.path("externalIPs").size() > 0);
        if (external && text(spec, "externalTrafficPolicy").isEmpty()) {
            spec.put("externalTrafficPolicy", "Cluster");
        }
        if (!set(spec, "internalTrafficPolicy") && List.of("NodePort", "LoadBalancer", "ClusterIP").contains(type)) {
            spec.put("internalTrafficPolicy", "Cluster");
        }
        if (type.equals("LoadBalancer") && !set(spec, "allocateLoadBalancerNodePorts")) {
            spec.put("allocateLoadBalancerNodePorts", true);
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode service) {
        FieldPath specPath = FieldPath.root("spec");
        JsonNode spec = service.path("spec");
        List<FieldError> errors = new ArrayList<>();
        String type = text(spec, "type");
        boolean headless = text(spec, "clusterIP").equals("None");
        if (spec.path("ports").isEmpty() && !headless && !type.equals("ExternalName")) {
            errors.add(FieldError.required(specPath.child("ports"), ""));
        }
        if (type.equals("ExternalName")) {
            String cname = text(spec, "externalName");
            if (cname.endsWith(".")) {
                cname = cname.substring(0, cname.length() - 1);
            }
            if (cname.isEmpty()) {
                errors.add(FieldError.required(specPath.child("externalName"), ""));
            } else {
                errors.addAll(Formats.invalid(specPath.child("externalName"), cname, Formats.dns1123Subdomain(cname)));
            }
        }
        Set<String> names = new HashSet<>();
        int i = 0;
        boolean requireName = spec.path("ports").size() > 1;
        for (JsonNode port : spec.path("ports")) {
            FieldPath at = specPath.child("ports").index(i++);
            String name = text(port, "name");
            if (requireName && name.isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            } else if (!name.isEmpty()) {
                errors.addAll(Formats.invalid(at.child("name"), name, Formats.dns1123Label(name)));
                if (!names.add(name)) {
                    errors.add(FieldError.duplicate(at.child("name"), name));
                }
            }
            long number = port.path("port").asLong(0);
            Formats.portNumber(number).forEach(p -> errors.add(FieldError.invalid(at.child("port"), number, p)));
            errors.addAll(PodSpecs.validateProtocol(text(port, "protocol"), at.child("protocol")));
            JsonNode target = port.path("targetPort");
            if (target.isTextual()) {
                errors.addAll(Formats.invalid(at.child("targetPort"), target.asText(), Formats.portName(target.asText())));
            } else {
                long targetNumber = target.asLong(0);
                Formats.portNumber(targetNumber).forEach(p -> errors.add(FieldError.invalid(at.child("targetPort"),
                        targetNumber, p)));
            }
        }
        errors.addAll(Metadata.labels(spec.get("selector"), specPath.child("selector")));
        String affinity = text(spec, "sessionAffinity");
        if (affinity.isEmpty()) {
            errors.add(FieldError.required(specPath.child("sessionAffinity"), ""));
        } else if (!AFFINITIES.contains(affinity)) {
            errors.add(FieldError.notSupported(specPath.child("sessionAffinity"), affinity, AFFINITIES));
        }
        if (type.isEmpty()) {
            errors.add(FieldError.required(specPath.child("type"), ""));
        } else if (!TYPES.contains(type)) {
            errors.add(FieldError.notSupported(specPath.child("type"), type, TYPES));
        }
        String internal = text(spec, "internalTrafficPolicy");
        if (set(spec, "internalTrafficPolicy") && !List.of("Cluster", "Local").contains(internal)) {
            errors.add(FieldError.notSupported(specPath.child("internalTrafficPolicy"), internal, List.of("Cluster", "Local")));
        }
        String externalPolicy = text(spec, "externalTrafficPolicy");
        if (!externalPolicy.isEmpty() && !List.of("Cluster", "Local").contains(externalPolicy)) {
            errors.add(FieldError.notSupported(specPath.child("externalTrafficPolicy"), externalPolicy,
                    List.of("Cluster", "Local")));
        }
        return errors;
    }
}
