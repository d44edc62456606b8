package dev.kj.apiserver.schema;

import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.List;
import java.util.Optional;

/**
 * One field of a {@link Type} as upstream's Go field is written in JSON: its name, its value, the
 * encoding/json rules of its tag, and its patch and list facts (struct tags and markers).
 *
 * @param name            the JSON name (the json tag)
 * @param descriptor      the wire field (protobuf decoding reads it)
 * @param value           what the JSON value holds
 * @param omitEmpty       the json tag has omitempty
 * @param pointer         the Go field is a pointer: written exactly when set, a zero included
 * @param inline          the json tag is ",inline": the struct's fields belong to the enclosing object
 * @param patchStrategies the patchStrategy tag split at commas ("merge", "retainKeys", "replace"), empty when none
 * @param patchMergeKey   the patchMergeKey tag, empty when none
 * @param listType        +listType of a list
 * @param listMapKeys     +listMapKey of a list_type map, in order
 * @param mapType         +mapType of a map
 * @param required        upstream's OpenAPI lists the field as required (no omitempty and no
 *                        +optional marker, or a +required marker)
 */
public record Field(String name, FieldDescriptor descriptor, Value value, boolean omitEmpty, boolean pointer,
                    boolean inline, List<String> patchStrategies, String patchMergeKey, Optional<ListType> listType,
                    List<String> listMapKeys, Optional<MapType> mapType, boolean required) {

    public Field {
        patchStrategies = List.copyOf(patchStrategies);
        listMapKeys = List.copyOf(listMapKeys);
    }

    /** The patchStrategy has {@code strategy} ("merge", "retainKeys", "replace"). */
    public boolean hasPatchStrategy(String strategy) {
        return patchStrategies.contains(strategy);
    }

    /** What a field's JSON value holds. */
    public sealed interface Value permits Scalar, Struct, ListOf, MapOf {
    }

    /** A string, number or boolean; bytes are base64 strings. */
    public record Scalar(ScalarKind kind) implements Value {
    }

    /** An object of a type (or, for a type with a {@link JsonForm}, what that form writes). */
    public record Struct(Type type) implements Value {
    }

    /** A JSON array. */
    public record ListOf(Value items) implements Value {
    }

    /** A JSON object with string keys (a Go map). */
    public record MapOf(Value values) implements Value {
    }

    public enum ScalarKind { STRING, INTEGER, NUMBER, BOOLEAN, BYTES }

    /** +listType. */
    public enum ListType { ATOMIC, SET, MAP }

    /** +mapType of maps and +structType of structs (upstream's OpenAPI writes both as x-kubernetes-map-type). */
    public enum MapType { ATOMIC, GRANULAR }
}
