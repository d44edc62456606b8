package dev.kj.apiserver.admission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.errors.StatusException;
import java.util.List;

/**
 * What an admission plugin is told about a request (upstream's admission.Attributes).
 *
 * @param operation   what the request does
 * @param group       the resource's API group ("" for core)
 * @param resource    the resource's plural
 * @param subresource "" for the resource itself
 * @param namespace   "" for cluster-scoped resources
 * @param name        the name the request addresses; "" for a create whose name is still to be generated
 * @param object      the object being written, in the storage version; mutating plugins change it in place
 * @param oldObject   the stored object for updates, else null
 * @param user        who asked, null when unknown (the server's own bootstrap writes)
 * @param dryRun      whether nothing will be stored
 */
public record Attributes(Operation operation, String group, String resource, String subresource, String namespace,
                         String name, ObjectNode object, ObjectNode oldObject, User user, boolean dryRun) {
    public enum Operation { CREATE, UPDATE, DELETE, CONNECT }

    public Attributes {
        subresource = subresource == null ? "" : subresource;
        namespace = namespace == null ? "" : namespace;
        name = name == null ? "" : name;
    }

    /** Whether this request is about {@code group}/{@code resource} itself, not one of its subresources. */
    public boolean isResource(String group, String resource) {
        return this.group.equals(group) && this.resource.equals(resource) && subresource.isEmpty();
    }

    /**
     * Upstream's admission.NewForbidden: {@code <resource> "<name>" is forbidden: <why>}, the name
     * being the request's, else the object's, else its generateName (names are generated after
     * mutating admission), else "Unknown".
     */
    public StatusException forbidden(String why) {
        String qualified = group.isEmpty() ? resource : resource + "." + group;
        return StatusException.forbidden(qualified, group, resource, nameForErrors(), why, List.of());
    }

    private String nameForErrors() {
        if (!name.isEmpty()) {
            return name;
        }
        if (object != null) {
            String named = object.path("metadata").path("name").asText("");
            if (!named.isEmpty()) {
                return named;
            }
            String generated = object.path("metadata").path("generateName").asText("");
            if (!generated.isEmpty()) {
                return generated;
            }
        }
        return "Unknown";
    }
}
