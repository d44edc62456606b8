package dev.kj.apiserver.schema;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One of upstream's Go struct types as kj models it: its fields in the Go type's order and, for
 * types whose Go code writes their own JSON, that {@link JsonForm}. Kinds also have apiVersion and
 * kind (upstream's inlined TypeMeta, which the wire carries in its envelope rather than here).
 * Types refer to each other (a JSONSchemaProps holds JSONSchemaProps), so they are compared by
 * identity; one {@link TypeModel} holds one of each.
 */
public final class Type {
    private final String name;
    private final Descriptor descriptor;
    private final Field.MapType structType;
    private final Optional<JsonForm> jsonForm;
    private List<Field> fields = List.of();
    private Map<String, Field> jsonFields = Map.of();

    Type(String name, Descriptor descriptor, Field.MapType structType, Optional<JsonForm> jsonForm) {
        this.name = name;
        this.descriptor = descriptor;
        this.structType = structType;
        this.jsonForm = jsonForm;
    }

    /** The group version's package and the Go name, e.g. "core.v1.PodSpec", "meta.v1.ObjectMeta". */
    public String name() {
        return name;
    }

    /** The Go type's name, e.g. "PodSpec" (upstream's error texts name it). */
    public String goName() {
        return descriptor.getName();
    }

    /** The wire message (protobuf decoding reads it). */
    public Descriptor descriptor() {
        return descriptor;
    }

    /** +structType: atomic structs are replaced whole by apply and patch; granular is the default. */
    public Field.MapType structType() {
        return structType;
    }

    /** How the Go type writes itself when it does not write its fields. */
    public Optional<JsonForm> jsonForm() {
        return jsonForm;
    }

    /** The declared fields in the Go type's order; an inline field stands for its type's fields. */
    public List<Field> fields() {
        return fields;
    }

    /**
     * The field encoding/json reads for a JSON key, as upstream's patch metadata looks it up:
     * fields of inline structs count as this type's, an exact name wins, else the first that
     * matches ignoring case. Types with a {@link JsonForm} have no such fields.
     */
    public Optional<Field> field(String jsonName) {
        Field exact = jsonFields.get(jsonName);
        if (exact != null) {
            return Optional.of(exact);
        }
        return jsonFields.values().stream().filter(field -> field.name().equalsIgnoreCase(jsonName)).findFirst();
    }

    /**
     * The field a JSON key names exactly, as Kubernetes' case-sensitive decoding looks it up
     * (a key differing in case is an unknown field there).
     */
    public Optional<Field> exactField(String jsonName) {
        return Optional.ofNullable(jsonFields.get(jsonName));
    }

    /** Every field as JSON sees it (inline structs' fields in their place), in order; none for a {@link JsonForm}. */
    public List<Field> jsonFields() {
        return List.copyOf(jsonFields.values());
    }

    void fields(List<Field> declared) {
        this.fields = List.copyOf(declared);
    }

    /** Called once every type has its declared fields. */
    void flatten() {
        Map<String, Field> flat = new LinkedHashMap<>();
        if (jsonForm.isEmpty()) {
            collect(this, flat, new ArrayList<>());
        }
        this.jsonFields = flat;
    }

    /** encoding/json: a field of the outer struct hides one of the same name in an inlined struct. */
    private static void collect(Type type, Map<String, Field> into, List<Type> path) {
        if (path.contains(type)) {
            throw new IllegalStateException("inline cycle through " + type.name);
        }
        path.add(type);
        List<String> own = type.fields.stream().filter(field -> !field.inline()).map(Field::name).toList();
        for (Field field : type.fields) {
            if (!field.inline()) {
                into.put(field.name(), field);
            } else if (field.value() instanceof Field.Struct(Type inlined)) {
                Map<String, Field> inner = new LinkedHashMap<>();
                collect(inlined, inner, path);
                inner.forEach((name, promoted) -> {
                    if (!own.contains(name)) {
                        into.putIfAbsent(name, promoted);
                    }
                });
            }
        }
        path.remove(path.size() - 1);
    }

    @Override
    public String toString() {
        return name;
    }
}
