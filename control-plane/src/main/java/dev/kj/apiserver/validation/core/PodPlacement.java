package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.validation.Addresses;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.LabelSelectors;
import dev.kj.apiserver.validation.Metadata;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of ValidatePodSpec that place a pod and name its surroundings: affinity, topology spread
 * constraints, DNS config, host aliases, readiness gates and scheduling gates
 * (pkg/apis/core/validation).
 */
final class PodPlacement {
    private PodPlacement() {
    }

    static final int MAX_DNS_NAMESERVERS = 3;
    static final int MAX_DNS_SEARCH_PATHS = 32;
    static final int MAX_DNS_SEARCH_LIST_CHARS = 2048;
    private static final String NOT_POSITIVE = "must be greater than zero";
    private static final String WEIGHT_RANGE = "must be in the range 1-100";

    // ---- affinity ----

    /** validateAffinity. */
    static List<FieldError> affinity(JsonNode affinity, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (affinity == null || affinity.isNull()) {
            return errors;
        }
        JsonNode node = affinity.get("nodeAffinity");
        if (node != null && !node.isNull()) {
            FieldPath at = path.child("nodeAffinity");
            if (set(node, "requiredDuringSchedulingIgnoredDuringExecution")) {
                errors.addAll(nodeSelector(node.get("requiredDuringSchedulingIgnoredDuringExecution"),
                        at.child("requiredDuringSchedulingIgnoredDuringExecution")));
            }
            int i = 0;
            for (JsonNode term : node.path("preferredDuringSchedulingIgnoredDuringExecution")) {
                FieldPath termPath = at.child("preferredDuringSchedulingIgnoredDuringExecution").index(i++);
                errors.addAll(weight(term, termPath));
                errors.addAll(nodeSelectorTerm(term.path("preference"), termPath.child("preference")));
            }
        }
        for (String kind : List.of("podAffinity", "podAntiAffinity")) {
            JsonNode pod = affinity.get(kind);
            if (pod == null || pod.isNull()) {
                continue;
            }
            FieldPath at = path.child(kind);
            int i = 0;
            for (JsonNode term : pod.path("requiredDuringSchedulingIgnoredDuringExecution")) {
                errors.addAll(podAffinityTerm(term, at.child("requiredDuringSchedulingIgnoredDuringExecution").index(i++)));
            }
            i = 0;
            for (JsonNode weighted : pod.path("preferredDuringSchedulingIgnoredDuringExecution")) {
                FieldPath termPath = at.child("preferredDuringSchedulingIgnoredDuringExecution").index(i++);
                errors.addAll(weight(weighted, termPath));
                errors.addAll(podAffinityTerm(weighted.path("podAffinityTerm"), termPath.child("podAffinityTerm")));
            }
        }
        return errors;
    }

    private static List<FieldError> weight(JsonNode term, FieldPath path) {
        long weight = term.path("weight").asLong(0);
        return weight <= 0 || weight > 100 ? List.of(FieldError.invalid(path.child("weight"), weight, WEIGHT_RANGE)) : List.of();
    }

