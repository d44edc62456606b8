package dev.kj.apiserver.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A set of field paths as structured-merge-diff's fieldpath.Set holds them: each path is a list
 * of elements written as fieldsV1 writes them ({@code f:name} a struct field or map key,
 * {@code k:{"name":"nginx"}} an item of a map list by its keys, {@code v:"a"} an item of a set,
 * {@code i:0} an item of an atomic position). Immutable; paths sorted as upstream sorts them
 * (field names, then keys, then values, then indices).
 */
public final class FieldSet {
    static final Comparator<String> ELEMENT_ORDER = Comparator.comparingInt(FieldSet::rank)
            .thenComparing(FieldSet::compareWithinKind);
    static final Comparator<List<String>> PATH_ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = ELEMENT_ORDER.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final FieldSet EMPTY = new FieldSet(new TreeSet<>(PATH_ORDER));

    private final NavigableSet<List<String>> paths;

    private FieldSet(NavigableSet<List<String>> paths) {
        this.paths = paths;
    }

    public static FieldSet of(List<List<String>> paths) {
        TreeSet<List<String>> set = new TreeSet<>(PATH_ORDER);
        paths.forEach(path -> set.add(List.copyOf(path)));
        return new FieldSet(set);
    }

    public boolean isEmpty() {
        return paths.isEmpty();
    }

    public boolean contains(List<String> path) {
        return paths.contains(path);
    }

    /** The paths in upstream's order. */
    public List<List<String>> paths() {
        return List.copyOf(paths);
    }

    public FieldSet union(FieldSet other) {
        TreeSet<List<String>> set = new TreeSet<>(paths);
        set.addAll(other.paths);
        return new FieldSet(set);
    }

    public FieldSet intersection(FieldSet other) {
        TreeSet<List<String>> set = new TreeSet<>(paths);
        set.retainAll(other.paths);
        return new FieldSet(set);
    }

    public FieldSet difference(FieldSet other) {
        TreeSet<List<String>> set = new TreeSet<>(paths);
        set.removeAll(other.paths);
        return new FieldSet(set);
    }

    /** Without the paths at or below any path of {@code prefixes} (upstream's RecursiveDifference). */
    public FieldSet withoutPrefixes(FieldSet prefixes) {
        TreeSet<List<String>> set = new TreeSet<>(PATH_ORDER);
        for (List<String> path : paths) {
            if (!prefixes.coversOrContains(path)) {
                set.add(path);
            }
        }
        return new FieldSet(set);
    }

    /** Some path of this set is {@code path} or an ancestor of it. */
    boolean coversOrContains(List<String> path) {
        for (int length = 0; length <= path.size(); length++) {
            if (paths.contains(path.subList(0, length))) {
                return true;
            }
        }
        return false;
    }

    /** Some path of this set is {@code path} or lies below it. */
    public boolean hasAtOrBelow(List<String> path) {
        List<String> found = paths.ceiling(path);
        return found != null && found.size() >= path.size() && found.subList(0, path.size()).equals(path);
    }

    // ---- fieldsV1 ----

    /** The fieldsV1 object: a path's element a key, {@code "."} marking a path that has children too. */
    public ObjectNode toFieldsV1() {
        Node root = new Node();
        for (List<String> path : paths) {
            Node node = root;
            for (String element : path) {
                node = node.children.computeIfAbsent(element, e -> new Node());
            }
            node.member = true;
        }
        return root.write();
    }

    /** Reads a fieldsV1 object; empty when it is not one. */
    public static Optional<FieldSet> fromFieldsV1(JsonNode fieldsV1) {
        if (!fieldsV1.isObject()) {
            return Optional.empty();
        }
        List<List<String>> into = new ArrayList<>();
        if (!read(fieldsV1, new ArrayList<>(), into)) {
            return Optional.empty();
        }
        return Optional.of(of(into));
    }

    private static boolean read(JsonNode node, List<String> path, List<List<String>> into) {
        if (node.isEmpty() && !path.isEmpty()) {
            into.add(List.copyOf(path));
            return true;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isObject()) {
                return false;
            }
            if (entry.getKey().equals(".")) {
                if (path.isEmpty()) {
                    return false;
                }
                into.add(List.copyOf(path));
                continue;
            }
            if (!validElement(entry.getKey())) {
                return false;
            }
            path.add(entry.getKey());
            boolean ok = read(entry.getValue(), path, into);
            path.remove(path.size() - 1);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean validElement(String element) {
        if (element.length() < 2 || element.charAt(1) != ':') {
            return false;
        }
        return switch (element.charAt(0)) {
            case 'f' -> true;
            case 'i' -> element.substring(2).matches("\\d+");
            case 'k', 'v' -> {
                try {
                    JsonNode value = JSON.readTree(element.substring(2));
                    yield element.charAt(0) == 'v' || value.isObject();
                } catch (Exception e) {
                    yield false;
                }
            }
            default -> false;
        };
    }

    private static final class Node {
        boolean member;
        final TreeMap<String, Node> children = new TreeMap<>(ELEMENT_ORDER);

        ObjectNode write() {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            if (member && !children.isEmpty()) {
                out.putObject(".");
            }
            children.forEach((element, child) -> out.set(element, child.write()));
            return out;
        }
    }

    // ---- paths as upstream prints them (conflict messages) ----

    /** A path as fieldpath.Path prints it: {@code .spec.containers[name="nginx"].image}. */
    public static String print(List<String> path) {
        StringBuilder out = new StringBuilder();
        for (String element : path) {
            String body = element.substring(2);
            switch (element.charAt(0)) {
                case 'f' -> out.append('.').append(body);
                case 'i' -> out.append('[').append(body).append(']');
                case 'v' -> out.append("[=").append(body).append(']');
                case 'k' -> {
                    out.append('[');
                    try {
                        JsonNode keys = JSON.readTree(body);
                        List<String> parts = new ArrayList<>();
                        keys.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue().toString()));
                        out.append(String.join(",", parts));
                    } catch (Exception e) {
                        out.append(body);
                    }
                    out.append(']');
                }
                default -> out.append(element);
            }
        }
        return out.toString();
    }

    private static int rank(String element) {
        return switch (element.charAt(0)) {
            case 'f' -> 0;
            case 'k' -> 1;
            case 'v' -> 2;
            case 'i' -> 3;
            default -> 4;
        };
    }

    private static int compareWithinKind(String a, String b) {
        if (a.charAt(0) == 'i' && b.charAt(0) == 'i') {
            return Long.compare(Long.parseLong(a.substring(2)), Long.parseLong(b.substring(2)));
        }
        return a.compareTo(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldSet other && paths.equals(other.paths);
    }

    @Override
    public int hashCode() {
        return paths.hashCode();
    }

    @Override
    public String toString() {
        return toFieldsV1().toString();
    }
}
