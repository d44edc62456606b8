package dev.kj.apiserver.decoding;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.schema.Field;
import dev.kj.apiserver.schema.Type;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a JSON (or YAML) body as upstream decodes it into its Go type, driven by the type model:
 * keys that name no field of their type (matched case-sensitively, as Kubernetes' decoder does)
 * are dropped, and every unknown or repeated key is reported in document order with its path,
 * the way sigs.k8s.io/json's strict decoding words it ({@code unknown field "spec.replicaz"},
 * {@code duplicate field "metadata.name"}, list items as {@code containers[0]}). Values the Go
 * type keeps verbatim (RawExtension, apiextensions JSON and its unions) are read as they are.
 * A value Go could not store in an integer, boolean or struct field is a type error, worded as
 * encoding/json's UnmarshalTypeError ({@code json: cannot unmarshal string into Go struct field
 * DeploymentSpec.spec.replicas of type int32}); the first one is kept, as Go keeps it. String
 * fields, lists and maps are checked too; named string types (Go's v1.RestartPolicy) are named
 * from {@link GoNamedTypes}, since the model knows only "string". The same mismatch is also
 * worded as the unstructured converter words it ({@code cannot restore slice from string}), which
 * is how upstream reports a strategic merge patch that left a value of the wrong kind. One pass,
 * so a body is parsed once.
 */
public final class TypedDecoder {
    /** sigs.k8s.io/json stops collecting after this many. */
    private static final int MAX_ERRORS = 100;
    /** TypeMeta, inlined in every kind; the model's kinds carry it in the wire envelope instead. */
    private static final Set<String> TYPE_META = Set.of("apiVersion", "kind");

    /** The fields of one JSON patch operation as upstream's handler decodes it. */
    private static final Set<String> PATCH_OPERATION = Set.of("op", "path", "from", "value");

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;

    /**
     * The decoded object, what strict decoding objects to (in order, deduplicated) and the first
     * type error (Go's text), which fails a decode whatever the fieldValidation.
     */
    public record Result(JsonNode value, List<String> errors, java.util.Optional<String> typeError,
                         java.util.Optional<String> conversionError) {
        public Result {
            errors = List.copyOf(errors);
        }

        public Result(JsonNode value, List<String> errors) {
            this(value, errors, java.util.Optional.empty(), java.util.Optional.empty());
        }
    }

    /** Decodes a kind's body (apiVersion and kind allowed at the top). */
    public Result decodeKind(JsonParser parser, Type kind) throws IOException {
        return decode(parser, kind, true);
    }

    /** Decodes a tree already read (a patched object: no duplicates left to find). */
    public Result decodeKind(ObjectMapper json, JsonNode tree, Type kind) {
        try (JsonParser parser = json.treeAsTokens(tree)) {
            return decode(parser, kind, true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Decodes any JSON value as Go's map[string]any does: duplicates are the only strict errors. */
    public Result decodeUntyped(JsonParser parser) throws IOException {
        State state = new State(parser);
        if (parser.currentToken() == null) {
            parser.nextToken();
        }
        JsonNode value = untyped(parser, state, "");
        return new Result(value, state.all());
    }

    /**
     * Decodes a JSON patch as upstream's list of operations (op, path, from, value): unknown and
     * duplicate keys of an operation, and duplicates inside its value, are its strict errors.
     */
    public Result decodeOperations(JsonParser parser) throws IOException {
        State state = new State(parser);
        if (parser.currentToken() == null) {
            parser.nextToken();
        }
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            return new Result(verbatim(parser), List.of());
        }
        ArrayNode operations = nodes.arrayNode();
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            String path = "[" + index++ + "]";
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                operations.add(verbatim(parser));
                continue;
            }
            ObjectNode operation = operations.addObject();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                int line = parser.currentTokenLocation().getLineNr();
                parser.nextToken();
                if (!PATCH_OPERATION.contains(key)) {
                    state.add("unknown field", child(path, key));
                    parser.skipChildren();
                    continue;
                }
                if (operation.has(key)) {
                    state.duplicate(line, child(path, key), key);
                }
                operation.set(key, untyped(parser, state, child(path, key)));
            }
        }
        return new Result(operations, state.all());
    }

    private Result decode(JsonParser parser, Type kind, boolean topLevelKind) throws IOException {
        State state = new State(parser);
        if (parser.currentToken() == null) {
            parser.nextToken();
        }
        JsonNode value = struct(parser, state, "", "", kind, topLevelKind);
        return new Result(value, state.all(), java.util.Optional.ofNullable(state.typeError),
                java.util.Optional.ofNullable(state.conversionError));
    }

    private static final class State {
        final Set<String> errors = new LinkedHashSet<>();
        /** YAML bodies: upstream finds repeated keys while converting YAML to JSON, and words them so. */
        final boolean yaml;
        final List<String> yamlDuplicates = new ArrayList<>();
        /** The first value that does not fit its Go field, as encoding/json words it. */
        String typeError;
        /** The first value of the wrong kind for its Go field, as runtime.DefaultUnstructuredConverter words it. */
        String conversionError;

        void typeMismatch(String value, Where where, String goType) {
            if (typeError == null) {
                typeError = "json: cannot unmarshal " + value + " into Go struct field " + where.struct() + "."
                        + where.fields() + " of type " + goType;
            }
        }

        void conversionMismatch(String words) {
            if (conversionError == null) {
                conversionError = words;
            }
        }

        State(JsonParser parser) {
            this.yaml = parser instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser;
        }

        void add(String kind, String path) {
            if (errors.size() < MAX_ERRORS) {
                errors.add(kind + " " + quote(path));
            }
        }

        /** {@code line}: the 1-based line of the repeated key. */
        void duplicate(int line, String path, String key) {
            if (yaml) {
                yamlDuplicates.add("line " + line + ": key " + quote(key)
                        + " already set in map");
            } else {
                add("duplicate field", path);
            }
        }

        /** The strict errors in upstream's order: the YAML conversion's first, then the decoder's. */
        List<String> all() {
            List<String> all = new ArrayList<>();
            if (!yamlDuplicates.isEmpty()) {
                all.add("error converting YAML to JSON: yaml: unmarshal errors:\n  " + String.join("\n  ", yamlDuplicates));
            }
            all.addAll(errors);
            return all;
        }
    }

    /**
     * Where a value goes, as encoding/json's error names it: the Go struct holding the field, the
     * JSON names from the root (no list indices) and the field's wire type (its Go integer width).
     */
    private record Where(String struct, String fields, com.google.protobuf.Descriptors.FieldDescriptor descriptor,
                         java.util.Optional<String> named) {
        /** A named string type's name for one value of the field (its item, for a list of them). */
        String namedOr(String fallback) {
            return named.map(n -> n.startsWith("[]") ? n.substring(2) : n).orElse(fallback);
        }
    }

    /** At the token that starts the value. */
    private JsonNode value(JsonParser parser, State state, String path, Where where, Field.Value shape) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return nodes.nullNode();
        }
        return switch (shape) {
            case Field.Scalar scalar -> {
                checkScalar(parser, state, where, scalar.kind());
                JsonNode node = verbatim(parser);
                // a whole YAML float in an integer field is the integer Go's YAML-to-JSON step writes
                if (state.yaml && scalar.kind() == Field.ScalarKind.INTEGER && node.isFloatingPointNumber()
                        && node.decimalValue().stripTrailingZeros().scale() <= 0 && node.canConvertToLong()) {
                    long whole = node.longValue();
                    yield whole == (int) whole ? nodes.numberNode((int) whole) : nodes.numberNode(whole);
                }
                yield node;
            }
            case Field.Struct(Type type) -> {
                if (type.jsonForm().isPresent()) {
                    yield verbatim(parser);
                }
                if (parser.currentToken() != JsonToken.START_OBJECT) {
                    state.typeMismatch(jsonKind(parser.currentToken()), where, goPackage(type) + "." + type.goName());
                    state.conversionMismatch("cannot restore struct from: " + goKind(parser));
                }
                yield struct(parser, state, path, where.fields(), type, false);
            }
            case Field.ListOf(Field.Value items) -> {
                if (parser.currentToken() != JsonToken.START_ARRAY) {
                    goType(items).ifPresent(item -> state.typeMismatch(jsonKind(parser.currentToken()), where,
                            where.named().orElse("[]" + item)));
                    if (!(items instanceof Field.Scalar(Field.ScalarKind kind) && kind == Field.ScalarKind.BYTES
                            && parser.currentToken() == JsonToken.VALUE_STRING)) {
                        state.conversionMismatch("cannot restore slice from " + goKind(parser));
                    }
                    yield verbatim(parser);
                }
                ArrayNode array = nodes.arrayNode();
                int index = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(parser, state, path + "[" + index++ + "]", where, items));
                }
                yield array;
            }
            case Field.MapOf(Field.Value values) -> {
                if (parser.currentToken() != JsonToken.START_OBJECT) {
                    goType(values).ifPresent(value -> state.typeMismatch(jsonKind(parser.currentToken()), where,
                            "map[string]" + value));
                    state.conversionMismatch("cannot restore map from " + goKind(parser));
                    yield verbatim(parser);
                }
                ObjectNode map = nodes.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    int line = parser.currentTokenLocation().getLineNr();
                    if (map.has(key)) {
                        state.duplicate(line, child(path, key), key);
                    }
                    parser.nextToken();
                    map.set(key, value(parser, state, child(path, key), where, values));
                }
                yield map;
            }
        };
    }

    private JsonNode struct(JsonParser parser, State state, String path, String fields, Type type, boolean topLevelKind)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            return verbatim(parser);
        }
        ObjectNode object = nodes.objectNode();
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int line = parser.currentTokenLocation().getLineNr();
            parser.nextToken();
            if (topLevelKind && TYPE_META.contains(key)) {
                if (!seen.add(key)) {
                    state.duplicate(line, child(path, key), key);
                }
                object.set(key, verbatim(parser));
                continue;
            }
            var field = type.exactField(key);
            if (field.isEmpty()) {
                state.add("unknown field", child(path, key));
                parser.skipChildren();
                continue;
            }
            if (!seen.add(key)) {
                state.duplicate(line, child(path, key), key);
            }
            Where where = new Where(type.goName(), child(fields, key), field.get().descriptor(),
                    GoNamedTypes.of(type.name(), key));
            object.set(key, value(parser, state, child(path, key), where, field.get().value()));
        }
        return object;
    }

    private JsonNode untyped(JsonParser parser, State state, String path) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> {
                ObjectNode object = nodes.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    int line = parser.currentTokenLocation().getLineNr();
                    if (object.has(key)) {
                        state.duplicate(line, child(path, key), key);
                    }
                    parser.nextToken();
                    object.set(key, untyped(parser, state, child(path, key)));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = nodes.arrayNode();
                int index = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(untyped(parser, state, path + "[" + index++ + "]"));
                }
                yield array;
            }
            default -> verbatim(parser);
        };
    }

    /** Integers must be integral JSON numbers that fit the Go width; booleans must be true or false. */
    private static void checkScalar(JsonParser parser, State state, Where where, Field.ScalarKind kind) throws IOException {
        JsonToken token = parser.currentToken();
        if (kind == Field.ScalarKind.STRING) {
            if (token != JsonToken.VALUE_STRING && where != null) {
                String goType = where.namedOr("string");
                state.typeMismatch(jsonKind(token), where, goType);
                state.conversionMismatch("cannot convert " + goSourceType(parser) + " to " + goType);
            }
            return;
        }
        if (kind == Field.ScalarKind.BOOLEAN) {
            if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                state.typeMismatch(jsonKind(token), where, "bool");
                state.conversionMismatch("cannot convert " + goSourceType(parser) + " to bool");
            }
            return;
        }
        if (kind != Field.ScalarKind.INTEGER || where.descriptor() == null) {
            return;
        }
        String goType = switch (where.descriptor().getType()) {
            case INT32, SINT32, SFIXED32 -> "int32";
            case INT64, SINT64, SFIXED64 -> "int64";
            default -> null;
        };
        if (goType == null) {
            return;
        }
        if (!token.isNumeric()) {
            state.typeMismatch(jsonKind(token), where, goType);
            state.conversionMismatch("cannot convert " + goSourceType(parser) + " to " + goType);
            return;
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT && parser.getDoubleValue() != Math.rint(parser.getDoubleValue())) {
            state.conversionMismatch("cannot convert float64 to " + goType); // whole floats convert
        }
        // Go parses the literal as a base-10 integer and checks it fits the field. A YAML body reaches
        // it as JSON that Go wrote from the YAML's value: 0x10 is 16 there, and 2.0 is 2
        String literal = parser.getText();
        if (state.yaml) {
            java.math.BigDecimal value = parser.getDecimalValue();
            literal = value.stripTrailingZeros().scale() <= 0 ? value.toBigInteger().toString() : Double.toString(value.doubleValue());
        }
        boolean fits;
        try {
            long n = Long.parseLong(literal);
            fits = goType.equals("int64") || n == (int) n;
        } catch (NumberFormatException e) {
            fits = false;
        }
        if (!fits) {
            state.typeMismatch("number " + literal, where, goType);
        }
    }

    /**
     * The Go type of a list's items or a map's values, as the error names it, when the model knows
     * it: structs (v1.Container), strings, booleans and integers (by their wire width); empty for
     * values Go keeps in a type of its own (Quantity, IntOrString, raw JSON) and nested collections.
     */
    private static java.util.Optional<String> goType(Field.Value value) {
        return switch (value) {
            case Field.Struct(Type type) -> type.jsonForm().isPresent()
                    ? java.util.Optional.empty() : java.util.Optional.of(goPackage(type) + "." + type.goName());
            case Field.Scalar(Field.ScalarKind kind) -> switch (kind) {
                case STRING -> java.util.Optional.of("string");
                case BOOLEAN -> java.util.Optional.of("bool");
                default -> java.util.Optional.empty();
            };
            case Field.ListOf(Field.Value items) -> goType(items).map(item -> "[]" + item);
            case Field.MapOf(Field.Value values) -> goType(values).map(v -> "map[string]" + v);
        };
    }

    /** The reflect.Kind of what Go's JSON decoding makes of the value at the parser (int64 for whole numbers). */
    private static String goKind(JsonParser parser) {
        return switch (parser.currentToken()) {
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT -> "int64";
            case VALUE_NUMBER_FLOAT -> "float64";
            case VALUE_TRUE, VALUE_FALSE -> "bool";
            case START_ARRAY -> "slice";
            default -> "map";
        };
    }

    /** The Go type of that value, as the converter's "cannot convert" names it. */
    private static String goSourceType(JsonParser parser) {
        return switch (parser.currentToken()) {
            case START_ARRAY -> "[]interface {}";
            case START_OBJECT -> "map[string]interface {}";
            default -> goKind(parser);
        };
    }

    /** encoding/json's word for the JSON value it could not store. */
    private static String jsonKind(JsonToken token) {
        return switch (token) {
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "bool";
            case START_ARRAY -> "array";
            default -> "object";
        };
    }

    /** The Go package name a type's reflect name starts with: "v1" for "apps.v1.DeploymentSpec". */
    private static String goPackage(Type type) {
        String[] parts = type.name().split("\\.");
        return parts.length >= 3 ? parts[parts.length - 2] : parts[0];
    }

    private static JsonNode verbatim(JsonParser parser) throws IOException {
        JsonNode node = parser.readValueAsTree();
        return node == null ? JsonNodeFactory.instance.nullNode() : node;
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Go's %q of a field path (strconv.Quote): JSON's escapes cover what paths hold. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\x%02x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
