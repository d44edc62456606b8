package dev.kj.api.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The two JSON mappers of the module: Jackson 2 for generic trees (what the API server works on)
 * and Jackson 3 for fabric8's model classes, whose custom (de)serializers (IntOrString, Quantity,
 * MicroTime, ...) are Jackson 3 ones. Both are configured once and never changed.
 */
public final class Json {
    private Json() {
    }

    /** Jackson 2, for {@link ObjectNode} trees. */
    public static final ObjectMapper TREES = newTreeMapper();

    /**
     * A Jackson 2 mapper for trees whose parsers and generators take their buffers from a pool
     * shared by all threads. Jackson 2's default pool is per thread, and the API server serves each
     * request on a fresh virtual thread, so every read and write allocated its buffers anew
     * (Jackson 3's default is already a shared pool).
     */
    public static ObjectMapper newTreeMapper() {
        return new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.newConcurrentDequePool())
                .build());
    }

    /** Jackson 3, for fabric8 model objects; unknown fields land in their additionalProperties. */
    public static final tools.jackson.databind.json.JsonMapper TYPED = tools.jackson.databind.json.JsonMapper.builder()
            .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** Parses a JSON object; anything else (an array, a number, nothing) is an error. */
    public static ObjectNode readObject(byte[] json) {
        try {
            JsonNode node = TREES.readTree(json);
            if (!(node instanceof ObjectNode object)) {
                throw new UncheckedIOException(new IOException("expected a JSON object, got "
                        + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType())));
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] write(JsonNode tree) {
        try {
            return TREES.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A deep copy of a model object (the cache's objects are shared and must not be changed). */
    public static <T> T copy(T object, Class<T> type) {
        return TYPED.readValue(TYPED.writeValueAsBytes(object), type);
    }

    /** A model object as a Jackson 2 tree (fields as upstream's JSON writes them). */
    public static JsonNode tree(Object object) {
        try {
            return TREES.readTree(TYPED.writeValueAsBytes(object));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
