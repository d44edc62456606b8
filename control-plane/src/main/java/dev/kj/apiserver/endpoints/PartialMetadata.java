package dev.kj.apiserver.endpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.ResourceDescription;
import java.util.function.UnaryOperator;

/**
 * Answers as meta.k8s.io PartialObjectMetadata or PartialObjectMetadataList (what client-go's
 * metadata client asks for with Accept): the object's whole metadata, nothing else, as upstream's
 * response transformation. Status answers pass through; an object asked for as a list, or a list
 * as an object, is 406 with upstream's text (which names the Go type of the internal object).
 */
final class PartialMetadata {
    static final String OBJECT = "PartialObjectMetadata";
    static final String LIST = "PartialObjectMetadataList";

    private PartialMetadata() {
    }

    /** The transformation of one answer for {@code kind} (OBJECT or LIST) of meta.k8s.io {@code version}. */
    static UnaryOperator<ObjectNode> shaper(ResourceDescription resource, String kind, String version) {
        return answer -> {
            if ("Status".equals(answer.path("kind").asText())) {
                return answer;
            }
            boolean list = answer.path("items").isArray();
            if (kind.equals(OBJECT) && list) {
                throw notAcceptable("you requested PartialObjectMetadata, but the requested object is a list ("
                        + goType(resource) + "List)");
            }
            if (kind.equals(LIST) && !list) {
                throw notAcceptable("you requested PartialObjectMetadataList, but the requested object is not a list ("
                        + goType(resource) + ")");
            }
            return list ? list(answer, version) : object(answer, version);
        };
    }

    /** Fails a watch asking for lists: its events carry single objects. */
    static void checkWatchable(ResourceDescription resource, String kind) {
        if (kind.equals(LIST)) {
            throw notAcceptable("you requested PartialObjectMetadataList, but the requested object is not a list ("
                    + goType(resource) + ")");
        }
    }

    static ObjectNode object(JsonNode object, String version) {
        ObjectNode partial = JsonNodeFactory.instance.objectNode();
        partial.put("kind", OBJECT);
        partial.put("apiVersion", "meta.k8s.io/" + version);
        partial.set("metadata", object.path("metadata").isObject() ? object.path("metadata") : JsonNodeFactory.instance.objectNode());
        return partial;
    }

    private static ObjectNode list(ObjectNode list, String version) {
        ObjectNode partial = JsonNodeFactory.instance.objectNode();
        partial.put("kind", LIST);
        partial.put("apiVersion", "meta.k8s.io/" + version);
        ObjectNode metadata = partial.putObject("metadata");
        JsonNode source = list.path("metadata");
        for (String field : new String[] {"resourceVersion", "continue", "remainingItemCount"}) {
            if (source.has(field)) {
                metadata.set(field, source.get(field));
            }
        }
        if (list.path("items").isEmpty()) {
            partial.putNull("items"); // upstream builds the items by appending, so an empty list is nil: null
        } else {
            var items = partial.putArray("items");
            list.path("items").forEach(item -> items.add(object(item, version)));
        }
        return partial;
    }

    private static StatusException notAcceptable(String message) {
        return new StatusException(406, "NotAcceptable", message, null);
    }

    /** The internal Go type upstream names in its 406 text, e.g. {@code *apps.Deployment}. */
    private static String goType(ResourceDescription resource) {
        String group = resource.group();
        String pkg = group.isEmpty() ? "core" : group.split("\\.")[0];
        return "*" + pkg + "." + resource.kind();
    }
}
