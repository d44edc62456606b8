package dev.kj.apiserver.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An object's metadata.managedFields: one {@link Entry} per manager. A manager is told apart by
 * its name, operation, subresource and, for Update, the apiVersion (upstream's manager identifier:
 * an applier keeps one entry across versions).
 */
public final class ManagedFields {
    public enum Operation { Apply, Update }

    /** Who owns a set: upstream's manager identifier. */
    public record Manager(String name, Operation operation, String apiVersion, String subresource) {
        public Manager {
            apiVersion = operation == Operation.Apply ? "" : apiVersion;
        }

        /** How upstream's conflict messages name the manager. */
        public String describe() {
            String out = quote(name);
            if (!subresource.isEmpty()) {
                out += " with subresource " + quote(subresource);
            }
            return operation == Operation.Update ? out + " using " + apiVersion : out;
        }

        private static String quote(String text) {
            return JsonNodeFactory.instance.textNode(text).toString();
        }
    }

    /** One managedFields entry. */
    public record Entry(Manager manager, String apiVersion, String time, FieldSet fields) {
    }

    private final Map<Manager, Entry> entries;

    private ManagedFields(Map<Manager, Entry> entries) {
        this.entries = entries;
    }

    public static ManagedFields empty() {
        return new ManagedFields(new LinkedHashMap<>());
    }

    public Map<Manager, Entry> entries() {
        return entries;
    }

    public ManagedFields copy() {
        return new ManagedFields(new LinkedHashMap<>(entries));
    }

    /**
     * The entries of a managedFields value; empty when any entry cannot be read (upstream then
     * keeps the live object's instead).
     */
    public static Optional<ManagedFields> decode(JsonNode managedFields) {
        if (managedFields == null || managedFields.isNull() || managedFields.isMissingNode()) {
            return Optional.of(empty());
        }
        if (!managedFields.isArray()) {
            return Optional.empty();
        }
        Map<Manager, Entry> entries = new LinkedHashMap<>();
        for (JsonNode item : managedFields) {
            Operation operation;
            try {
                operation = Operation.valueOf(item.path("operation").asText(""));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (!item.path("fieldsType").asText("").equals("FieldsV1")) {
                return Optional.empty();
            }
            Optional<FieldSet> fields = FieldSet.fromFieldsV1(item.path("fieldsV1"));
            if (fields.isEmpty()) {
                return Optional.empty();
            }
            String apiVersion = item.path("apiVersion").asText("");
            Manager manager = new Manager(item.path("manager").asText(""), operation, apiVersion,
                    item.path("subresource").asText(""));
            if (entries.containsKey(manager)) {
                return Optional.empty(); // upstream: duplicate manager
            }
            entries.put(manager, new Entry(manager, apiVersion, item.path("time").asText(""), fields.get()));
        }
        return Optional.of(new ManagedFields(entries));
    }

    /** The managedFields value, sorted as upstream sorts it (Apply before Update, then by time, manager, version, subresource). */
    public ArrayNode encode() {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparing((Entry e) -> e.manager().operation().name())
                .thenComparing(Entry::time)
                .thenComparing(e -> e.manager().name())
                .thenComparing(Entry::apiVersion)
                .thenComparing(e -> e.manager().subresource()));
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Entry entry : sorted) {
            ObjectNode item = out.addObject();
            item.put("manager", entry.manager().name());
            item.put("operation", entry.manager().operation().name());
            item.put("apiVersion", entry.apiVersion());
            if (!entry.time().isEmpty()) {
                item.put("time", entry.time());
            }
            item.put("fieldsType", "FieldsV1");
            item.set("fieldsV1", entry.fields().toFieldsV1());
            if (!entry.manager().subresource().isEmpty()) {
                item.put("subresource", entry.manager().subresource());
            }
        }
        return out;
    }
}
