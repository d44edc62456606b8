package dev.kj.api.client;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How requests reach an API server: over HTTPS ({@link HttpsTransport}), or in-process to the
 * server's handler chain (the API server module provides that one, with the caller's identity).
 * Blocking: a call returns once the response's status and headers are there; a watch's body then
 * streams as the server produces it.
 */
public interface Transport extends AutoCloseable {
    Response send(Request request) throws IOException;

    /** Releases connections; responses still open end. */
    @Override
    void close();

    /**
     * @param path    absolute, unencoded ({@code /api/v1/namespaces/default/pods})
     * @param query   unencoded names and values, in order
     * @param headers as sent; names case-insensitive
     * @param body    empty for none
     */
    record Request(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
                   byte[] body) {
        public Request {
            query = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(query));
            headers = Map.copyOf(headers);
        }
    }

    /**
     * A response whose body is read as a stream (all of it for a plain answer, chunk by chunk for
     * a watch). Closing it ends the request, a watch included.
     */
    record Response(int status, String contentType, InputStream body) implements Closeable {
        public static Response of(int status, String contentType, byte[] body) {
            return new Response(status, contentType, new ByteArrayInputStream(body));
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
