package dev.kj.apiserver.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.ResourceCatalog;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.Subresource;
import dev.kj.apiserver.registry.Verb;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Legacy (unaggregated) discovery documents built from the catalog: /api, /apis, /apis/&lt;group&gt;
 * and the APIResourceList of each group version; and aggregated discovery (apidiscovery.k8s.io
 * APIGroupDiscoveryList, v2 and v2beta1), every group version's resources in one answer to /api or
 * /apis. kubectl reads the Content-Type to tell which it got.
 */
public final class Discovery {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ResourceCatalog catalog;

    public Discovery(ResourceCatalog catalog) {
        this.catalog = catalog;
    }

    /** /api: the core group's versions. */
    public ObjectNode apiVersions(String serverAddress) {
        ObjectNode versions = JSON.objectNode();
        versions.put("kind", "APIVersions");
        ArrayNode list = versions.putArray("versions");
        catalog.groupVersions().getOrDefault("", List.of()).forEach(list::add);
        ObjectNode cidr = versions.putArray("serverAddressByClientCIDRs").addObject();
        cidr.put("clientCIDR", "0.0.0.0/0");
        cidr.put("serverAddress", serverAddress);
        return versions;
    }

    /** /apis: every named group. */
    public ObjectNode groupList() {
        ObjectNode list = JSON.objectNode();
        list.put("kind", "APIGroupList");
        list.put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        for (Map.Entry<String, List<String>> group : catalog.groupVersions().entrySet()) {
            if (!group.getKey().isEmpty()) {
                groups.add(groupBody(group.getKey(), group.getValue()));
            }
        }
        return list;
    }

    /** /apis/&lt;group&gt;, if the group is served. */
    public Optional<ObjectNode> group(String name) {
        List<String> versions = name.isEmpty() ? null : catalog.groupVersions().get(name);
        if (versions == null) {
            return Optional.empty();
        }
        ObjectNode group = groupBody(name, versions);
        group.put("kind", "APIGroup");
        group.put("apiVersion", "v1");
        return Optional.of(group);
    }

