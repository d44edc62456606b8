package dev.kj.apiserver.authz.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authz.Forbidden;
import dev.kj.apiserver.authz.RequestAttributes;
import java.util.ArrayList;
import java.util.List;

/** One rbac.authorization.k8s.io/v1 PolicyRule and upstream's matching and covering of it. */
public record PolicyRule(List<String> verbs, List<String> apiGroups, List<String> resources, List<String> resourceNames,
                         List<String> nonResourceURLs) {
    public PolicyRule {
        verbs = List.copyOf(verbs);
        apiGroups = List.copyOf(apiGroups);
        resources = List.copyOf(resources);
        resourceNames = List.copyOf(resourceNames);
        nonResourceURLs = List.copyOf(nonResourceURLs);
    }

    public static PolicyRule fromJson(JsonNode rule) {
        return new PolicyRule(strings(rule.path("verbs")), strings(rule.path("apiGroups")), strings(rule.path("resources")),
                strings(rule.path("resourceNames")), strings(rule.path("nonResourceURLs")));
    }

    public static List<PolicyRule> listFromJson(JsonNode rules) {
        List<PolicyRule> out = new ArrayList<>();
        rules.forEach(rule -> out.add(fromJson(rule)));
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(value -> out.add(value.asText()));
        return out;
    }

    /** Field order and omitempty as upstream serializes a PolicyRule. */
    public ObjectNode toJson() {
        ObjectNode rule = JsonNodeFactory.instance.objectNode();
        putAll(rule, "verbs", verbs, true);
        putAll(rule, "apiGroups", apiGroups, false);
        putAll(rule, "resources", resources, false);
        putAll(rule, "resourceNames", resourceNames, false);
        putAll(rule, "nonResourceURLs", nonResourceURLs, false);
        return rule;
    }

    private static void putAll(ObjectNode rule, String field, List<String> values, boolean always) {
        if (always || !values.isEmpty()) {
            var array = rule.putArray(field);
            values.forEach(array::add);
        }
    }

    /** Whether this rule allows the request (upstream's RuleAllows). */
    public boolean allows(RequestAttributes attributes) {
        if (!has(verbs, attributes.verb())) {
            return false;
        }
        if (!attributes.resourceRequest()) {
            return nonResourceUrlMatches(attributes.path());
        }
        return has(apiGroups, attributes.apiGroup())
                && resourceMatches(attributes.combinedResource(), attributes.subresource())
                && (resourceNames.isEmpty() || resourceNames.contains(attributes.name()));
    }

    private static boolean has(List<String> values, String value) {
        return values.contains("*") || values.contains(value);
    }

    private boolean resourceMatches(String combined, String subresource) {
        for (String resource : resources) {
            if (resource.equals("*") || resource.equals(combined)) {
                return true;
            }
            // "*/scale" matches the scale subresource of every resource
            if (!subresource.isEmpty() && resource.length() == subresource.length() + 2 && resource.startsWith("*/")
                    && resource.endsWith(subresource)) {
                return true;
            }
        }
        return false;
    }

    private boolean nonResourceUrlMatches(String path) {
        for (String url : nonResourceURLs) {
            if (url.equals("*") || url.equals(path)
                    || (url.endsWith("*") && path.startsWith(url.substring(0, url.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * This rule split into rules of one verb, group and resource (and one resource name, or one
     * URL), as upstream's BreakdownRule does before checking coverage.
     */
    public List<PolicyRule> breakdown() {
        List<PolicyRule> out = new ArrayList<>();
        for (String group : apiGroups) {
            for (String resource : resources) {
                for (String verb : verbs) {
                    if (resourceNames.isEmpty()) {
                        out.add(new PolicyRule(List.of(verb), List.of(group), List.of(resource), List.of(), List.of()));
                    }
                    for (String name : resourceNames) {
                        out.add(new PolicyRule(List.of(verb), List.of(group), List.of(resource), List.of(name), List.of()));
                    }
                }
            }
        }
        for (String url : nonResourceURLs) {
            for (String verb : verbs) {
                out.add(new PolicyRule(List.of(verb), List.of(), List.of(), List.of(), List.of(url)));
            }
        }
        return out;
    }

    /** Whether this rule grants everything {@code other} does (upstream's ruleCovers). */
    public boolean covers(PolicyRule other) {
        return coversAll(verbs, other.verbs) && coversAll(apiGroups, other.apiGroups)
                && resourcesCover(other.resources) && urlsCover(other.nonResourceURLs)
                && (resourceNames.isEmpty() || (!other.resourceNames.isEmpty() && resourceNames.containsAll(other.resourceNames)));
    }

    private static boolean coversAll(List<String> owner, List<String> requested) {
        return owner.contains("*") || owner.containsAll(requested);
    }

    private boolean resourcesCover(List<String> requested) {
        if (resources.contains("*")) {
            return true;
        }
        for (String wanted : requested) {
            if (resources.contains(wanted)) {
                continue;
            }
            int slash = wanted.indexOf('/');
            boolean byWildcard = slash >= 0 && (resources.contains(wanted.substring(0, slash) + "/*")
                    || resources.contains("*" + wanted.substring(slash)));
            if (!byWildcard) {
                return false;
            }
        }
        return true;
    }

    private boolean urlsCover(List<String> requested) {
        for (String wanted : requested) {
            boolean covered = nonResourceURLs.stream().anyMatch(owner -> owner.equals("*") || owner.equals(wanted)
                    || (owner.endsWith("*") && wanted.startsWith(owner.substring(0, owner.length() - 1))));
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    /** Upstream's CompactString: {@code {APIGroups:[""], Resources:["pods"], Verbs:["get"]}}. */
    public String compactString() {
        List<String> parts = new ArrayList<>();
        if (!apiGroups.isEmpty()) {
            parts.add("APIGroups:" + goList(apiGroups));
        }
        if (!resources.isEmpty()) {
            parts.add("Resources:" + goList(resources));
        }
        if (!nonResourceURLs.isEmpty()) {
            parts.add("NonResourceURLs:" + goList(nonResourceURLs));
        }
        if (!resourceNames.isEmpty()) {
            parts.add("ResourceNames:" + goList(resourceNames));
        }
        if (!verbs.isEmpty()) {
            parts.add("Verbs:" + goList(verbs));
        }
        return "{" + String.join(", ", parts) + "}";
    }

    /** Go's %q of a []string: {@code ["a" "b"]}. */
    static String goList(List<String> values) {
        return "[" + String.join(" ", values.stream().map(Forbidden::quote).toList()) + "]";
    }
}
