package dev.kj.apiserver.authz;

import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.endpoints.ApiRequest;
import dev.kj.apiserver.selection.FieldSelector;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What authorization decides on (upstream's authorizer.Attributes built from its RequestInfo):
 * the user and either a resource request (verb, API group and version, resource, subresource,
 * namespace, name; the field selector of lists and watches) or a non-resource path with the
 * lower-cased HTTP method as verb.
 */
public record RequestAttributes(User user, String verb, boolean resourceRequest, String apiGroup, String apiVersion,
                                String resource, String subresource, String namespace, String name, String path,
                                String fieldSelector) {
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    public static RequestAttributes resource(User user, String verb, String apiGroup, String resource,
                                             String subresource, String namespace, String name) {
        return new RequestAttributes(user, verb, true, apiGroup, "", resource, subresource, namespace, name, "", "");
    }

    public static RequestAttributes nonResource(User user, String verb, String path) {
        return new RequestAttributes(user, verb, false, "", "", "", "", "", "", path, "");
    }

    /** Upstream's RequestInfoFactory: the attributes of an HTTP request, derived from its method, path and query. */
    public static RequestAttributes of(ApiRequest request, User user) {
        String path = request.path();
        List<String> parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        String method = request.method();
        if (parts.size() < 3 || !(parts.getFirst().equals("api") || parts.getFirst().equals("apis"))) {
            return nonResource(user, method.toLowerCase(Locale.ROOT), path);
        }
        List<String> rest = parts.subList(1, parts.size());
        String group = "";
        if (parts.getFirst().equals("apis")) {
            if (rest.size() < 3) {
                return nonResource(user, method.toLowerCase(Locale.ROOT), path);
            }
            group = rest.getFirst();
            rest = rest.subList(1, rest.size());
        }
        String version = rest.getFirst();
        rest = rest.subList(1, rest.size());
        String verb;
        boolean special = !rest.isEmpty() && (rest.getFirst().equals("watch") || rest.getFirst().equals("proxy"));
        if (special && rest.size() >= 2) {
            verb = rest.getFirst();
            rest = rest.subList(1, rest.size());
        } else {
            verb = switch (method) {
                case "POST" -> "create";
                case "GET", "HEAD" -> "get";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> "delete";
                default -> "";
            };
        }
        String namespace = "";
        if (!rest.isEmpty() && rest.getFirst().equals("namespaces") && rest.size() > 1) {
            namespace = rest.get(1);
            if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                rest = rest.subList(2, rest.size());
            }
        }
        String resource = rest.isEmpty() ? "" : rest.getFirst();
        String name = rest.size() >= 2 ? rest.get(1) : "";
        String subresource = rest.size() >= 3 && !verb.equals("proxy") ? rest.get(2) : "";
        if (name.isEmpty() && verb.equals("get")) {
            String watch = request.param("watch", "").toLowerCase(Locale.ROOT);
            verb = request.query().containsKey("watch") && !watch.equals("0") && !watch.equals("false") ? "watch" : "list";
            // a list or watch of one object by field selector counts as that object's, as upstream
            name = exactName(request.param("fieldSelector", ""));
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        return new RequestAttributes(user, verb, true, group, version, resource, subresource, namespace, name, path,
                request.param("fieldSelector", ""));
    }

    private static String exactName(String selector) {
        if (selector.isEmpty()) {
            return "";
        }
        try {
            String name = FieldSelector.parse(selector).pinned("metadata.name").orElse("");
            return name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("%")
                    ? "" : name;
        } catch (RuntimeException e) {
            return ""; // the list itself reports a bad selector
        }
    }

    public RequestAttributes withUser(User other) {
        return new RequestAttributes(other, verb, resourceRequest, apiGroup, apiVersion, resource, subresource, namespace,
                name, path, fieldSelector);
    }

    /** The resource with its subresource, as RBAC rules name it ({@code pods/log}). */
    public String combinedResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }
}
