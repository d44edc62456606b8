package dev.kj.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.kj.apiserver.schema.Field;
import dev.kj.apiserver.schema.JsonForm;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The schemas of kj's types as upstream's OpenAPI publishes them, computed from the type model:
 * definitions named as upstream names them ({@code io.k8s.api.core.v1.Pod}), properties with
 * their types and formats, {@code required} (the fields whose json tag lacks omitempty, which is
 * what openapi-gen makes required), the patch and list facts as x-kubernetes-* extensions, and
 * {@code x-kubernetes-group-version-kind} on kinds. The model has no list kinds and no meta
 * Status types; their schemas are written here. Two flavours: Swagger 2.0 for /openapi/v2, and
 * OpenAPI 3.0 (zero-value defaults, IntOrString and Quantity as oneOf) for /openapi/v3.
 */
public final class Definitions {
    /** Which document a schema goes into. */
    public enum Flavour {
        V2("#/definitions/"), V3("#/components/schemas/");

        final String refPrefix;

        Flavour(String refPrefix) {
            this.refPrefix = refPrefix;
        }
    }

    static final String LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
    static final String STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
    static final String STATUS_DETAILS = "io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails";
    static final String STATUS_CAUSE = "io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause";
    static final String WATCH_EVENT = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
    static final String PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
    static final String DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
    static final String RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final TypeModel model;
    private final Flavour flavour;
    /** Kind type → its group-version-kinds (a kind served in several versions has one each). */
    private final Map<Type, List<Gvk>> kinds;
    /** Types with TypeMeta (apiVersion and kind), served or not. */
    private final Set<Type> kindTypes;

    /** A group, version and kind. */
    public record Gvk(String group, String version, String kind) {
        ObjectNode toJson() {
            ObjectNode gvk = NODES.objectNode();
            gvk.put("group", group);
            gvk.put("kind", kind);
            gvk.put("version", version);
            return gvk;
        }
    }

    Definitions(TypeModel model, Flavour flavour, Map<Type, List<Gvk>> kinds) {
        this.model = model;
        this.flavour = flavour;
        this.kinds = kinds;
        this.kindTypes = new java.util.HashSet<>();
        for (String apiVersionKind : model.kinds()) {
            int slash = apiVersionKind.lastIndexOf('/');
            model.kind(apiVersionKind.substring(0, slash), apiVersionKind.substring(slash + 1)).ifPresent(kindTypes::add);
        }
    }

    /** Upstream's definition name of one of kj's types: core.v1.Pod → io.k8s.api.core.v1.Pod. */
    public static String name(Type type) {
        String ours = type.name();
        String pkg = ours.substring(0, ours.lastIndexOf('.'));
        String prefix = switch (pkg) {
            case "meta.v1" -> "io.k8s.apimachinery.pkg.apis.";
            case "apiextensions.v1" -> "io.k8s.apiextensions-apiserver.pkg.apis.";
            case "intstr" -> "io.k8s.apimachinery.pkg.util.";
            case "resource" -> "io.k8s.apimachinery.pkg.api.";
            case "runtime" -> "io.k8s.apimachinery.pkg.";
            default -> "io.k8s.api.";
        };
        return prefix + ours;
    }

    /** The name of a kind's list: io.k8s.api.apps.v1.DeploymentList. */
    static String listName(Type kind) {
        return name(kind) + "List";
    }

    String ref(String definition) {
        return flavour.refPrefix + definition;
    }

    /**
     * Every definition reachable from {@code roots} (kind types), their lists and the meta types
     * every API document refers to, sorted by name.
     */
    Map<String, ObjectNode> reachableFrom(List<Type> roots) {
        Map<String, ObjectNode> definitions = new TreeMap<>();
        Deque<Type> pending = new ArrayDeque<>(roots);
        pending.add(model.type("meta.v1.DeleteOptions").orElseThrow());
        pending.add(model.type("runtime.RawExtension").orElseThrow());
        Set<Type> seen = new LinkedHashSet<>();
        while (!pending.isEmpty()) {
            Type type = pending.pop();
            if (!seen.add(type) || type.jsonForm().orElse(null) == JsonForm.STRING_LIST) {
                continue;
            }
            definitions.put(name(type), definition(type));
            for (Field field : type.jsonFields()) {
                referenced(field.value(), pending);
            }
        }
        for (Type root : roots) {
            definitions.put(listName(root), list(root));
        }
        metaTypes(definitions);
        return definitions;
    }

