package dev.kj.apiserver.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.schema.Field;
import dev.kj.apiserver.schema.JsonForm;
import dev.kj.apiserver.schema.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What structured-merge-diff does with an object and its type, read from kj's type model: the
 * set of fields an object sets ({@link #of}), the merge of an applied configuration into a live
 * object ({@link #merge}), and finding and removing a path.
 *
 * <p>How a value is walked follows its schema: a struct field is a path element and its
 * value is walked on (an atomic struct is one leaf); a granular map's keys are elements that are
 * themselves members; a list of type map names each item by its keys ({@code k:}), a set by its
 * value ({@code v:}), each item a member with its own fields below it; an atomic list is one
 * leaf. Lists without a +listType follow their patch strategy as upstream's OpenAPI conversion
 * does (merge with a key: a map list; merge without: a set; otherwise atomic). Values whose Go
 * type writes its own JSON are scalars, except embedded JSON (RawExtension, JSON), which is
 * walked untyped (objects granular, lists atomic).
 */
public final class TypedFields {
    private TypedFields() {
    }

    /** The field set of {@code object} (a whole object of {@code kind}). */
    public static FieldSet of(Type kind, JsonNode object) {
        List<List<String>> into = new ArrayList<>();
        if (object instanceof ObjectNode node) {
            walkStruct(kind, node, new ArrayList<>(), into);
        }
        return FieldSet.of(into);
    }

    private static void walkStruct(Type type, ObjectNode object, List<String> path, List<List<String>> into) {
        if (type.structType() == Field.MapType.ATOMIC && !path.isEmpty()) {
            into.add(List.copyOf(path));
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            Optional<Field> field = type.exactField(entry.getKey());
            path.add("f:" + entry.getKey());
            JsonNode value = entry.getValue();
            if (field.isEmpty()) {
                into.add(List.copyOf(path)); // not in the schema (apiVersion, kind): a leaf
            } else {
                walkField(field.get(), value, path, into);
                if (value.isNull() || (value.isObject() && value.isEmpty())) {
                    into.add(List.copyOf(path));
                }
            }
            path.remove(path.size() - 1);
        }
    }

    private static void walkField(Field field, JsonNode value, List<String> path, List<List<String>> into) {
        switch (field.value()) {
            case Field.ListOf list -> walkList(listType(field), field.listMapKeys().isEmpty()
                    ? List.of(field.patchMergeKey()) : field.listMapKeys(), list.items(), value, path, into);
            case Field.MapOf map -> {
                if (field.mapType().orElse(Field.MapType.GRANULAR) == Field.MapType.ATOMIC || !value.isObject()) {
                    into.add(List.copyOf(path));
                } else {
                    walkMap(map.values(), (ObjectNode) value, path, into);
                }
            }
            default -> walkValue(field.value(), value, path, into);
        }
    }

    private static void walkValue(Field.Value shape, JsonNode value, List<String> path, List<List<String>> into) {
        switch (shape) {
            case Field.Scalar scalar -> into.add(List.copyOf(path));
            case Field.Struct(Type type) -> {
                Optional<JsonForm> form = type.jsonForm();
                if (form.isPresent() && isEmbeddedJson(form.get())) {
                    walkUntyped(value, path, into);
                } else if (form.isPresent() || !(value instanceof ObjectNode object)) {
                    into.add(List.copyOf(path));
                } else {
                    walkStruct(type, object, path, into);
                }
            }
            case Field.ListOf list -> walkList(Field.ListType.ATOMIC, List.of(), list.items(), value, path, into);
            case Field.MapOf map -> {
                if (value instanceof ObjectNode object) {
                    walkMap(map.values(), object, path, into);
                } else {
                    into.add(List.copyOf(path));
                }
            }
        }
    }

    private static void walkMap(Field.Value values, ObjectNode map, List<String> path, List<List<String>> into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            path.add("f:" + entry.getKey());
            walkValue(values, entry.getValue(), path, into);
            into.add(List.copyOf(path));
            path.remove(path.size() - 1);
        }
    }

    private static void walkList(Field.ListType type, List<String> keys, Field.Value items, JsonNode value,
                                 List<String> path, List<List<String>> into) {
        if (type == Field.ListType.ATOMIC || !(value instanceof ArrayNode list)) {
            into.add(List.copyOf(path));
            return;
        }
        for (JsonNode item : list) {
            path.add(itemElement(type, keys, item));
            walkValue(items, item, path, into);
            into.add(List.copyOf(path));
            path.remove(path.size() - 1);
        }
    }

    private static void walkUntyped(JsonNode value, List<String> path, List<List<String>> into) {
        if (!(value instanceof ObjectNode object)) {
            into.add(List.copyOf(path));
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            path.add("f:" + entry.getKey());
            walkUntyped(entry.getValue(), path, into);
            into.add(List.copyOf(path));
            path.remove(path.size() - 1);
        }
    }

    private static boolean isEmbeddedJson(JsonForm form) {
        return form == JsonForm.RAW || form == JsonForm.SCHEMA_OR_ARRAY || form == JsonForm.SCHEMA_OR_BOOL
                || form == JsonForm.SCHEMA_OR_STRINGS;
    }

    /** +listType, or what the patch strategy makes of an unmarked list (kube-openapi's schema conversion). */
    static Field.ListType listType(Field field) {
        if (field.listType().isPresent()) {
            return field.listType().get();
        }
        if (field.hasPatchStrategy("merge")) {
            return field.patchMergeKey().isEmpty() ? Field.ListType.SET : Field.ListType.MAP;
        }
        return Field.ListType.ATOMIC;
    }

    /** The path element of a list item: {@code k:} with its key fields in name order, or {@code v:} its value. */
    static String itemElement(Field.ListType type, List<String> keys, JsonNode item) {
        if (type == Field.ListType.SET) {
            return "v:" + item.toString();
        }
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        for (String key : keys) {
            JsonNode value = item.get(key);
            if (value != null && !value.isNull()) {
                sorted.put(key, value);
            }
        }
        ObjectNode element = JsonNodeFactory.instance.objectNode();
        sorted.forEach(element::set);
        return "k:" + element;
    }

    /**
     * The Go zero value of a kind as JSON (what upstream's field manager compares a create
     * against): non-pointer structs as their own zero value (null for Time and the other types
     * that write their own JSON), other fields without omitempty as null (pointers, lists, maps)
     * or their scalar zero.
     */
    public static ObjectNode zero(Type type) {
        return zero(type, new ArrayList<>());
    }

    private static ObjectNode zero(Type type, List<Type> path) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (path.contains(type)) {
            return out;
        }
        path.add(type);
        for (Field field : type.jsonFields()) {
            // encoding/json never omits a struct value, omitempty or not
            boolean structValue = field.value() instanceof Field.Struct && !field.pointer();
            if (field.omitEmpty() && !structValue) {
                continue;
            }
            JsonNode value = switch (field.value()) {
                case Field.Scalar(Field.ScalarKind kind) when !field.pointer() -> switch (kind) {
                    case STRING, BYTES -> JsonNodeFactory.instance.textNode("");
                    case INTEGER, NUMBER -> JsonNodeFactory.instance.numberNode(0);
                    case BOOLEAN -> JsonNodeFactory.instance.booleanNode(false);
                };
                case Field.Struct(Type inner) when !field.pointer() && inner.jsonForm().isEmpty() -> zero(inner, path);
                default -> JsonNodeFactory.instance.nullNode();
            };
            out.set(field.name(), value);
        }
        path.remove(path.size() - 1);
        return out;
    }

    // ---- merge (apply) ----

    /** {@code config} merged into {@code live} (both whole objects of {@code kind}); a new object. */
    public static ObjectNode merge(Type kind, ObjectNode live, ObjectNode config) {
        return mergeStruct(kind, live.deepCopy(), config);
    }

    private static ObjectNode mergeStruct(Type type, ObjectNode live, ObjectNode config) {
        if (type.structType() == Field.MapType.ATOMIC) {
            return config.deepCopy();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            Optional<Field> field = type.exactField(entry.getKey());
            JsonNode current = live.get(entry.getKey());
            live.set(entry.getKey(), field.isEmpty() || current == null ? entry.getValue().deepCopy()
                    : mergeField(field.get(), current, entry.getValue()));
        }
        return live;
    }

    private static JsonNode mergeField(Field field, JsonNode live, JsonNode config) {
        return switch (field.value()) {
            case Field.ListOf list -> mergeList(listType(field), field.listMapKeys().isEmpty()
                    ? List.of(field.patchMergeKey()) : field.listMapKeys(), list.items(), live, config);
            case Field.MapOf map -> field.mapType().orElse(Field.MapType.GRANULAR) == Field.MapType.ATOMIC
                    ? config.deepCopy() : mergeValue(field.value(), live, config);
            default -> mergeValue(field.value(), live, config);
        };
    }

    private static JsonNode mergeValue(Field.Value shape, JsonNode live, JsonNode config) {
        return switch (shape) {
            case Field.Struct(Type type) when type.jsonForm().isEmpty() && live instanceof ObjectNode l
                    && config instanceof ObjectNode c -> mergeStruct(type, l, c);
            case Field.Struct(Type type) when type.jsonForm().filter(TypedFields::isEmbeddedJson).isPresent() ->
                    mergeUntyped(live, config);
            case Field.MapOf map when live instanceof ObjectNode l && config instanceof ObjectNode c -> {
                for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    JsonNode current = l.get(entry.getKey());
                    l.set(entry.getKey(), current == null ? entry.getValue().deepCopy()
                            : mergeValue(map.values(), current, entry.getValue()));
                }
                yield l;
            }
            default -> config.deepCopy();
        };
    }

    private static JsonNode mergeUntyped(JsonNode live, JsonNode config) {
        if (live instanceof ObjectNode l && config instanceof ObjectNode c) {
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                JsonNode current = l.get(entry.getKey());
                l.set(entry.getKey(), current == null ? entry.getValue().deepCopy() : mergeUntyped(current, entry.getValue()));
            }
            return l;
        }
        return config.deepCopy();
    }

    /** Items merged by their element; items only the live list has stay where they are, new ones follow. */
    private static JsonNode mergeList(Field.ListType type, List<String> keys, Field.Value items, JsonNode live,
                                      JsonNode config) {
        if (type == Field.ListType.ATOMIC || !(live instanceof ArrayNode l) || !(config instanceof ArrayNode c)) {
            return config.deepCopy();
        }
        ArrayNode out = l.deepCopy();
        for (JsonNode item : c) {
            String element = itemElement(type, keys, item);
            int at = indexOf(out, type, keys, element);
            if (at < 0) {
                out.add(item.deepCopy());
            } else if (type == Field.ListType.MAP) {
                out.set(at, mergeValue(items, out.get(at), item));
            }
        }
        return out;
    }

    private static int indexOf(ArrayNode list, Field.ListType type, List<String> keys, String element) {
        for (int i = 0; i < list.size(); i++) {
            if (itemElement(type, keys, list.get(i)).equals(element)) {
                return i;
            }
        }
        return -1;
    }

    // ---- paths in values ----

    /** The value at {@code path}, if the object has it. */
    public static Optional<JsonNode> at(JsonNode object, List<String> path) {
        JsonNode node = object;
        for (String element : path) {
            int index = indexIn(node, element);
            if (index == -2) {
                return Optional.empty();
            }
            node = index == -1 ? node.get(element.substring(2)) : node.get(index);
        }
        return Optional.ofNullable(node);
    }

    /** Removes what {@code path} names from {@code object}; nothing when it is not there. */
    public static void remove(JsonNode object, List<String> path) {
        if (path.isEmpty()) {
            return;
        }
        Optional<JsonNode> parent = at(object, path.subList(0, path.size() - 1));
        if (parent.isEmpty()) {
            return;
        }
        String last = path.get(path.size() - 1);
        int index = indexIn(parent.get(), last);
        if (index == -1) {
            ((ObjectNode) parent.get()).remove(last.substring(2));
        } else if (index >= 0) {
            ((ArrayNode) parent.get()).remove(index);
        }
    }

    /** -1: a field of an object; an index: an item of a list; -2: nothing there. */
    private static int indexIn(JsonNode node, String element) {
        char kind = element.charAt(0);
        if (kind == 'f') {
            return node instanceof ObjectNode object && object.has(element.substring(2)) ? -1 : -2;
        }
        if (!(node instanceof ArrayNode list)) {
            return -2;
        }
        String body = element.substring(2);
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            boolean match = switch (kind) {
                case 'i' -> Integer.toString(i).equals(body);
                case 'v' -> item.toString().equals(body);
                case 'k' -> item instanceof ObjectNode fields && keysMatch(fields, body);
                default -> false;
            };
            if (match) {
                return i;
            }
        }
        return -2;
    }

    private static boolean keysMatch(ObjectNode item, String keys) {
        try {
            JsonNode wanted = new com.fasterxml.jackson.databind.ObjectMapper().readTree(keys);
            for (Iterator<Map.Entry<String, JsonNode>> it = wanted.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> key = it.next();
                if (!key.getValue().equals(item.get(key.getKey()))) {
                    return false;
                }
            }
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
