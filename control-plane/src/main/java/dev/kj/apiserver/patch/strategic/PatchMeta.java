package dev.kj.apiserver.patch.strategic;

import dev.kj.apiserver.schema.Field;
import dev.kj.apiserver.schema.JsonForm;
import dev.kj.apiserver.schema.Type;
import java.util.List;
import java.util.Optional;

/**
 * Where a value sits in kj's type model, as strategic merge looks it up: the patch strategies and
 * merge key of a field, and what its value (or a list's items) is. Upstream reads the same facts
 * from the Go struct tags of the versioned type.
 */
sealed interface PatchMeta permits PatchMeta.Struct, PatchMeta.MapOf, PatchMeta.Scalar, PatchMeta.Untyped {

    /** The patch facts of one key and what its value is. */
    record Lookup(PatchMeta value, List<String> strategies, String mergeKey) {
    }

    static PatchMeta of(Type type) {
        return new Struct(type);
    }

    static PatchMeta of(Field.Value value) {
        return switch (value) {
            case Field.Struct(Type type) -> new Struct(type);
            case Field.MapOf(Field.Value values) -> new MapOf(values);
            case Field.Scalar(Field.ScalarKind kind) -> new Scalar(goKind(kind));
            case Field.ListOf list -> new Scalar("slice");
        };
    }

    /** The facts of an object's key whose values in the object and in the patch are both objects. */
    Lookup forObject(String key);

    /** The facts of an object's key whose values are both lists; {@code value} is then the items'. */
    Lookup forList(String key);

    /** Go's reflect kind of the value, which one of upstream's messages names. */
    String goKind();

    /** A Go struct: its fields by JSON name (inline structs' fields included, case-insensitive as encoding/json). */
    record Struct(Type type) implements PatchMeta {
        @Override
        public Lookup forObject(String key) {
            if (type.jsonForm().isPresent()) {
                // the Go type writes its own JSON and has no JSON fields to look up
                throw Failures.internal("unable to find api field in struct " + type.goName() + " for the json field \"" + key + "\"");
            }
            return type.field(key)
                    .map(field -> new Lookup(of(field.value()), field.patchStrategies(), field.patchMergeKey()))
                    // kj keeps fields it does not know (upstream drops them when it decodes): merge them without facts
                    .orElse(new Lookup(new Untyped(), List.of(), ""));
        }

        @Override
        public Lookup forList(String key) {
            Lookup found = forObject(key);
            return switch (found.value()) {
                case Untyped untyped -> found;
                default -> {
                    Field.Value items = items(type.field(key).orElseThrow().value(), "struct");
                    yield new Lookup(of(items), found.strategies(), found.mergeKey());
                }
            };
        }

        @Override
        public String goKind() {
            return "struct";
        }
    }

    /** A Go map: every key's value is of one kind, with no patch facts. */
    record MapOf(Field.Value values) implements PatchMeta {
        @Override
        public Lookup forObject(String key) {
            return new Lookup(of(values), List.of(), "");
        }

        @Override
        public Lookup forList(String key) {
            return new Lookup(of(items(values, "map")), List.of(), "");
        }

        @Override
        public String goKind() {
            return "map";
        }
    }

    /** A string, number, boolean or list where an object was met. */
    record Scalar(String goKind) implements PatchMeta {
        @Override
        public Lookup forObject(String key) {
            throw Failures.internal("merging an object in json but data type is not map or struct, instead is: " + goKind);
        }

        @Override
        public Lookup forList(String key) {
            throw Failures.internal("merging an object in json but data type is not map or struct, instead is: " + goKind);
        }
    }

    /** A value the model does not describe: merged with no strategies (objects merge, lists are replaced). */
    record Untyped() implements PatchMeta {
        @Override
        public Lookup forObject(String key) {
            return new Lookup(this, List.of(), "");
        }

        @Override
        public Lookup forList(String key) {
            return new Lookup(this, List.of(), "");
        }

        @Override
        public String goKind() {
            return "interface";
        }
    }

    /** The items of a list value; {@code parentKind} names the enclosing Go kind in upstream's error. */
    private static Field.Value items(Field.Value list, String parentKind) {
        return switch (list) {
            case Field.ListOf(Field.ListOf nested) -> throw Failures.internal("unexpected slice of slice");
            case Field.ListOf(Field.Value items) -> items;
            // a named []string (authentication's ExtraValue) is a Go slice too
            case Field.Struct(Type named) when named.jsonForm().equals(Optional.of(JsonForm.STRING_LIST)) ->
                    new Field.Scalar(Field.ScalarKind.STRING);
            default -> throw Failures.internal("expected slice or array type, but got: " + parentKind);
        };
    }

    private static String goKind(Field.ScalarKind kind) {
        return switch (kind) {
            case STRING -> "string";
            case INTEGER -> "int64";
            case NUMBER -> "float64";
            case BOOLEAN -> "bool";
            case BYTES -> "slice";
        };
    }
}