    private static void referenced(Field.Value value, Deque<Type> into) {
        switch (value) {
            case Field.Struct(Type type) -> into.add(type);
            case Field.ListOf(Field.Value items) -> referenced(items, into);
            case Field.MapOf(Field.Value values) -> referenced(values, into);
            case Field.Scalar scalar -> {
            }
        }
    }

    /** One type's schema. */
    ObjectNode definition(Type type) {
        if (type.jsonForm().isPresent()) {
            return customJson(type.jsonForm().get());
        }
        ObjectNode schema = NODES.objectNode();
        ObjectNode properties = NODES.objectNode();
        List<Gvk> gvks = kinds.get(type);
        boolean kind = gvks != null || kindTypes.contains(type);
        ArrayNode required = NODES.arrayNode();
        if (kind) {
            properties.set("apiVersion", scalar("string", null));
            properties.set("kind", scalar("string", null));
        }
        for (Field field : type.jsonFields()) {
            properties.set(field.name(), property(field));
            if (field.required()) {
                required.add(field.name());
            }
        }
        schema.set("properties", sorted(properties));
        if (!required.isEmpty()) {
            schema.set("required", required);
        }
        schema.put("type", "object");
        if (gvks != null) {
            ArrayNode list = schema.putArray("x-kubernetes-group-version-kind");
            gvks.forEach(gvk -> list.add(gvk.toJson()));
        }
        if (type.structType() == Field.MapType.ATOMIC) {
            schema.put("x-kubernetes-map-type", "atomic");
        }
        return schema;
    }

    /** A field's schema: its value's, plus its defaults (v3) and patch and list facts. */
    private ObjectNode property(Field field) {
        ObjectNode schema = value(field.value(), field.descriptor());
        if (flavour == Flavour.V3 && !field.pointer()) {
            zeroDefault(field.value(), !field.omitEmpty()).ifPresent(zero -> schema.set("default", zero));
        }
        if (!field.listMapKeys().isEmpty()) {
            ArrayNode keys = schema.putArray("x-kubernetes-list-map-keys");
            field.listMapKeys().forEach(keys::add);
        }
        field.listType().ifPresent(listType -> schema.put("x-kubernetes-list-type", lower(listType)));
        field.mapType().ifPresent(mapType -> schema.put("x-kubernetes-map-type", lower(mapType)));
        if (!field.patchMergeKey().isEmpty()) {
            schema.put("x-kubernetes-patch-merge-key", field.patchMergeKey());
        }
        if (!field.patchStrategies().isEmpty()) {
            schema.put("x-kubernetes-patch-strategy", String.join(",", field.patchStrategies()));
        }
        return sorted(schema);
    }

    /**
     * openapi-gen's v3 defaults: a struct that is not a pointer defaults to {}, and a scalar or
     * list item that is not a pointer and not omitempty to its zero value.
     */
    private static java.util.Optional<com.fasterxml.jackson.databind.JsonNode> zeroDefault(Field.Value value, boolean enforced) {
        return switch (value) {
            case Field.Struct(Type type) -> type.jsonForm().isEmpty()
                    ? java.util.Optional.of(NODES.objectNode()) : java.util.Optional.empty();
            case Field.Scalar(Field.ScalarKind kind) -> !enforced ? java.util.Optional.empty() : switch (kind) {
                case STRING -> java.util.Optional.of(NODES.textNode(""));
                case INTEGER, NUMBER -> java.util.Optional.of(NODES.numberNode(0));
                case BOOLEAN -> java.util.Optional.of(NODES.booleanNode(false));
                case BYTES -> java.util.Optional.empty();
            };
            default -> java.util.Optional.empty();
        };
    }

