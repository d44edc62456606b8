package dev.kj.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resource;
import dev.kj.api.objects.Json;
import dev.kj.api.objects.ObjectCodec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The REST verbs on one resource, in one object representation. Every call blocks (cheap on a
 * virtual thread); a refusal is an {@link ApiException} carrying the server's Status, a transport
 * failure an {@link UncheckedIOException}. {@code namespace} is null for cluster-scoped resources
 * (and, for list and watch, means all namespaces).
 */
public final class ResourceClient<T> {
    private static final String JSON = "application/json";

    private final Transport transport;
    private final Resource resource;
    private final ObjectCodec<T> codec;

    ResourceClient(Transport transport, Resource resource, ObjectCodec<T> codec) {
        this.transport = transport;
        this.resource = resource;
        this.codec = codec;
    }

    public Resource resource() {
        return resource;
    }

    public ObjectCodec<T> codec() {
        return codec;
    }

    public T get(String namespace, String name) {
        return codec.read(call("GET", resource.path(namespace, name), Map.of(), codec.accept(false), null, null));
    }

    /** One page (or everything, without a limit). */
    public ObjectList<T> list(String namespace, ListOptions options) {
        ObjectNode list = Json.readObject(call("GET", resource.path(namespace, null), options.query(),
                codec.accept(true), null, null));
        List<T> items = new ArrayList<>();
        for (JsonNode item : list.path("items")) {
            if (item instanceof ObjectNode object) {
                items.add(codec.fromTree(object));
            }
        }
        JsonNode meta = list.path("metadata");
        return new ObjectList<>(items, meta.path("resourceVersion").asText(""), meta.path("continue").asText(""),
                meta.path("remainingItemCount").isNumber() ? meta.path("remainingItemCount").asLong() : null);
    }

    /**
     * Every page, as client-go's pager reads them: {@code pageSize} items at a time, later pages
     * by continue token alone (they read at the first page's resourceVersion); when a later page's
     * token has expired, one unpaginated list with the original options instead.
     *
     * @param pageSize 0 for one request without a limit
     */
    public ObjectList<T> listAll(String namespace, ListOptions options, long pageSize) {
        ListOptions page = options.withLimit(pageSize).withContinue("");
        List<T> items = new ArrayList<>();
        String resourceVersion = null;
        while (true) {
            ObjectList<T> chunk;
            try {
                chunk = list(namespace, page);
            } catch (ApiException e) {
                if (!e.isResourceExpired() || page.continueToken().isEmpty()) {
                    throw e;
                }
                return list(namespace, options.withLimit(0).withContinue(""));
            }
            items.addAll(chunk.items());
            resourceVersion = resourceVersion == null ? chunk.resourceVersion() : resourceVersion;
            if (chunk.continueToken().isEmpty()) {
                return new ObjectList<>(items, resourceVersion, "", null);
            }
            // a continue token carries its version; resourceVersion with continue is refused upstream
            page = page.withContinue(chunk.continueToken()).withResourceVersion("").withResourceVersionMatch("");
        }
    }

    /** Opens a watch; events flow until the server's timeout, an ERROR event, or {@link Watch#close()}. */
    public Watch<T> watch(String namespace, ListOptions options) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("watch", List.of("true"));
        query.putAll(options.query());
        return new Watch<>(open("GET", resource.path(namespace, null), query, codec.accept(false), null, null), codec);
    }

    public T create(String namespace, T object) {
        return codec.read(call("POST", resource.path(namespace, null), Map.of(), codec.accept(false), JSON,
                codec.write(object)));
    }

    /**
     * POST to a subresource that takes another kind ({@code pods/binding}, {@code pods/eviction});
     * the answer (often a Status) is returned as a tree.
     */
    public ObjectNode create(String namespace, String name, String subresource, ObjectNode body) {
        return Json.readObject(call("POST", resource.path(namespace, name) + "/" + subresource, Map.of(), JSON, JSON,
                Json.write(body)));
    }

    /** PUT: an update with the object's resourceVersion fails with 409 Conflict when it is stale. */
    public T update(T object) {
        return codec.read(call("PUT", resource.path(namespace(object), codec.name(object)), Map.of(),
                codec.accept(false), JSON, codec.write(object)));
    }

    /** PUT to the status subresource. */
    public T updateStatus(T object) {
        return update(object, "status");
    }

    /** PUT to a subresource that takes the whole object ({@code status}, a namespace's {@code finalize}). */
    public T update(T object, String subresource) {
        return codec.read(call("PUT", resource.path(namespace(object), codec.name(object)) + "/" + subresource, Map.of(),
                codec.accept(false), JSON, codec.write(object)));
    }

    public T patch(String namespace, String name, PatchType type, String patch) {
        return patch(namespace, name, type, patch, "");
    }

    public T patchStatus(String namespace, String name, PatchType type, String patch) {
        return patch(namespace, name, type, patch, "/status");
    }

    /** Server-side apply to the status subresource as {@code fieldManager}; with force, fields other managers own are taken. */
    public T applyStatus(String namespace, String name, String configuration, String fieldManager, boolean force) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("fieldManager", List.of(fieldManager));
        if (force) {
            query.put("force", List.of("true"));
        }
        return codec.read(call("PATCH", resource.path(namespace, name) + "/status", query, codec.accept(false),
                PatchType.APPLY.contentType(), configuration.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private T patch(String namespace, String name, PatchType type, String patch, String subresource) {
        return codec.read(call("PATCH", resource.path(namespace, name) + subresource, Map.of(), codec.accept(false),
                type.contentType(), patch.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Deletes one object.
     *
     * @return the object when it is still there (finalizers or a grace period keep it, with a
     *         deletionTimestamp), empty when it is gone
     */
    public Optional<T> delete(String namespace, String name, DeleteOptions options) {
        byte[] body = call("DELETE", resource.path(namespace, name), Map.of(), codec.accept(false), JSON, options.body());
        ObjectNode answer = Json.readObject(body);
        return "Status".equals(answer.path("kind").asText()) ? Optional.empty() : Optional.of(codec.fromTree(answer));
    }

    /** Deletes every object the list options select. */
    public void deleteCollection(String namespace, DeleteOptions options, ListOptions selection) {
        call("DELETE", resource.path(namespace, null), selection.query(), JSON, JSON, options.body());
    }

    private String namespace(T object) {
        return resource.namespaced() ? codec.namespace(object) : null;
    }

    /** A request whose whole answer is read; a failure status becomes an {@link ApiException}. */
    private byte[] call(String method, String path, Map<String, List<String>> query, String accept, String contentType,
                        byte[] body) {
        try (Transport.Response response = open(method, path, query, accept, contentType, body)) {
            return response.body().readAllBytes();
        } catch (IOException e) {
            throw unchecked(e);
        }
    }

    private Transport.Response open(String method, String path, Map<String, List<String>> query, String accept,
                                    String contentType, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", accept);
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        Transport.Response response;
        try {
            response = transport.send(new Transport.Request(method, path, query, headers, body == null ? new byte[0] : body));
        } catch (IOException e) {
            throw unchecked(e);
        }
        if (response.status() / 100 == 2) {
            return response;
        }
        try (response) {
            throw ApiException.fromResponse(method, response.status(), response.body().readAllBytes());
        } catch (IOException e) {
            throw unchecked(e);
        }
    }

    private static UncheckedIOException unchecked(IOException e) {
        if (e instanceof InterruptedIOException) {
            Thread.currentThread().interrupt();
        }
        return new UncheckedIOException(e);
    }
}
