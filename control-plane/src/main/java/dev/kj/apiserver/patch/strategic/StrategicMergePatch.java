package dev.kj.apiserver.patch.strategic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.schema.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strategic merge patch ({@code application/strategic-merge-patch+json}) as upstream's API server
 * applies it (apimachinery's strategicpatch with merging of the parallel lists and unmatched nulls
 * ignored): objects merge key by key, {@code null} deletes, lists follow their field's patch
 * strategy from kj's type model (merge: lists of objects by their merge key, lists of scalars as
 * sets; otherwise replaced), and the directives {@code $patch} (replace or delete on an object;
 * replace, or delete by merge key, as an item of a merged list), {@code $retainKeys},
 * {@code $setElementOrder/<list>} and {@code $deleteFromPrimitiveList/<list>}. Order of merged lists
 * follows upstream: the patch's items in the patch's order, interleaved with the items only the
 * object has by their old positions. Errors carry upstream's texts and status codes
 * ({@link Failures}).
 */
public final class StrategicMergePatch {
    static final String DIRECTIVE = "$patch";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
    static final String SET_ELEMENT_ORDER = "$setElementOrder";
    private static final String REPLACE = "replace";
    private static final String DELETE = "delete";
    private static final String MERGE = "merge";
    private static final String RETAIN_KEYS_STRATEGY = "retainKeys";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StrategicMergePatch() {
    }

    /**
     * The object {@code patch} makes of {@code original}, an object of {@code type} (the served
     * version's kind); neither argument is changed.
     */
    public static ObjectNode apply(ObjectNode original, JsonNode patch, Type type) {
        ObjectNode patchMap = switch (patch.getNodeType()) {
            case OBJECT -> ((ObjectNode) patch).deepCopy();
            case NULL, MISSING -> NODES.objectNode();
            case ARRAY -> throw notAnObject("array");
            case STRING, BINARY -> throw notAnObject("string");
            case NUMBER -> throw notAnObject("number");
            case BOOLEAN -> throw notAnObject("bool");
            case POJO -> throw notAnObject("object");
        };
        ObjectNode merged = mergeMap(original.deepCopy(), patchMap, PatchMeta.of(type));
        LeftoverDirectives.strip(merged, type);
        return merged;
    }

    /** A patch document as Go's %+v prints the map upstream decoded it into (errors quote it). */
    public static String printed(JsonNode patch) {
        return GoValues.format(patch);
    }

    private static RuntimeException notAnObject(String jsonKind) {
        return Failures.badRequest("json: cannot unmarshal " + jsonKind + " into Go value of type map[string]interface {}");
    }

    // ---- objects ----