    private ObjectNode value(Field.Value value, FieldDescriptor descriptor) {
        return switch (value) {
            case Field.Scalar(Field.ScalarKind kind) -> switch (kind) {
                case STRING -> scalar("string", null);
                case INTEGER -> scalar("integer", descriptor.getType() == FieldDescriptor.Type.INT64
                        || descriptor.getType() == FieldDescriptor.Type.UINT64 || descriptor.getType() == FieldDescriptor.Type.SINT64
                        ? "int64" : "int32");
                case NUMBER -> scalar("number", "double");
                case BOOLEAN -> scalar("boolean", null);
                case BYTES -> scalar("string", "byte");
            };
            case Field.Struct(Type type) -> {
                if (type.jsonForm().orElse(null) == JsonForm.STRING_LIST) {
                    yield array(item(scalar("string", null), new Field.Scalar(Field.ScalarKind.STRING)));
                }
                ObjectNode ref = NODES.objectNode();
                ref.put("$ref", ref(name(type)));
                yield ref;
            }
            case Field.ListOf(Field.Value items) -> array(item(value(items, descriptor), items));
            case Field.MapOf(Field.Value values) -> {
                ObjectNode map = NODES.objectNode();
                map.set("additionalProperties", item(value(values, descriptor), values));
                map.put("type", "object");
                yield map;
            }
        };
    }

    /** A list item or map value: in v3 with its zero default, as openapi-gen writes it. */
    private ObjectNode item(ObjectNode schema, Field.Value value) {
        if (flavour == Flavour.V3 && !(value instanceof Field.ListOf) && !(value instanceof Field.MapOf)) {
            zeroDefault(value, true).ifPresent(zero -> schema.set("default", zero));
        }
        return sorted(schema);
    }

    private static ObjectNode array(ObjectNode items) {
        ObjectNode array = NODES.objectNode();
        array.set("items", items);
        array.put("type", "array");
        return array;
    }

    private ObjectNode customJson(JsonForm form) {
        ObjectNode schema = NODES.objectNode();
        switch (form) {
            case TIME, MICRO_TIME -> {
                schema.put("format", "date-time");
                schema.put("type", "string");
            }
            case QUANTITY -> {
                if (flavour == Flavour.V3) {
                    schema.set("oneOf", NODES.arrayNode().add(scalar("string", null)).add(scalar("number", null)));
                } else {
                    schema.put("type", "string");
                }
            }
            case INT_OR_STRING -> {
                schema.put("format", "int-or-string");
                if (flavour == Flavour.V3) {
                    schema.set("oneOf", NODES.arrayNode().add(scalar("integer", null)).add(scalar("string", null)));
                } else {
                    schema.put("type", "string");
                }
            }
            case RAW -> schema.put("type", "object");
            case SCHEMA_OR_ARRAY, SCHEMA_OR_BOOL, SCHEMA_OR_STRINGS, STRING_LIST -> {
                // upstream publishes the apiextensions unions without a type: any JSON
            }
        }
        return schema;
    }

    /** A kind's list: apiVersion, items, kind, metadata (ListMeta), as upstream's XList types. */
    private ObjectNode list(Type kind) {
        ObjectNode schema = NODES.objectNode();
        ObjectNode properties = schema.putObject("properties");
        properties.set("apiVersion", scalar("string", null));
        ObjectNode items = NODES.objectNode();
        items.put("$ref", ref(name(kind)));
        properties.set("items", array(v3Default(items)));
        properties.set("kind", scalar("string", null));
        ObjectNode metadata = NODES.objectNode();
        metadata.put("$ref", ref(LIST_META));
        properties.set("metadata", v3Default(metadata));
        schema.putArray("required").add("items");
        schema.put("type", "object");
        List<Gvk> gvks = kinds.get(kind);
        if (gvks != null) {
            ArrayNode list = schema.putArray("x-kubernetes-group-version-kind");
            gvks.forEach(gvk -> list.add(new Gvk(gvk.group(), gvk.version(), gvk.kind() + "List").toJson()));
        }
        return schema;
    }

