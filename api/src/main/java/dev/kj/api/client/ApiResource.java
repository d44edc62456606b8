package dev.kj.api.client;

import dev.kj.api.Resource;
import java.util.List;

/**
 * One entry of a group version's APIResourceList (metav1.APIResource): a resource or, with a
 * {@code /} in its name, a subresource.
 *
 * @param group   the group of the list it came from
 * @param version the version of the list it came from
 */
public record ApiResource(String group, String version, String name, String singularName, boolean namespaced,
                          String kind, List<String> verbs) {
    public ApiResource {
        verbs = List.copyOf(verbs);
    }

    public boolean isSubresource() {
        return name.contains("/");
    }

    /** Whether every one of {@code wanted} is among the verbs (client-go's discovery.SupportsAllVerbs). */
    public boolean supports(String... wanted) {
        return verbs.containsAll(List.of(wanted));
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The client's address of this (non-sub)resource. */
    public Resource resource() {
        if (isSubresource()) {
            throw new IllegalStateException(name + " is a subresource");
        }
        return new Resource(group, version, name, namespaced, kind);
    }
}
