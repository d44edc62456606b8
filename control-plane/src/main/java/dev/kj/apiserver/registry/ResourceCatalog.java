package dev.kj.apiserver.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The resources the server serves, in discovery order, grouped by API group and version. */
public record ResourceCatalog(List<ResourceDescription> resources) {
    public ResourceCatalog {
        resources = List.copyOf(resources);
    }

    public Optional<ResourceDescription> find(String group, String version, String plural) {
        return resources.stream()
                .filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural))
                .findFirst();
    }

    /** Group name → its versions (first is preferred), core group ("") included. */
    public Map<String, List<String>> groupVersions() {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (ResourceDescription r : resources) {
            List<String> versions = groups.computeIfAbsent(r.group(), g -> new ArrayList<>());
            if (!versions.contains(r.version())) {
                versions.add(r.version());
            }
        }
        return groups;
    }

    public List<ResourceDescription> inGroupVersion(String group, String version) {
        return resources.stream().filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
    }
}
