package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One event of an API watch stream (metav1.WatchEvent). Bookmarks are not sent yet. */
public sealed interface WatchEvent {
    ObjectNode object();

    String type();

    record Added(ObjectNode object) implements WatchEvent {
        public String type() {
            return "ADDED";
        }
    }

    record Modified(ObjectNode object) implements WatchEvent {
        public String type() {
            return "MODIFIED";
        }
    }

    record Deleted(ObjectNode object) implements WatchEvent {
        public String type() {
            return "DELETED";
        }
    }

    /** Ends the stream; {@code object} is a metav1.Status (e.g. 410 Expired). */
    record Error(ObjectNode object) implements WatchEvent {
        public String type() {
            return "ERROR";
        }
    }

    /** The wire form: {@code {"type":"ADDED","object":{...}}}. */
    default ObjectNode toJson() {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("type", type());
        event.set("object", object());
        return event;
    }
}
