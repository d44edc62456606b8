package dev.kj.apiserver.validation.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which fields differ between two JSON trees, for messages that upstream ends with a go-cmp diff of
 * its internal structs (a diff kj cannot reproduce byte for byte; the fields named are the same).
 */
final class Differences {
    private Differences() {
    }

    static String describe(JsonNode old, JsonNode updated, String root) {
        List<String> paths = new ArrayList<>();
        collect(old, updated, root, paths);
        return String.join("\n", paths.stream().map(p -> "  changed: " + p).toList());
    }

    private static void collect(JsonNode old, JsonNode updated, String path, List<String> out) {
        if (old != null && updated != null && old.equals(updated)) {
            return;
        }
        if (old != null && updated != null && old.isObject() && updated.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            old.fieldNames().forEachRemaining(names::add);
            updated.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                collect(old.get(name), updated.get(name), path + "." + name, out);
            }
            return;
        }
        if (old != null && updated != null && old.isArray() && updated.isArray() && old.size() == updated.size()) {
            for (int i = 0; i < old.size(); i++) {
                collect(old.get(i), updated.get(i), path + "[" + i + "]", out);
            }
            return;
        }
        out.add(path);
    }
}
