package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One event of an API watch stream (metav1.WatchEvent). */
public sealed interface WatchEvent {
    /** On the bookmark that ends a sendInitialEvents=true watch's initial state (upstream's metav1.InitialEventsAnnotationKey). */
    String INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

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

    /** Only metadata.resourceVersion: every change up to it has been sent (allowWatchBookmarks). */
    record Bookmark(ObjectNode object) implements WatchEvent {
        public String type() {
            return "BOOKMARK";
        }
    }

    /** Not sent: the server ended the stream on purpose (its reader fell behind); the client watches again. */
    record End() implements WatchEvent {
        public ObjectNode object() {
            return null;
        }

        public String type() {
            return "";
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
