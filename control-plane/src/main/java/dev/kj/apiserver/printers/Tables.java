package dev.kj.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/** Builds meta.k8s.io Table responses from objects and lists, as upstream's endpoint handlers do. */
public final class Tables {
    /** What each row's {@code object} holds: upstream's includeObject parameter. */
    public enum Include {
        NONE, METADATA, OBJECT;

        /** None, Metadata (the default) or Object; anything else is null (a 400 for the caller). */
        public static Include parse(String value) {
            return switch (value) {
                case "", "Metadata" -> METADATA;
                case "None" -> NONE;
                case "Object" -> OBJECT;
                default -> null;
            };
        }
    }

    private final ObjectMapper json;

    public Tables(ObjectMapper json) {
        this.json = json;
    }

    /**
     * A Table of one object, or of a list's items with the list's resourceVersion and continue.
     *
     * @param apiVersion the objects' apiVersion and kind, which list items lack but full row objects carry
     * @param version    v1 or v1beta1 of meta.k8s.io, as the client asked
     */
    public ObjectNode table(Printer printer, String apiVersion, String kind, JsonNode objectOrList, Include include,
                            String version, Instant now) {
        ObjectNode table = json.createObjectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/" + version);
        ObjectNode metadata = table.putObject("metadata");
        JsonNode sourceMeta = objectOrList.path("metadata");
        if (sourceMeta.has("resourceVersion")) {
            metadata.set("resourceVersion", sourceMeta.get("resourceVersion"));
        }
        boolean list = objectOrList.has("items");
        if (list && sourceMeta.has("continue")) {
            metadata.set("continue", sourceMeta.get("continue"));
        }
        if (list && sourceMeta.has("remainingItemCount")) {
            metadata.set("remainingItemCount", sourceMeta.get("remainingItemCount"));
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        for (Column column : printer.columns()) {
            ObjectNode c = columns.addObject();
            c.put("name", column.name());
            c.put("type", column.type());
            c.put("format", column.format());
            c.put("description", column.description());
            c.put("priority", column.priority());
        }
        ArrayNode rows = table.putArray("rows");
        if (list) {
            objectOrList.path("items").forEach(item -> rows.add(row(printer, apiVersion, kind, item, include, version, now)));
        } else {
            rows.add(row(printer, apiVersion, kind, objectOrList, include, version, now));
        }
        return table;
    }

    private ObjectNode row(Printer printer, String apiVersion, String kind, JsonNode object, Include include,
                           String version, Instant now) {
        ObjectNode row = json.createObjectNode();
        ArrayNode cells = row.putArray("cells");
        printer.cells().of(object, now).forEach(cell -> cells.add(json.valueToTree(cell)));
        List<Printer.Condition> conditions = printer.conditions().of(object);
        if (!conditions.isEmpty()) {
            ArrayNode array = row.putArray("conditions");
            for (Printer.Condition condition : conditions) {
                ObjectNode c = array.addObject();
                c.put("type", condition.type());
                c.put("status", condition.status());
                c.put("reason", condition.reason());
                c.put("message", condition.message());
            }
        }
        switch (include) {
            case NONE -> { }
            case OBJECT -> {
                // the object as a get would answer it: typed, apiVersion and kind first
                ObjectNode full = row.putObject("object");
                full.put("apiVersion", apiVersion);
                full.put("kind", kind);
                object.properties().forEach(e -> {
                    if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) {
                        full.set(e.getKey(), e.getValue());
                    }
                });
            }
            case METADATA -> {
                // PartialObjectMetadata, without managedFields as upstream
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/" + version);
                ObjectNode metadata = object.path("metadata").deepCopy();
                metadata.remove("managedFields");
                partial.set("metadata", metadata);
            }
        }
        return row;
    }
}