    /** ValidateNodeSelector: at least one term. */
    static List<FieldError> nodeSelector(JsonNode selector, FieldPath path) {
        FieldPath terms = path.child("nodeSelectorTerms");
        if (selector.path("nodeSelectorTerms").isEmpty()) {
            return List.of(FieldError.required(terms, "must have at least one node selector term"));
        }
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode term : selector.path("nodeSelectorTerms")) {
            errors.addAll(nodeSelectorTerm(term, terms.index(i++)));
        }
        return errors;
    }

    private static List<FieldError> nodeSelectorTerm(JsonNode term, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int j = 0;
        for (JsonNode requirement : term.path("matchExpressions")) {
            FieldPath at = path.child("matchExpressions").index(j++);
            String operator = text(requirement, "operator");
            int values = requirement.path("values").size();
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        errors.add(FieldError.required(at.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values > 0) {
                        errors.add(FieldError.forbidden(at.child("values"),
                                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                }
                case "Gt", "Lt" -> {
                    if (values != 1) {
                        errors.add(FieldError.required(at.child("values"),
                                "must be specified single value when `operator` is 'Lt' or 'Gt'"));
                    }
                }
                default -> errors.add(FieldError.invalid(at.child("operator"), operator, "not a valid selector operator"));
            }
            errors.addAll(Metadata.labelName(text(requirement, "key"), at.child("key")));
        }
        j = 0;
        for (JsonNode requirement : term.path("matchFields")) {
            FieldPath at = path.child("matchFields").index(j++);
            String operator = text(requirement, "operator");
            if (operator.equals("In") || operator.equals("NotIn")) {
                if (requirement.path("values").size() != 1) {
                    errors.add(FieldError.required(at.child("values"),
                            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
                }
            } else {
                errors.add(FieldError.invalid(at.child("operator"), operator, "not a valid selector operator"));
            }
            // metadata.name is the one field a node can be selected by; its values are node names
            if (!text(requirement, "key").equals("metadata.name")) {
                errors.add(FieldError.invalid(at.child("key"), text(requirement, "key"), "not a valid field selector key"));
            } else {
                int v = 0;
                for (JsonNode value : requirement.path("values")) {
                    errors.addAll(Formats.invalid(at.child("values").index(v++), value.asText(""),
                            Formats.dns1123Subdomain(value.asText(""))));
                }
            }
        }
        return errors;
    }

    /** validatePodAffinityTerm: selectors, namespace names and a topology key that is a label name. */
    private static List<FieldError> podAffinityTerm(JsonNode term, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (set(term, "labelSelector")) {
            errors.addAll(LabelSelectors.validate(term.get("labelSelector"), path.child("labelSelector")));
        }
        if (set(term, "namespaceSelector")) {
            errors.addAll(LabelSelectors.validate(term.get("namespaceSelector"), path.child("namespaceSelector")));
        }
        for (JsonNode namespace : term.path("namespaces")) {
            // upstream reports each bad name at "namespace" (singular)
            errors.addAll(Formats.invalid(path.child("namespace"), namespace.asText(""), Formats.dns1123Label(namespace.asText(""))));
        }
        String topologyKey = text(term, "topologyKey");
        if (topologyKey.isEmpty()) {
            errors.add(FieldError.required(path.child("topologyKey"), "can not be empty"));
        }
        errors.addAll(Metadata.labelName(topologyKey, path.child("topologyKey")));
        return errors;
    }

    // ---- topology spread ----

    /** validateTopologySpreadConstraints (matchLabelKeys are not checked). */
    static List<FieldError> topologySpreadConstraints(JsonNode constraints, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < constraints.size(); i++) {
            JsonNode constraint = constraints.get(i);
            FieldPath at = path.index(i);
            long maxSkew = constraint.path("maxSkew").asLong(0);
            if (maxSkew <= 0) {
                errors.add(FieldError.invalid(at.child("maxSkew"), maxSkew, NOT_POSITIVE));
            }
            String topologyKey = text(constraint, "topologyKey");
            if (topologyKey.isEmpty()) {
                errors.add(FieldError.required(at.child("topologyKey"), "can not be empty"));
            }
            String action = text(constraint, "whenUnsatisfiable");
            if (!List.of("DoNotSchedule", "ScheduleAnyway").contains(action)) {
                errors.add(FieldError.notSupported(at.child("whenUnsatisfiable"), action, List.of("DoNotSchedule", "ScheduleAnyway")));
            }
            for (int k = i + 1; k < constraints.size(); k++) {
                JsonNode later = constraints.get(k);
                if (text(later, "topologyKey").equals(topologyKey) && text(later, "whenUnsatisfiable").equals(action)) {
                    errors.add(FieldError.duplicate(at.child("{topologyKey, whenUnsatisfiable}"),
                            "{" + topologyKey + ", " + action + "}"));
                    break;
                }
            }
            if (set(constraint, "minDomains")) {
                long minDomains = constraint.get("minDomains").asLong();
                if (minDomains <= 0) {
                    errors.add(FieldError.invalid(at.child("minDomains"), minDomains, NOT_POSITIVE));
                }
                if (!action.equals("DoNotSchedule")) {
                    errors.add(FieldError.invalid(at.child("minDomains"), minDomains,
                            "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not " + action));
                }
            }
            for (String policy : List.of("nodeAffinityPolicy", "nodeTaintsPolicy")) {
                if (set(constraint, policy) && !List.of("Honor", "Ignore").contains(text(constraint, policy))) {
                    errors.add(FieldError.notSupported(at.child(policy), text(constraint, policy), List.of("Honor", "Ignore")));
                }
            }
            if (set(constraint, "labelSelector")) {
                errors.addAll(LabelSelectors.validate(constraint.get("labelSelector"), at.child("labelSelector")));
            }
        }
        return errors;
    }

    // ---- DNS, host aliases, readiness gates ----

    /** validatePodDNSConfig. */
    static List<FieldError> dnsConfig(JsonNode spec, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode config = spec.get("dnsConfig");
        boolean hasConfig = config != null && !config.isNull();
        if (text(spec, "dnsPolicy").equals("None")) {
            if (!hasConfig) {
                return List.of(FieldError.required(path, "must provide `dnsConfig` when `dnsPolicy` is None"));
            }
            if (config.path("nameservers").isEmpty()) {
                return List.of(FieldError.required(path.child("nameservers"),
                        "must provide at least one DNS nameserver when `dnsPolicy` is None"));
            }
        }
        if (!hasConfig) {
            return errors;
        }
        JsonNode nameservers = config.path("nameservers");
        if (nameservers.size() > MAX_DNS_NAMESERVERS) {
            errors.add(FieldError.invalidRendered(path.child("nameservers"), GoValues.stringSlice(nameservers),
                    "must not have more than " + MAX_DNS_NAMESERVERS + " nameservers"));
        }
        int i = 0;
        for (JsonNode nameserver : nameservers) {
            errors.addAll(Addresses.validateIp(path.child("nameservers").index(i++), nameserver.asText("")));
        }
        JsonNode searches = config.path("searches");
        if (searches.size() > MAX_DNS_SEARCH_PATHS) {
            errors.add(FieldError.invalidRendered(path.child("searches"), GoValues.stringSlice(searches),
                    "must not have more than " + MAX_DNS_SEARCH_PATHS + " search paths"));
        }
        List<String> list = new ArrayList<>();
        searches.forEach(s -> list.add(s.asText("")));
        if (String.join(" ", list).length() > MAX_DNS_SEARCH_LIST_CHARS) {
            errors.add(FieldError.invalidRendered(path.child("searches"), GoValues.stringSlice(searches),
                    "must not have more than " + MAX_DNS_SEARCH_LIST_CHARS + " characters (including spaces) in the search list"));
        }
        for (int s = 0; s < list.size(); s++) {
            String search = list.get(s);
            if (s == 0 && search.equals(".")) {
                continue; // a lone "." first is allowed (it stops the host's search list being appended)
            }
            String trimmed = search.endsWith(".") ? search.substring(0, search.length() - 1) : search;
            errors.addAll(Formats.invalid(path.child("searches").index(s), trimmed, Formats.dns1123Subdomain(trimmed)));
        }
        int o = 0;
        for (JsonNode option : config.path("options")) {
            if (text(option, "name").isEmpty()) {
                errors.add(FieldError.required(path.child("options").index(o), "must not be empty"));
            }
            o++;
        }
        return errors;
    }

    /** ValidateHostAliases: an IP and host names that are DNS subdomains. */
    static List<FieldError> hostAliases(JsonNode aliases, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode alias : aliases) {
            FieldPath at = path.index(i++);
            errors.addAll(Addresses.validateIp(at.child("ip"), text(alias, "ip")));
            int j = 0;
            for (JsonNode hostname : alias.path("hostnames")) {
                errors.addAll(Formats.invalid(at.child("hostnames").index(j++), hostname.asText(""),
                        Formats.dns1123Subdomain(hostname.asText(""))));
            }
        }
        return errors;
    }

    /** validateReadinessGates: condition types are qualified names. */
    static List<FieldError> readinessGates(JsonNode gates, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        int i = 0;
        for (JsonNode gate : gates) {
            String type = text(gate, "conditionType");
            errors.addAll(Formats.invalid(path.index(i++).child("conditionType"), type, Formats.qualifiedName(type)));
        }
        return errors;
    }

    /** validateSchedulingGates: qualified names, no repeats (both reported at the gate itself). */
    static List<FieldError> schedulingGates(JsonNode gates, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int i = 0;
        for (JsonNode gate : gates) {
            FieldPath at = path.index(i++);
            String name = text(gate, "name");
            errors.addAll(Formats.invalid(at, name, Formats.qualifiedName(name)));
            if (!seen.add(name)) {
                errors.add(FieldError.duplicate(at, name));
            }
        }
        return errors;
    }
}
