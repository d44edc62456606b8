package dev.kj.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.discovery.VersionInfo;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.Subresource;
import dev.kj.apiserver.registry.Verb;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The OpenAPI documents kube-apiserver serves, built once from the resource catalogue and the type
 * model: Swagger 2.0 for everything (/openapi/v2) and OpenAPI 3.0 per group version
 * (/openapi/v3/apis/apps/v1). Paths are upstream's, per resource and verb — collection (list,
 * create, deletecollection), object (read, replace, patch, delete), subresources, the list across
 * namespaces and the watch paths — with upstream's operation ids, {@code x-kubernetes-action} and
 * {@code x-kubernetes-group-version-kind}, and the dryRun, fieldManager and fieldValidation query
 * parameters on writes (kubectl decides on server-side field validation by finding
 * fieldValidation on a kind's PATCH operation). Descriptions are left out: kj does not carry them.
 */
public final class OpenApiDocuments {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> PRODUCES = List.of("application/json", "application/yaml",
            "application/vnd.kubernetes.protobuf");
    private static final List<String> PRODUCES_WATCH = List.of("application/json", "application/yaml",
            "application/vnd.kubernetes.protobuf", "application/json;stream=watch",
            "application/vnd.kubernetes.protobuf;stream=watch");
    private static final List<String> PATCH_TYPES = List.of("application/json-patch+json",
            "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml");

    private final ObjectNode v2;
    /** "api/v1", "apis/apps/v1" → document, sorted as upstream's JSON writes the index. */
    private final Map<String, ObjectNode> v3;

    private OpenApiDocuments(ObjectNode v2, Map<String, ObjectNode> v3) {
        this.v2 = v2;
        this.v3 = v3;
    }

    public ObjectNode v2() {
        return v2;
    }

    public Map<String, ObjectNode> v3() {
        return v3;
    }

    /** The documents of the resources served whose kinds the type model has. */
    public static OpenApiDocuments build(TypeModel model, List<ResourceDescription> resources) {
        Map<String, List<Served>> byGroupVersion = new TreeMap<>();
        Map<Type, List<Definitions.Gvk>> kinds = new LinkedHashMap<>();
        List<Served> all = new ArrayList<>();
        for (ResourceDescription resource : resources.stream()
                .sorted(Comparator.comparing(ResourceDescription::apiVersion).thenComparing(ResourceDescription::plural)).toList()) {
            Optional<Type> type = model.kind(resource.apiVersion(), resource.kind());
            if (type.isEmpty()) {
                continue; // a resource outside the model (tests' own kinds) has no schema to publish
            }
            Served served = new Served(resource, type.get());
            all.add(served);
            byGroupVersion.computeIfAbsent(groupVersionPath(resource), k -> new ArrayList<>()).add(served);
            List<Definitions.Gvk> gvks = kinds.computeIfAbsent(type.get(), k -> new ArrayList<>());
            Definitions.Gvk gvk = new Definitions.Gvk(resource.group(), resource.version(), resource.kind());
            if (!gvks.contains(gvk)) {
                gvks.add(gvk);
            }
        }
        // DeleteOptions is registered in every group version (clients send it tagged with theirs)
        Type deleteOptions = model.type("meta.v1.DeleteOptions").orElseThrow();
        List<Definitions.Gvk> deleteGvks = new ArrayList<>();
        all.stream().map(s -> new Definitions.Gvk(s.resource.group(), s.resource.version(), "DeleteOptions")).distinct()
                .sorted(Comparator.comparing(Definitions.Gvk::group).thenComparing(Definitions.Gvk::version))
                .forEach(deleteGvks::add);
        kinds.put(deleteOptions, deleteGvks);
        Type scale = model.type("autoscaling.v1.Scale").orElseThrow();
        kinds.computeIfAbsent(scale, k -> new ArrayList<>(List.of(new Definitions.Gvk("autoscaling", "v1", "Scale"))));
        Type binding = model.type("core.v1.Binding").orElseThrow();
        kinds.computeIfAbsent(binding, k -> new ArrayList<>(List.of(new Definitions.Gvk("", "v1", "Binding"))));
        Type tokenRequest = model.type("authentication.v1.TokenRequest").orElseThrow();
        kinds.computeIfAbsent(tokenRequest, k -> new ArrayList<>(List.of(
                new Definitions.Gvk("authentication.k8s.io", "v1", "TokenRequest"))));

        Definitions v2Definitions = new Definitions(model, Definitions.Flavour.V2, kinds);
        ObjectNode v2 = NODES.objectNode();
        v2.put("swagger", "2.0");
        v2.set("info", info());
        v2.set("paths", paths(all, v2Definitions, Definitions.Flavour.V2));
        ObjectNode definitions = v2.putObject("definitions");
        v2Definitions.reachableFrom(roots(all, scale, binding, tokenRequest)).forEach(definitions::set);
        v2.set("securityDefinitions", securitySchemes());
        v2.putArray("security").addObject().putArray("BearerToken");

        Definitions v3Definitions = new Definitions(model, Definitions.Flavour.V3, kinds);
        Map<String, ObjectNode> v3 = new TreeMap<>();
        byGroupVersion.forEach((groupVersion, served) -> {
            ObjectNode document = NODES.objectNode();
            ObjectNode components = document.putObject("components");
            ObjectNode schemas = components.putObject("schemas");
            v3Definitions.reachableFrom(roots(served, scale, binding, tokenRequest)).forEach(schemas::set);
            components.set("securitySchemes", securitySchemes());
            document.set("info", info());
            document.put("openapi", "3.0.0");
            document.set("paths", paths(served, v3Definitions, Definitions.Flavour.V3));
            document.putArray("security").addObject().putArray("BearerToken");
            v3.put(groupVersion, document);
        });
        return new OpenApiDocuments(v2, java.util.Collections.unmodifiableMap(v3));
    }

    private record Served(ResourceDescription resource, Type type) {
    }

    private static List<Type> roots(List<Served> served, Type scale, Type binding, Type tokenRequest) {
        List<Type> roots = new ArrayList<>();
        for (Served s : served) {
            if (!roots.contains(s.type)) {
                roots.add(s.type);
            }
            if (s.resource.scaleSubresource() && !roots.contains(scale)) {
                roots.add(scale);
            }
            if (s.resource.has(Subresource.BINDING) && !roots.contains(binding)) {
                roots.add(binding);
            }
            if (s.resource.has(Subresource.TOKEN) && !roots.contains(tokenRequest)) {
                roots.add(tokenRequest);
            }
        }
        return roots;
    }

    /** "api/v1" or "apis/<group>/<version>", the key of /openapi/v3's index. */
    static String groupVersionPath(ResourceDescription resource) {
        return resource.group().isEmpty() ? "api/" + resource.version() : "apis/" + resource.group() + "/" + resource.version();
    }

    private static ObjectNode info() {
        ObjectNode info = NODES.objectNode();
        info.put("title", "Kubernetes");
        info.put("version", VersionInfo.GIT_VERSION);
        return info;
    }

    private static ObjectNode securitySchemes() {
        ObjectNode schemes = NODES.objectNode();
        ObjectNode bearer = schemes.putObject("BearerToken");
        bearer.put("description", "Bearer Token authentication");
        bearer.put("in", "header");
        bearer.put("name", "authorization");
        bearer.put("type", "apiKey");
        return schemes;
    }

    // ---- paths ----

    private static ObjectNode paths(List<Served> served, Definitions definitions, Definitions.Flavour flavour) {
        Map<String, ObjectNode> paths = new TreeMap<>();
        for (Served s : served) {
            new ResourcePaths(s.resource, definitions, flavour).addTo(paths);
        }
        ObjectNode node = NODES.objectNode();
        paths.forEach(node::set);
        return node;
    }

    /** The paths of one resource. */
    private static final class ResourcePaths {
        private final ResourceDescription resource;
        private final Definitions definitions;
        private final Definitions.Flavour flavour;
        private final String prefix;
        private final String idGroupVersion;
        private final String tag;

        ResourcePaths(ResourceDescription resource, Definitions definitions, Definitions.Flavour flavour) {
            this.resource = resource;
            this.definitions = definitions;
            this.flavour = flavour;
            this.prefix = "/" + groupVersionPath(resource);
            String group = groupIdentifier(resource.group());
            this.idGroupVersion = group + capitalize(resource.version());
            this.tag = Character.toLowerCase(group.charAt(0)) + group.substring(1) + "_" + resource.version();
        }

        void addTo(Map<String, ObjectNode> paths) {
            String kind = resource.kind();
            Definitions.Gvk gvk = new Definitions.Gvk(resource.group(), resource.version(), kind);
            String ref = definitions.ref(Definitions.name(TypeModel.get().kind(resource.apiVersion(), kind).orElseThrow()));
            String listRef = definitions.ref(Definitions.name(TypeModel.get().kind(resource.apiVersion(), kind).orElseThrow()) + "List");
            String namespaced = resource.namespaced() ? "Namespaced" : "";
            String base = prefix + (resource.namespaced() ? "/namespaces/{namespace}/" : "/") + resource.plural();
            List<ObjectNode> scopeParameters = resource.namespaced() ? List.of(pathParameter("namespace")) : List.of();

            ObjectNode collection = pathItem(scopeParameters);
            if (allows(Verb.LIST)) {
                collection.set("get", operation("list", "list" + idGroupVersion + namespaced + kind, gvk,
                        listQuery(true), null, responses(listRef, "200"), PRODUCES_WATCH, null));
            }
            if (allows(Verb.CREATE)) {
                collection.set("post", operation("post", "create" + idGroupVersion + namespaced + kind, gvk,
                        writeQuery(false), ref, responses(ref, "200", "201", "202"), PRODUCES, List.of("*/*")));
            }
            if (allows(Verb.DELETECOLLECTION)) {
                List<ObjectNode> query = new ArrayList<>(deleteQuery());
                query.addAll(listQuery(false));
                collection.set("delete", operation("deletecollection", "delete" + idGroupVersion + "Collection" + namespaced + kind,
                        gvk, query, definitions.ref(Definitions.DELETE_OPTIONS), responses(definitions.ref(Definitions.STATUS), "200"),
                        PRODUCES, List.of("*/*")));
            }
            put(paths, base, collection);

            List<ObjectNode> objectParameters = new ArrayList<>();
            objectParameters.add(pathParameter("name"));
            objectParameters.addAll(scopeParameters);
            ObjectNode object = pathItem(objectParameters);
            if (allows(Verb.GET)) {
                object.set("get", operation("get", "read" + idGroupVersion + namespaced + kind, gvk, List.of(), null,
                        responses(ref, "200"), PRODUCES, null));
            }
            if (allows(Verb.UPDATE)) {
                object.set("put", operation("put", "replace" + idGroupVersion + namespaced + kind, gvk, writeQuery(false), ref,
                        responses(ref, "200", "201"), PRODUCES, List.of("*/*")));
            }
            if (allows(Verb.DELETE)) {
                object.set("delete", operation("delete", "delete" + idGroupVersion + namespaced + kind, gvk, deleteQuery(),
                        definitions.ref(Definitions.DELETE_OPTIONS), responses(definitions.ref(Definitions.STATUS), "200", "202"),
                        PRODUCES, List.of("*/*")));
            }
            if (allows(Verb.PATCH)) {
                object.set("patch", operation("patch", "patch" + idGroupVersion + namespaced + kind, gvk, writeQuery(true),
                        definitions.ref(Definitions.PATCH), responses(ref, "200", "201"), PRODUCES, PATCH_TYPES));
            }
            put(paths, base + "/{name}", object);

            for (Subresource subresource : Subresource.values()) {
                if (!resource.has(subresource)) {
                    continue;
                }
                Definitions.Gvk subGvk = subresource.kind() == null ? gvk
                        : new Definitions.Gvk(subresource.group(), subresource.version(), subresource.kind());
                String subRef = subresource.kind() == null ? ref : definitions.ref(Definitions.name(
                        TypeModel.get().kind(subGvk.group().isEmpty() ? subGvk.version() : subGvk.group() + "/" + subGvk.version(),
                                subGvk.kind()).orElseThrow()));
                String suffix = kind + capitalize(subresource.path());
                ObjectNode item = pathItem(objectParameters);
                for (String verb : subresource.verbs()) {
                    switch (verb) {
                        case "get" -> item.set("get", operation("get", "read" + idGroupVersion + namespaced + suffix, subGvk,
                                List.of(), null, responses(subRef, "200"), PRODUCES, null));
                        case "update" -> item.set("put", operation("put", "replace" + idGroupVersion + namespaced + suffix,
                                subGvk, writeQuery(false), subRef, responses(subRef, "200", "201"), PRODUCES, List.of("*/*")));
                        case "patch" -> item.set("patch", operation("patch", "patch" + idGroupVersion + namespaced + suffix,
                                subGvk, writeQuery(true), definitions.ref(Definitions.PATCH), responses(subRef, "200", "201"),
                                PRODUCES, PATCH_TYPES));
                        case "create" -> item.set("post", operation("post", "create" + idGroupVersion + namespaced + suffix,
                                subGvk, writeQuery(false), subRef, responses(subRef, "200", "201", "202"), PRODUCES, List.of("*/*")));
                        default -> {
                        }
                    }
                }
                put(paths, base + "/{name}/" + subresource.path(), item);
            }

            if (resource.namespaced() && allows(Verb.LIST)) {
                ObjectNode everywhere = pathItem(List.of());
                everywhere.set("get", operation("list", "list" + idGroupVersion + kind + "ForAllNamespaces", gvk,
                        listQuery(true), null, responses(listRef, "200"), PRODUCES_WATCH, null));
                put(paths, prefix + "/" + resource.plural(), everywhere);
            }
            if (allows(Verb.WATCH)) {
                String watchBase = prefix + "/watch" + (resource.namespaced() ? "/namespaces/{namespace}/" : "/") + resource.plural();
                String event = definitions.ref(Definitions.WATCH_EVENT);
                ObjectNode list = pathItem(scopeParameters);
                list.set("get", operation("watchList", "watch" + idGroupVersion + namespaced + kind + "List", gvk,
                        listQuery(true), null, responses(event, "200"), PRODUCES_WATCH, null));
                put(paths, watchBase, list);
                ObjectNode one = pathItem(objectParameters);
                one.set("get", operation("watch", "watch" + idGroupVersion + namespaced + kind, gvk, listQuery(true), null,
                        responses(event, "200"), PRODUCES_WATCH, null));
                put(paths, watchBase + "/{name}", one);
                if (resource.namespaced()) {
                    ObjectNode everywhere = pathItem(List.of());
                    everywhere.set("get", operation("watchList", "watch" + idGroupVersion + kind + "ListForAllNamespaces", gvk,
                            listQuery(true), null, responses(event, "200"), PRODUCES_WATCH, null));
                    put(paths, prefix + "/watch/" + resource.plural(), everywhere);
                }
            }
        }

        private boolean allows(Verb verb) {
            return resource.verbs().contains(verb);
        }

        private static void put(Map<String, ObjectNode> paths, String path, ObjectNode item) {
            if (item.properties().stream().anyMatch(e -> !e.getKey().equals("parameters"))) {
                paths.put(path, Definitions.sorted(item));
            }
        }

        private ObjectNode pathItem(List<ObjectNode> parameters) {
            ObjectNode item = NODES.objectNode();
            ArrayNode list = item.putArray("parameters");
            parameters.forEach(list::add);
            list.add(queryParameter("pretty", "string"));
            return item;
        }

        /** One operation; {@code body} is the request body's schema reference (null: none). */
        private ObjectNode operation(String action, String id, Definitions.Gvk gvk, List<ObjectNode> query, String body,
                                     ObjectNode responses, List<String> produces, List<String> consumes) {
            ObjectNode operation = NODES.objectNode();
            operation.put("operationId", id);
            ArrayNode parameters = operation.putArray("parameters");
            if (flavour == Definitions.Flavour.V2) {
                if (body != null) {
                    ObjectNode parameter = parameters.addObject();
                    parameter.put("in", "body");
                    parameter.put("name", "body");
                    parameter.put("required", !action.startsWith("delete"));
                    parameter.putObject("schema").put("$ref", body);
                }
                if (consumes != null) {
                    strings(operation.putArray("consumes"), consumes);
                }
                strings(operation.putArray("produces"), produces);
                strings(operation.putArray("schemes"), List.of("https"));
            } else if (body != null) {
                ObjectNode requestBody = operation.putObject("requestBody");
                ObjectNode content = requestBody.putObject("content");
                for (String type : consumes) {
                    content.putObject(type).putObject("schema").put("$ref", body);
                }
                if (!action.startsWith("delete")) {
                    requestBody.put("required", true);
                }
            }
            query.forEach(parameters::add);
            if (parameters.isEmpty()) {
                operation.remove("parameters");
            }
            operation.set("responses", responses);
            strings(operation.putArray("tags"), List.of(tag));
            operation.put("x-kubernetes-action", action);
            ObjectNode gvkNode = gvk.toJson();
            operation.set("x-kubernetes-group-version-kind", gvkNode);
            return Definitions.sorted(operation);
        }

        private ObjectNode responses(String ref, String... codes) {
            ObjectNode responses = NODES.objectNode();
            for (String code : codes) {
                ObjectNode response = responses.putObject(code);
                response.put("description", switch (code) {
                    case "201" -> "Created";
                    case "202" -> "Accepted";
                    default -> "OK";
                });
                if (flavour == Definitions.Flavour.V2) {
                    response.putObject("schema").put("$ref", ref);
                } else {
                    ObjectNode content = response.putObject("content");
                    for (String type : PRODUCES) {
                        content.putObject(type).putObject("schema").put("$ref", ref);
                    }
                }
            }
            responses.putObject("401").put("description", "Unauthorized");
            return responses;
        }

        private List<ObjectNode> writeQuery(boolean patch) {
            List<ObjectNode> query = new ArrayList<>();
            query.add(queryParameter("dryRun", "string"));
            query.add(queryParameter("fieldManager", "string"));
            query.add(queryParameter("fieldValidation", "string"));
            if (patch) {
                query.add(queryParameter("force", "boolean"));
            }
            return query;
        }

        private List<ObjectNode> deleteQuery() {
            return List.of(queryParameter("dryRun", "string"), queryParameter("gracePeriodSeconds", "integer"),
                    queryParameter("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean"),
                    queryParameter("orphanDependents", "boolean"), queryParameter("propagationPolicy", "string"));
        }

        private List<ObjectNode> listQuery(boolean watchable) {
            List<ObjectNode> query = new ArrayList<>();
            if (watchable) {
                query.add(queryParameter("allowWatchBookmarks", "boolean"));
            }
            query.add(queryParameter("continue", "string"));
            query.add(queryParameter("fieldSelector", "string"));
            query.add(queryParameter("labelSelector", "string"));
            query.add(queryParameter("limit", "integer"));
            query.add(queryParameter("resourceVersion", "string"));
            query.add(queryParameter("resourceVersionMatch", "string"));
            query.add(queryParameter("sendInitialEvents", "boolean"));
            query.add(queryParameter("timeoutSeconds", "integer"));
            if (watchable) {
                query.add(queryParameter("watch", "boolean"));
            }
            return query;
        }

        private ObjectNode queryParameter(String name, String type) {
            ObjectNode parameter = NODES.objectNode();
            parameter.put("in", "query");
            parameter.put("name", name);
            typed(parameter, type);
            return parameter;
        }

        private ObjectNode pathParameter(String name) {
            ObjectNode parameter = NODES.objectNode();
            parameter.put("description", name + " of the " + (name.equals("namespace") ? "Namespace" : resource.kind()));
            parameter.put("in", "path");
            parameter.put("name", name);
            parameter.put("required", true);
            typed(parameter, "string");
            return parameter;
        }

        /** v2 puts the type on the parameter, v3 in its schema. */
        private void typed(ObjectNode parameter, String type) {
            ObjectNode schema = flavour == Definitions.Flavour.V2 ? parameter : parameter.putObject("schema");
            schema.put("type", type);
            schema.put("uniqueItems", true);
        }
    }

    private static void strings(ArrayNode into, List<String> values) {
        values.forEach(into::add);
    }

    /** Upstream's operation-id form of a group: "" → Core, rbac.authorization.k8s.io → RbacAuthorization. */
    static String groupIdentifier(String group) {
        if (group.isEmpty()) {
            return "Core";
        }
        String trimmed = group.endsWith(".k8s.io") ? group.substring(0, group.length() - ".k8s.io".length()) : group;
        StringBuilder id = new StringBuilder();
        for (String part : trimmed.split("[.-]")) {
            id.append(capitalize(part));
        }
        return id.toString();
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1);
    }
}
