package dev.kj.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.objects.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the API server serves, read from legacy discovery ({@code /api}, {@code /apis} and each
 * group version's APIResourceList), as client-go's discovery client reads it. A group version that
 * cannot be read is reported in {@link Discovered#failures()} while the others are still returned
 * (client-go's ErrGroupDiscoveryFailed): callers work with what they have.
 */
public final class DiscoveryClient {
    private final Transport transport;

    DiscoveryClient(Transport transport) {
        this.transport = transport;
    }

    /** A group and its versions, preferred first as the server names it. */
    public record ApiGroup(String name, List<String> versions, String preferredVersion) {
        public ApiGroup {
            versions = List.copyOf(versions);
        }
    }

    /**
     * @param resources each entry with its group version's resources (and subresources)
     * @param failures  group version ({@code apps/v1}, {@code v1}) → why it could not be read
     */
    public record Discovered(List<ApiResource> resources, Map<String, RuntimeException> failures) {
        public Discovered {
            resources = List.copyOf(resources);
            failures = Map.copyOf(failures);
        }
    }

    /** The core group (named "") and every named group. */
    public List<ApiGroup> groups() {
        List<ApiGroup> groups = new ArrayList<>();
        ObjectNode core = get("/api");
        List<String> coreVersions = new ArrayList<>();
        core.path("versions").forEach(v -> coreVersions.add(v.asText()));
        if (!coreVersions.isEmpty()) {
            groups.add(new ApiGroup("", coreVersions, coreVersions.getFirst()));
        }
        for (JsonNode group : get("/apis").path("groups")) {
            List<String> versions = new ArrayList<>();
            group.path("versions").forEach(v -> versions.add(v.path("version").asText()));
            String preferred = group.path("preferredVersion").path("version").asText(versions.isEmpty() ? "" : versions.getFirst());
            groups.add(new ApiGroup(group.path("name").asText(), versions, preferred));
        }
        return groups;
    }

    /** One group version's resources and subresources. */
    public List<ApiResource> resourcesFor(String group, String version) {
        ObjectNode list = get(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
        List<ApiResource> resources = new ArrayList<>();
        for (JsonNode r : list.path("resources")) {
            List<String> verbs = new ArrayList<>();
            r.path("verbs").forEach(v -> verbs.add(v.asText()));
            resources.add(new ApiResource(group, version, r.path("name").asText(), r.path("singularName").asText(""),
                    r.path("namespaced").asBoolean(), r.path("kind").asText(), verbs));
        }
        return resources;
    }

    /** Every version of every group (client-go's ServerGroupsAndResources). */
    public Discovered serverResources() {
        return serverResources(groups());
    }

    private Discovered serverResources(List<ApiGroup> groups) {
        List<ApiResource> resources = new ArrayList<>();
        Map<String, RuntimeException> failures = new LinkedHashMap<>();
        for (ApiGroup group : groups) {
            for (String version : group.versions()) {
                try {
                    resources.addAll(resourcesFor(group.name(), version));
                } catch (RuntimeException e) {
                    failures.put(group.name().isEmpty() ? version : group.name() + "/" + version, e);
                }
            }
        }
        return new Discovered(resources, failures);
    }

    /**
     * Each resource once, in its group's preferred version when that version serves it, else in the
     * first version that does; subresources left out (client-go's ServerPreferredResources).
     */
    public Discovered serverPreferredResources() {
        List<ApiGroup> groups = groups();
        Discovered all = serverResources(groups);
        Map<String, ApiResource> chosen = new LinkedHashMap<>();
        Map<String, String> preferred = new LinkedHashMap<>();
        for (ApiGroup group : groups) {
            preferred.put(group.name(), group.preferredVersion());
        }
        for (ApiResource resource : all.resources()) {
            if (resource.isSubresource()) {
                continue;
            }
            String key = resource.group() + "/" + resource.name();
            ApiResource earlier = chosen.get(key);
            if (earlier == null || (!earlier.version().equals(preferred.get(resource.group()))
                    && resource.version().equals(preferred.get(resource.group())))) {
                chosen.put(key, resource);
            }
        }
        return new Discovered(new ArrayList<>(chosen.values()), all.failures());
    }

    private ObjectNode get(String path) {
        try (Transport.Response response = transport.send(new Transport.Request("GET", path, Map.of(),
                Map.of("Accept", "application/json"), new byte[0]))) {
            byte[] body = response.body().readAllBytes();
            if (response.status() / 100 != 2) {
                throw ApiException.fromResponse("GET", response.status(), body);
            }
            return Json.readObject(body);
        } catch (IOException e) {
            if (e instanceof InterruptedIOException) {
                Thread.currentThread().interrupt();
            }
            throw new UncheckedIOException(e);
        }
    }
}