    /** /api/v1 or /apis/&lt;group&gt;/&lt;version&gt;, if served. */
    public Optional<ObjectNode> resourceList(String group, String version) {
        List<ResourceDescription> resources = catalog.inGroupVersion(group, version);
        if (resources.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode list = JSON.objectNode();
        list.put("kind", "APIResourceList");
        list.put("apiVersion", "v1");
        list.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode array = list.putArray("resources");
        for (ResourceDescription r : resources) {
            ObjectNode resource = array.addObject();
            resource.put("name", r.plural());
            resource.put("singularName", r.singular());
            resource.put("namespaced", r.namespaced());
            resource.put("kind", r.kind());
            putVerbsAndNames(resource, r);
            for (Subresource sub : Subresource.values()) { // declared by path, as upstream sorts them
                if (!r.has(sub)) {
                    continue;
                }
                ObjectNode entry = array.addObject();
                entry.put("name", r.plural() + "/" + sub.path());
                entry.put("singularName", "");
                entry.put("namespaced", r.namespaced());
                if (sub.kind() != null) {
                    if (!sub.group().equals(r.group()) || !sub.version().equals(r.version())) {
                        entry.put("group", sub.group());
                        entry.put("version", sub.version());
                    }
                    entry.put("kind", sub.kind());
                } else {
                    entry.put("kind", r.kind());
                }
                ArrayNode verbs = entry.putArray("verbs");
                sub.verbs().forEach(verbs::add);
            }
        }
        return Optional.of(list);
    }

    private static ObjectNode groupBody(String name, List<String> versions) {
        ObjectNode group = JSON.objectNode();
        group.put("name", name);
        ArrayNode array = group.putArray("versions");
        for (String version : versions) {
            ObjectNode v = array.addObject();
            v.put("groupVersion", name + "/" + version);
            v.put("version", version);
        }
        ObjectNode preferred = group.putObject("preferredVersion");
        preferred.put("groupVersion", name + "/" + versions.getFirst());
        preferred.put("version", versions.getFirst());
        return group;
    }

    /** The Content-Type of an aggregated discovery answer in {@code version} (v2 or v2beta1). */
    public static String aggregatedContentType(String version) {
        return "application/json;g=apidiscovery.k8s.io;v=" + version + ";as=APIGroupDiscoveryList";
    }

    /**
     * The APIGroupDiscoveryList of /api (the core group, named "") or /apis (every named group):
     * each version's resources with scope, verbs, short names, categories and subresources.
     */
    public ObjectNode aggregated(boolean core, String version) {
        ObjectNode list = JSON.objectNode();
        list.put("kind", "APIGroupDiscoveryList");
        list.put("apiVersion", "apidiscovery.k8s.io/" + version);
        list.putObject("metadata");
        ArrayNode items = list.putArray("items");
        for (Map.Entry<String, List<String>> group : catalog.groupVersions().entrySet()) {
            if (group.getKey().isEmpty() != core) {
                continue;
            }
            ObjectNode item = items.addObject();
            ObjectNode metadata = item.putObject("metadata");
            if (!core) {
                metadata.put("name", group.getKey());
            }
            ArrayNode versions = item.putArray("versions");
            for (String groupVersion : group.getValue()) {
                ObjectNode v = versions.addObject();
                v.put("version", groupVersion);
                ArrayNode resources = v.putArray("resources");
                for (ResourceDescription r : catalog.inGroupVersion(group.getKey(), groupVersion)) {
                    resources.add(aggregatedResource(r));
                }
                v.put("freshness", "Current");
            }
        }
        return list;
    }

    /** Verbs, short names and categories: the same fields in legacy and aggregated discovery. */
    private static void putVerbsAndNames(ObjectNode resource, ResourceDescription r) {
        ArrayNode verbs = resource.putArray("verbs");
        for (Verb verb : Verb.values()) { // declared alphabetically, as upstream sorts them
            if (r.verbs().contains(verb)) {
                verbs.add(verb.discoveryName());
            }
        }
        if (!r.shortNames().isEmpty()) {
            ArrayNode shortNames = resource.putArray("shortNames");
            r.shortNames().forEach(shortNames::add);
        }
        if (!r.categories().isEmpty()) {
            ArrayNode categories = resource.putArray("categories");
            r.categories().forEach(categories::add);
        }
    }

    private static ObjectNode aggregatedResource(ResourceDescription r) {
        ObjectNode resource = JSON.objectNode();
        resource.put("resource", r.plural());
        // empty group and version: the resource's own group version, as upstream
        resource.set("responseKind", kind("", "", r.kind()));
        resource.put("scope", r.namespaced() ? "Namespaced" : "Cluster");
        resource.put("singularResource", r.singular());
        putVerbsAndNames(resource, r);
        ArrayNode subresources = null;
        for (Subresource sub : Subresource.values()) {
            if (!r.has(sub)) {
                continue;
            }
            if (subresources == null) {
                subresources = resource.putArray("subresources");
            }
            ObjectNode entry = subresources.addObject();
            entry.put("subresource", sub.path());
            boolean ownGroupVersion = sub.kind() == null || (sub.group().equals(r.group()) && sub.version().equals(r.version()));
            // empty group and version: the resource's own group version, as upstream
            entry.set("responseKind", kind(ownGroupVersion ? "" : sub.group(), ownGroupVersion ? "" : sub.version(),
                    sub.kind() == null ? r.kind() : sub.kind()));
            ArrayNode verbs = entry.putArray("verbs");
            sub.verbs().forEach(verbs::add);
        }
        return resource;
    }

    private static ObjectNode kind(String group, String version, String kind) {
        ObjectNode node = JSON.objectNode();
        node.put("group", group);
        node.put("version", version);
        node.put("kind", kind);
        return node;
    }
}