    private ObjectNode v3Default(ObjectNode schema) {
        if (flavour == Flavour.V3) {
            schema.putObject("default");
        }
        return sorted(schema);
    }

    /** ListMeta, Status (with its details and causes), WatchEvent and Patch: what every API document refers to. */
    private void metaTypes(Map<String, ObjectNode> into) {
        into.put(LIST_META, object(Map.of("continue", scalar("string", null), "remainingItemCount", scalar("integer", "int64"),
                "resourceVersion", scalar("string", null), "selfLink", scalar("string", null)), List.of(), List.of()));
        ObjectNode details = NODES.objectNode();
        details.put("$ref", ref(STATUS_DETAILS));
        ObjectNode statusMeta = NODES.objectNode();
        statusMeta.put("$ref", ref(LIST_META));
        into.put(STATUS, object(Map.of("apiVersion", scalar("string", null), "code", scalar("integer", "int32"),
                "details", details, "kind", scalar("string", null), "message", scalar("string", null),
                "metadata", v3Default(statusMeta), "reason", scalar("string", null), "status", scalar("string", null)),
                List.of(), List.of(new Gvk("", "v1", "Status"))));
        ObjectNode cause = NODES.objectNode();
        cause.put("$ref", ref(STATUS_CAUSE));
        ObjectNode causes = array(v3Default(cause));
        causes.put("x-kubernetes-list-type", "atomic");
        into.put(STATUS_DETAILS, object(Map.of("causes", causes, "group", scalar("string", null),
                "kind", scalar("string", null), "name", scalar("string", null),
                "retryAfterSeconds", scalar("integer", "int32"), "uid", scalar("string", null)), List.of(), List.of()));
        into.put(STATUS_CAUSE, object(Map.of("field", scalar("string", null), "message", scalar("string", null),
                "reason", scalar("string", null)), List.of(), List.of()));
        ObjectNode raw = NODES.objectNode();
        raw.put("$ref", ref(RAW_EXTENSION));
        ObjectNode type = scalar("string", null);
        if (flavour == Flavour.V3) {
            type.put("default", "");
        }
        into.put(WATCH_EVENT, object(Map.of("object", raw, "type", type), List.of("type", "object"), List.of()));
        ObjectNode patch = NODES.objectNode();
        patch.put("type", "object");
        into.put(PATCH, patch);
    }

    private static ObjectNode object(Map<String, ObjectNode> properties, List<String> required, List<Gvk> gvks) {
        ObjectNode schema = NODES.objectNode();
        ObjectNode props = schema.putObject("properties");
        new TreeMap<>(properties).forEach(props::set);
        if (!required.isEmpty()) {
            ArrayNode list = schema.putArray("required");
            required.forEach(list::add);
        }
        schema.put("type", "object");
        if (!gvks.isEmpty()) {
            ArrayNode list = schema.putArray("x-kubernetes-group-version-kind");
            gvks.forEach(gvk -> list.add(gvk.toJson()));
        }
        return schema;
    }

    private static ObjectNode scalar(String type, String format) {
        ObjectNode schema = NODES.objectNode();
        if (format != null) {
            schema.put("format", format);
        }
        schema.put("type", type);
        return schema;
    }

    /** The same object with its keys in order, as upstream's JSON reads. */
    static ObjectNode sorted(ObjectNode object) {
        ObjectNode sorted = NODES.objectNode();
        new TreeMap<>(toMap(object)).forEach(sorted::set);
        return sorted;
    }

    private static Map<String, com.fasterxml.jackson.databind.JsonNode> toMap(ObjectNode object) {
        Map<String, com.fasterxml.jackson.databind.JsonNode> map = new TreeMap<>();
        object.properties().forEach(entry -> map.put(entry.getKey(), entry.getValue()));
        return map;
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