    private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchMeta meta) {
        JsonNode directive = patch.get(DIRECTIVE);
        if (directive != null) {
            if (is(directive, REPLACE)) {
                patch.remove(DIRECTIVE);
                return patch;
            }
            if (is(directive, DELETE)) {
                return NODES.objectNode();
            }
            throw Failures.badPatchType(directive, patch);
        }
        retainKeys(original, patch);
        setElementOrders(original, patch, meta);
        for (Map.Entry<String, JsonNode> entry : GoValues.entries(patch)) {
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            boolean deletionList = key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
            if (deletionList) {
                key = listKey(key, DELETE_FROM_PRIMITIVE_LIST, Failures.BAD_PRIMITIVE_LIST);
            }
            if (value.isNull()) {
                original.remove(key);
                continue;
            }
            JsonNode current = original.get(key);
            if (current == null || !GoValues.sameType(current, value)) {
                // new, or of another kind: the patch's value, nulls and directives taken out
                if (!deletionList) {
                    discardNulls(value);
                    setOrRemove(original, key, removeDirectives(value));
                }
                continue;
            }
            if (current.isObject()) {
                PatchMeta.Lookup field = meta.forObject(key);
                original.set(key, REPLACE.equals(strategy(field.strategies()))
                        ? value : mergeMap((ObjectNode) current, (ObjectNode) value, field.value()));
            } else if (current.isArray()) {
                PatchMeta.Lookup field = meta.forList(key);
                original.set(key, mergeListField((ArrayNode) current, (ArrayNode) value, field.value(),
                        strategy(field.strategies()), field.mergeKey(), deletionList));
            } else {
                setOrRemove(original, key, removeDirectives(value));
            }
        }
        return original;
    }

    /** {@code $retainKeys}: the object keeps only the keys listed, and the patch may set only those. */
    private static void retainKeys(ObjectNode original, ObjectNode patch) {
        JsonNode retain = patch.remove(RETAIN_KEYS);
        if (retain == null) {
            return;
        }
        if (!retain.isArray()) {
            throw Failures.badRequest(Failures.BAD_RETAIN_KEYS);
        }
        Set<String> kept = new HashSet<>();
        retain.forEach(name -> {
            if (name.isTextual()) {
                kept.add(name.asText());
            }
        });
        patch.fields().forEachRemaining(field -> {
            String key = field.getKey();
            if (!field.getValue().isNull() && !key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
                    && !key.startsWith(SET_ELEMENT_ORDER) && !kept.contains(key)) {
                throw Failures.badRequest(Failures.BAD_RETAIN_KEYS);
            }
        });
        original.retain(kept);
    }

    /**
     * {@code $setElementOrder/<list>}: merges the list it names now, then orders the result: the
     * listed items in the directive's order, interleaved with the object's other items.
     */
    private static void setElementOrders(ObjectNode original, ObjectNode patch, PatchMeta meta) {
        for (String directiveKey : fieldNames(patch)) {
            if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            JsonNode order = patch.remove(directiveKey);
            if (!order.isArray()) {
                throw Failures.badArgType(GoValues.SLICE, order);
            }
            String key = listKey(directiveKey, SET_ELEMENT_ORDER, Failures.BAD_SET_ELEMENT_ORDER);
            JsonNode originalList = original.get(key);
            JsonNode patchList = patch.get(key);
            if (originalList != null && !originalList.isArray()) {
                throw Failures.badArgType(GoValues.SLICE, originalList);
            }
            if (patchList != null && !patchList.isArray()) {
                throw Failures.badArgType(GoValues.SLICE, patchList);
            }
            PatchMeta.Lookup field = meta.forList(key);
            String strategy = strategy(field.strategies());
            String mergeKey = field.mergeKey();
            checkOrder(patchList, order, mergeKey);
            List<JsonNode> merged;
            if (originalList != null && patchList == null) {
                merged = items(originalList);
            } else if (originalList == null && patchList != null) {
                merged = items(removeDirectives(patchList));
            } else if (originalList != null) {
                merged = items(mergeListField((ArrayNode) originalList, (ArrayNode) patchList, field.value(), strategy,
                        mergeKey, false));
            } else {
                continue;
            }
            List<JsonNode> originalItems = originalList == null ? List.of() : items(originalList);
            List<JsonNode> patchItems = patchList == null ? List.of() : items(patchList);
            boolean maps = elementType(originalItems, patchItems).equals(GoValues.MAP);
            Partition parts = mergeKey.isEmpty() ? partitionScalars(merged, items(order))
                    : partitionMaps(merged, items(order), mergeKey);
            original.set(key, array(normalizeOrder(parts, items(order), originalItems, mergeKey, maps)));
            patch.remove(key);
        }
    }

    /** The patch's items must appear in the directive's list, in its relative order. */
    private static void checkOrder(JsonNode patchList, JsonNode orderList, String mergeKey) {
        List<JsonNode> patchItems = patchList == null ? List.of() : items(patchList);
        List<JsonNode> order = items(orderList);
        if (order.isEmpty() || patchItems.isEmpty()) {
            return;
        }
        List<JsonNode> kept = mergeKey.isEmpty() ? patchItems : withoutDeletions(patchItems).kept();
        int p = 0;
        int o = 0;
        while (p < kept.size() && o < order.size()) {
            if (kept.get(p).isObject() && kept.get(p).has(DIRECTIVE)) {
                p++;
                continue;
            }
            if (mergeKeyValuesEqual(kept.get(p), order.get(o), mergeKey)) {
                p++;
            }
            o++;
        }
        if (p < kept.size()) {
            throw Failures.internal("The order in patch list:\n" + GoValues.format(patchList) + "\n doesn't match "
                    + SET_ELEMENT_ORDER + " list:\n" + GoValues.format(orderList) + "\n");
        }
    }

    private static boolean mergeKeyValuesEqual(JsonNode left, JsonNode right, String mergeKey) {
        if (mergeKey.isEmpty()) {
            return GoValues.equal(left, right);
        }
        if (!left.isObject()) {
            throw Failures.badArgType(GoValues.MAP, left);
        }
        if (!right.isObject()) {
            throw Failures.badArgType(GoValues.MAP, right);
        }
        if (!left.has(mergeKey)) {
            throw Failures.noMergeKey(left, mergeKey);
        }
        if (!right.has(mergeKey)) {
            throw Failures.noMergeKey(right, mergeKey);
        }
        return GoValues.equal(left.get(mergeKey), right.get(mergeKey));
    }

    // ---- lists ----

    /** A list both sides have: merged when the field's strategy is merge (or for a deletion list), else the patch's. */
    private static ArrayNode mergeListField(ArrayNode original, ArrayNode patch, PatchMeta items, String strategy,
                                            String mergeKey, boolean deletionList) {
        if (MERGE.equals(strategy) || deletionList) {
            return array(mergeList(items(original), items(patch), items, mergeKey, deletionList));
        }
        return patch;
    }

    private static List<JsonNode> mergeList(List<JsonNode> original, List<JsonNode> patch, PatchMeta items,
                                            String mergeKey, boolean deletionList) {
        if (original.isEmpty() && patch.isEmpty()) {
            return original;
        }
        boolean maps = elementType(original, patch).equals(GoValues.MAP);
        List<JsonNode> merged;
        if (!maps) {
            if (deletionList) {
                List<JsonNode> deletions = patch;
                return original.stream().filter(item -> deletions.stream().noneMatch(gone -> GoValues.equal(item, gone))).toList();
            }
            List<JsonNode> both = new ArrayList<>(original);
            both.addAll(patch);
            merged = deduplicate(both);
        } else {
            if (mergeKey.isEmpty()) {
                throw Failures.internal("cannot merge lists without merge key for " + items.goKind());
            }
            Special special = specialElements(original, patch, mergeKey);
            original = special.original();
            patch = special.patch();
            merged = new ArrayList<>(original);
            for (JsonNode item : patch) {
                JsonNode value = item.get(mergeKey);
                if (value == null) {
                    throw Failures.noMergeKey(item, mergeKey);
                }
                int at = find(merged, mergeKey, value);
                if (at >= 0) {
                    merged.set(at, mergeMap((ObjectNode) merged.get(at), (ObjectNode) item, items));
                } else {
                    merged.add(item);
                }
            }
            // upstream's original shares its first items with the merged list
            original = merged.subList(0, original.size());
        }
        Partition parts = mergeKey.isEmpty() ? partitionScalars(merged, patch) : partitionMaps(merged, patch, mergeKey);
        return normalizeOrder(parts, patch, new ArrayList<>(original), mergeKey, maps);
    }

    private record Special(List<JsonNode> original, List<JsonNode> patch) {
    }

    /** Items of a merged list of objects that are directives: delete by merge key, or replace the whole list. */
    private static Special specialElements(List<JsonNode> original, List<JsonNode> patch, String mergeKey) {
        List<JsonNode> plain = new ArrayList<>();
        List<JsonNode> remaining = new ArrayList<>(original);
        boolean replace = false;
        for (JsonNode item : patch) {
            JsonNode directive = item.get(DIRECTIVE);
            if (directive == null) {
                plain.add(item);
            } else if (is(directive, DELETE)) {
                JsonNode value = item.get(mergeKey);
                if (value == null) {
                    throw Failures.noMergeKey(item, mergeKey);
                }
                for (int at; (at = find(remaining, mergeKey, value)) >= 0; ) {
                    remaining.remove(at);
                }
            } else if (is(directive, REPLACE)) {
                replace = true;
            } else if (is(directive, MERGE)) {
                throw Failures.internal("merging lists cannot yet be specified in the patch");
            } else {
                throw Failures.badPatchType(directive, item);
            }
        }
        return replace ? new Special(plain, List.of()) : new Special(remaining, plain);
    }

    /** The position of the first object whose {@code key} equals {@code value}, or -1. */
    private static int find(List<JsonNode> list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                throw Failures.internal("value for key " + i + " is not a map");
            }
            if (item.has(key) && GoValues.equal(item.get(key), value)) {
                return i;
            }
        }
        return -1;
    }

    /** The one Go type of every item of the lists; lists of lists are refused. */
    private static String elementType(List<JsonNode> first, List<JsonNode> second) {
        String type = null;
        for (List<JsonNode> list : List.of(first, second)) {
            for (JsonNode item : list) {
                String current = GoValues.typeName(item);
                if (type == null) {
                    type = current;
                    if (type.equals(GoValues.SLICE)) {
                        throw Failures.listOfLists();
                    }
                } else if (!type.equals(current)) {
                    throw Failures.internal("list element types are not identical: " + GoValues.format(List.of(array(first), array(second))));
                }
            }
        }
        if (type == null) {
            throw Failures.internal("no elements in any of the given slices");
        }
        return type;
    }

    /** Go's in-place deduplication (a duplicate's place is taken by the last item), which the ordering undoes. */
    private static List<JsonNode> deduplicate(List<JsonNode> list) {
        List<JsonNode> items = new ArrayList<>(list);
        int last = items.size() - 1;
        for (int i = 0; i < last; i++) {
            for (int j = i + 1; j <= last; j++) {
                if (GoValues.equal(items.get(i), items.get(j))) {
                    items.set(j, items.get(last));
                    items.remove(last);
                    last--;
                    j--;
                }
            }
        }
        return items;
    }

    // ---- order ----

    /** Items of a merged list that the patch (or a $setElementOrder list) names, and those only the object has. */
    private record Partition(List<JsonNode> inPatch, List<JsonNode> serverOnly) {
    }

    private static Partition partitionScalars(List<JsonNode> merged, List<JsonNode> by) {
        List<JsonNode> inPatch = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            (by.stream().anyMatch(other -> GoValues.equal(other, item)) ? inPatch : serverOnly).add(item);
        }
        return new Partition(inPatch, serverOnly);
    }

    private static Partition partitionMaps(List<JsonNode> merged, List<JsonNode> by, String mergeKey) {
        List<JsonNode> inPatch = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            if (!item.isObject()) {
                throw Failures.badArgType(GoValues.MAP, item);
            }
            if (!item.has(mergeKey)) {
                throw Failures.noMergeKey(item, mergeKey);
            }
            (find(by, mergeKey, item.get(mergeKey)) >= 0 ? inPatch : serverOnly).add(item);
        }
        return new Partition(inPatch, serverOnly);
    }

    /**
     * The patch's items sorted by the patch's order and the object's own items by their old order,
     * then interleaved: an own item goes before a patch item when it stood before it in the object.
     */
    private static List<JsonNode> normalizeOrder(Partition parts, List<JsonNode> patchOrder, List<JsonNode> serverOrder,
                                                 String mergeKey, boolean maps) {
        List<JsonNode> patchItems = sortBy(parts.inPatch(), patchOrder, mergeKey, maps);
        List<JsonNode> serverOnly = sortBy(parts.serverOnly(), serverOrder, mergeKey, maps);
        List<JsonNode> result = new ArrayList<>(patchItems.size() + serverOnly.size());
        int i = 0;
        int j = 0;
        while (i < serverOnly.size() || j < patchItems.size()) {
            if (i >= serverOnly.size()) {
                result.add(patchItems.get(j++));
            } else if (j >= patchItems.size()) {
                result.add(serverOnly.get(i++));
            } else {
                int left = index(serverOrder, serverOnly.get(i), mergeKey, maps);
                int right = index(serverOrder, patchItems.get(j), mergeKey, maps);
                result.add(left >= 0 && right >= 0 && left < right ? serverOnly.get(i++) : patchItems.get(j++));
            }
        }
        return result;
    }

    /** A stable sort by position in {@code order} (Go's insertion sort, with its comparison); deletions go last. */
    private static List<JsonNode> sortBy(List<JsonNode> toSort, List<JsonNode> order, String mergeKey, boolean maps) {
        List<JsonNode> sorted = new ArrayList<>(toSort);
        List<JsonNode> deletions = List.of();
        if (maps) {
            for (List<JsonNode> list : List.of(toSort, order)) {
                for (JsonNode item : list) {
                    if (!item.isObject()) {
                        throw Failures.badArgType(GoValues.MAP, item);
                    }
                    if (!item.has(mergeKey)) {
                        throw Failures.noMergeKey(item, mergeKey);
                    }
                }
            }
            Deletions split = withoutDeletions(toSort);
            sorted = new ArrayList<>(split.kept());
            deletions = split.deleted();
        }
        for (int i = 1; i < sorted.size(); i++) {
            for (int j = i; j > 0 && less(sorted.get(j), sorted.get(j - 1), order, mergeKey, maps); j--) {
                JsonNode swap = sorted.get(j);
                sorted.set(j, sorted.get(j - 1));
                sorted.set(j - 1, swap);
            }
        }
        sorted.addAll(deletions);
        return sorted;
    }

    private static boolean less(JsonNode a, JsonNode b, List<JsonNode> order, String mergeKey, boolean maps) {
        int i = index(order, a, mergeKey, maps);
        int j = index(order, b, mergeKey, maps);
        return i < 0 || j < 0 || i < j;
    }

    /** Where an item (for objects: its merge key's value) first appears in {@code list}, or -1. */
    private static int index(List<JsonNode> list, JsonNode item, String mergeKey, boolean maps) {
        JsonNode wanted = maps ? (item.isObject() ? item.get(mergeKey) : null) : item;
        for (int i = 0; i < list.size(); i++) {
            JsonNode candidate = list.get(i);
            JsonNode value = maps ? (candidate.isObject() ? candidate.get(mergeKey) : null) : candidate;
            if (GoValues.equal(wanted, value)) {
                return i;
            }
        }
        return -1;
    }

    private record Deletions(List<JsonNode> kept, List<JsonNode> deleted) {
    }

    private static Deletions withoutDeletions(List<JsonNode> items) {
        List<JsonNode> kept = new ArrayList<>();
        List<JsonNode> deleted = new ArrayList<>();
        for (JsonNode item : items) {
            if (!item.isObject()) {
                throw Failures.badArgType(GoValues.MAP, item);
            }
            (is(item.get(DIRECTIVE), DELETE) ? deleted : kept).add(item);
        }
        return new Deletions(kept, deleted);
    }

    // ---- helpers ----

    /** A field's strategy besides retainKeys (which only clients act on): "merge", "replace" or none. */
    private static String strategy(List<String> strategies) {
        return switch (strategies.size()) {
            case 0 -> "";
            case 1 -> strategies.getFirst().equals(RETAIN_KEYS_STRATEGY) ? "" : strategies.getFirst();
            case 2 -> {
                if (strategies.get(0).equals(RETAIN_KEYS_STRATEGY)) {
                    yield strategies.get(1);
                }
                if (strategies.get(1).equals(RETAIN_KEYS_STRATEGY)) {
                    yield strategies.get(0);
                }
                throw Failures.internal("unexpected patch strategy: " + String.join(" ", strategies).transform(s -> "[" + s + "]"));
            }
            default -> throw Failures.internal("unexpected patch strategy: " + String.join(" ", strategies).transform(s -> "[" + s + "]"));
        };
    }

    /** The list a parallel-list directive key names ("$setElementOrder/containers" → "containers"). */
    private static String listKey(String key, String prefix, String malformed) {
        int slash = key.indexOf('/');
        if (slash < 0 || !key.substring(0, slash).equals(prefix)) {
            throw Failures.badRequest(malformed);
        }
        return key.substring(slash + 1);
    }

    /** The value without any object that holds a $patch directive (null when the value itself is one). */
    static JsonNode removeDirectives(JsonNode value) {
        if (value.isObject()) {
            if (value.has(DIRECTIVE)) {
                return null;
            }
            ObjectNode object = (ObjectNode) value;
            for (String key : fieldNames(object)) {
                setOrRemove(object, key, removeDirectives(object.get(key)));
            }
            return object;
        }
        if (value.isArray()) {
            ArrayNode kept = NODES.arrayNode();
            for (JsonNode item : value) {
                JsonNode cleaned = removeDirectives(item);
                if (cleaned != null) {
                    kept.add(cleaned);
                }
            }
            return kept;
        }
        return value;
    }

    private static void discardNulls(JsonNode value) {
        if (value.isObject()) {
            ObjectNode object = (ObjectNode) value;
            for (String key : fieldNames(object)) {
                if (object.get(key).isNull()) {
                    object.remove(key);
                } else {
                    discardNulls(object.get(key));
                }
            }
        } else if (value.isArray()) {
            value.forEach(StrategicMergePatch::discardNulls);
        }
    }

    private static void setOrRemove(ObjectNode object, String key, JsonNode value) {
        if (value == null) {
            object.remove(key);
        } else {
            object.set(key, value);
        }
    }

    private static boolean is(JsonNode directive, String value) {
        return directive != null && directive.isTextual() && directive.asText().equals(value);
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<JsonNode> items(JsonNode list) {
        List<JsonNode> items = new ArrayList<>(list.size());
        list.forEach(items::add);
        return items;
    }

    private static ArrayNode array(List<JsonNode> items) {
        ArrayNode array = NODES.arrayNode(items.size());
        items.forEach(array::add);
        return array;
    }
}
