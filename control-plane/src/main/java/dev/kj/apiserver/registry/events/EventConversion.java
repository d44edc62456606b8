package dev.kj.apiserver.registry.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.StorageVersion;
import java.util.List;
import java.util.Set;

/**
 * events.k8s.io/v1 Events over core/v1 storage, as upstream (the two resources cohabit; core/v1
 * is the storage version, under {@code /registry/events/}). Field by field as upstream's
 * pkg/apis/events/v1 conversion: regarding ↔ involvedObject, note ↔ message, deprecatedSource ↔
 * source, deprecatedFirstTimestamp/LastTimestamp/Count ↔ firstTimestamp/lastTimestamp/count,
 * reportingController ↔ reportingComponent; eventTime, series, reportingInstance, action, reason,
 * related and type are the same in both. Objects are written in Go's field order with the fields
 * Go writes even when empty (times as null, source/regarding as {}, reportingComponent as "").
 */
public final class EventConversion implements StorageVersion.Converter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> CORE_FIELDS = Set.of("apiVersion", "kind", "metadata", "involvedObject", "reason",
            "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "eventTime", "series", "action",
            "related", "reportingComponent", "reportingInstance");
    private static final Set<String> EVENTS_FIELDS = Set.of("apiVersion", "kind", "metadata", "eventTime", "series",
            "reportingController", "reportingInstance", "action", "reason", "regarding", "related", "note", "type",
            "deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount");

    public static final StorageVersion STORAGE = new StorageVersion("v1", new EventConversion());

    /** events.k8s.io/v1 → core/v1 (Convert_v1_Event_To_core_Event). */
    @Override
    public ObjectNode toStorage(ObjectNode event) {
        ObjectNode core = NODES.objectNode();
        core.put("apiVersion", "v1");
        core.put("kind", "Event");
        core.set("metadata", metadata(event));
        core.set("involvedObject", objectOrEmpty(event.path("regarding")));
        text(event, "reason", core, "reason");
        text(event, "note", core, "message");
        core.set("source", objectOrEmpty(event.path("deprecatedSource")));
        core.set("firstTimestamp", timeOrNull(event.path("deprecatedFirstTimestamp")));
        core.set("lastTimestamp", timeOrNull(event.path("deprecatedLastTimestamp")));
        number(event, "deprecatedCount", core, "count");
        text(event, "type", core, "type");
        core.set("eventTime", timeOrNull(event.path("eventTime")));
        object(event, "series", core, "series");
        text(event, "action", core, "action");
        object(event, "related", core, "related");
        core.put("reportingComponent", event.path("reportingController").asText(""));
        core.put("reportingInstance", event.path("reportingInstance").asText(""));
        unknown(event, EVENTS_FIELDS, core);
        return core;
    }

    /** core/v1 → events.k8s.io/v1 (Convert_core_Event_To_v1_Event). */
    @Override
    public ObjectNode fromStorage(ObjectNode core) {
        ObjectNode event = NODES.objectNode();
        event.put("apiVersion", "events.k8s.io/v1");
        event.put("kind", "Event");
        event.set("metadata", metadata(core));
        event.set("eventTime", timeOrNull(core.path("eventTime")));
        object(core, "series", event, "series");
        text(core, "reportingComponent", event, "reportingController");
        text(core, "reportingInstance", event, "reportingInstance");
        text(core, "action", event, "action");
        text(core, "reason", event, "reason");
        event.set("regarding", objectOrEmpty(core.path("involvedObject")));
        object(core, "related", event, "related");
        text(core, "message", event, "note");
        text(core, "type", event, "type");
        event.set("deprecatedSource", objectOrEmpty(core.path("source")));
        event.set("deprecatedFirstTimestamp", timeOrNull(core.path("firstTimestamp")));
        event.set("deprecatedLastTimestamp", timeOrNull(core.path("lastTimestamp")));
        number(core, "count", event, "deprecatedCount");
        unknown(core, CORE_FIELDS, event);
        return event;
    }

    private static JsonNode metadata(JsonNode object) {
        return object.path("metadata").isObject() ? object.get("metadata").deepCopy() : NODES.objectNode();
    }

    private static JsonNode objectOrEmpty(JsonNode value) {
        return value.isObject() ? value.deepCopy() : NODES.objectNode();
    }

    private static JsonNode timeOrNull(JsonNode value) {
        return value.isTextual() && !value.asText().isEmpty() ? value : NODES.nullNode();
    }

    private static void text(JsonNode from, String field, ObjectNode to, String as) {
        if (from.path(field).isTextual() && !from.path(field).asText().isEmpty()) {
            to.set(as, from.get(field));
        }
    }

    private static void number(JsonNode from, String field, ObjectNode to, String as) {
        if (from.path(field).isNumber() && from.path(field).asLong() != 0) {
            to.set(as, from.get(field));
        }
    }

    private static void object(JsonNode from, String field, ObjectNode to, String as) {
        if (from.path(field).isObject()) {
            to.set(as, from.get(field).deepCopy());
        }
    }

    /** Fields neither version knows are kept as sent, as kj stores unknown fields everywhere. */
    private static void unknown(JsonNode from, Set<String> known, ObjectNode to) {
        from.properties().forEach(e -> {
            if (!known.contains(e.getKey()) && !to.has(e.getKey())) {
                to.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    /** Field selectors of events.k8s.io/v1 (upstream converts them to the core fields). */
    public static final List<String> SELECTABLE_FIELDS = List.of("regarding.kind", "regarding.namespace", "regarding.name",
            "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reason",
            "reportingController", "type");
}
