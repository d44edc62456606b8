package dev.kj.apiserver.endpoints;

import dev.kj.apiserver.authn.User;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request with nothing of the transport left in it.
 *
 * @param headers lower-cased names
 * @param user    the authenticated user, empty for anonymous requests
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
                         byte[] body, Optional<User> user) {
    public ApiRequest {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /** The first value of a query parameter, or {@code fallback}. */
    public String param(String name, String fallback) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.getFirst();
    }

    public String header(String name) {
        return headers.getOrDefault(name, "");
    }
}
