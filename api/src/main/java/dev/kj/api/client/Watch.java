package dev.kj.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.objects.Json;
import dev.kj.api.objects.ObjectCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An open watch: a blocking stream of events. {@link #next()} returns null once the server ends
 * the stream (its timeout, or after an ERROR event); {@link #close()} ends it from any thread.
 */
public final class Watch<T> implements AutoCloseable {
    private final Transport.Response response;
    private final ObjectCodec<T> codec;
    /** Made at the first read: the parser reads ahead to detect the encoding, which would block here. */
    private MappingIterator<JsonNode> values;
    private volatile boolean closed;

    Watch(Transport.Response response, ObjectCodec<T> codec) {
        this.response = response;
        this.codec = codec;
    }

    /**
     * The next event, waiting for it; null when the stream has ended (by the server, or by
     * {@link #close()}).
     *
     * @throws UncheckedIOException when the connection fails or the stream is not a watch stream
     */
    public WatchEvent<T> next() {
        try {
            if (values == null && !closed) {
                // events are concatenated JSON objects (kj and upstream put a newline after each)
                values = Json.TREES.readerFor(JsonNode.class).readValues(response.body());
            }
            if (closed || !values.hasNextValue()) {
                return null;
            }
            return decode(values.nextValue());
        } catch (IOException | RuntimeException e) {
            if (closed) {
                return null;
            }
            throw e instanceof IOException io ? new UncheckedIOException(io)
                    : e instanceof UncheckedIOException unchecked ? unchecked
                    : new UncheckedIOException(new IOException("malformed watch event: " + e.getMessage(), e));
        }
    }

    private WatchEvent<T> decode(JsonNode event) throws IOException {
        if (!(event.path("object") instanceof ObjectNode object)) {
            throw new IOException("a watch event without an object: " + event);
        }
        String type = event.path("type").asText();
        return switch (type) {
            case "ADDED" -> new WatchEvent.Added<>(codec.fromTree(object));
            case "MODIFIED" -> new WatchEvent.Modified<>(codec.fromTree(object));
            case "DELETED" -> new WatchEvent.Deleted<>(codec.fromTree(object));
            case "BOOKMARK" -> {
                JsonNode metadata = object.path("metadata");
                Map<String, String> annotations = new LinkedHashMap<>();
                metadata.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
                yield new WatchEvent.Bookmark<>(metadata.path("resourceVersion").asText(), annotations);
            }
            case "ERROR" -> new WatchEvent.Error<>(ApiException.statusOf(object));
            default -> throw new IOException("unknown watch event type \"" + type + "\"");
        };
    }

    @Override
    public void close() {
        closed = true;
        try {
            response.close();
        } catch (IOException ignored) {
            // the stream is over either way
        }
    }
}
