package dev.kj.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import java.util.ArrayList;
import java.util.List;

/** JSON patch (RFC 6902), the {@code application/json-patch+json} patch type. */
public final class JsonPatch {
    private JsonPatch() {
    }

    /** Applies every operation in order to a copy of {@code target}; an operation that cannot apply is a 422. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isArray()) {
            throw StatusException.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }
        JsonNode document = target.deepCopy();
        for (JsonNode operation : patch) {
            String op = text(operation, "op");
            String path = text(operation, "path");
            document = switch (op) {
                case "add" -> add(document, path, value(operation));
                case "remove" -> remove(document, path);
                case "replace" -> add(remove(document, path), path, value(operation));
                case "move" -> {
                    String from = text(operation, "from");
                    JsonNode moved = get(document, from);
                    yield add(remove(document, from), path, moved);
                }
                case "copy" -> add(document, path, get(document, text(operation, "from")).deepCopy());
                case "test" -> {
                    if (!get(document, path).equals(value(operation))) {
                        throw failed("testing value " + path + " failed: test failed");
                    }
                    yield document;
                }
                default -> throw failed("Unexpected kind: " + op);
            };
        }
        return document;
    }

    private static JsonNode value(JsonNode operation) {
        if (!operation.has("value")) {
            throw failed("missing value");
        }
        return operation.get("value").deepCopy();
    }

    private static String text(JsonNode operation, String field) {
        JsonNode value = operation.get(field);
        if (value == null || !value.isTextual()) {
            throw failed("operation missing " + field + " field");
        }
        return value.asText();
    }

    private static List<String> tokens(String path) {
        List<String> tokens = new ArrayList<>();
        if (path.isEmpty()) {
            return tokens;
        }
        if (!path.startsWith("/")) {
            throw failed("invalid path " + path);
        }
        for (String token : path.substring(1).split("/", -1)) {
            tokens.add(token.replace("~1", "/").replace("~0", "~"));
        }
        return tokens;
    }

    private static JsonNode get(JsonNode document, String path) {
        JsonNode node = document;
        for (String token : tokens(path)) {
            node = node.isArray() ? node.get(index(token, node.size() - 1, path)) : node.get(token);
            if (node == null) {
                throw failed("missing value at " + path);
            }
        }
        return node;
    }

    private static JsonNode add(JsonNode document, String path, JsonNode value) {
        List<String> tokens = tokens(path);
        if (tokens.isEmpty()) {
            return value;
        }
        JsonNode parent = get(document, parentPath(path));
        String last = tokens.getLast();
        if (parent instanceof ObjectNode object) {
            object.set(last, value);
        } else if (parent instanceof ArrayNode array) {
            if (last.equals("-")) {
                array.add(value);
            } else {
                array.insert(index(last, array.size(), path), value);
            }
        } else {
            throw failed("doc is missing path: " + path);
        }
        return document;
    }

    private static JsonNode remove(JsonNode document, String path) {
        List<String> tokens = tokens(path);
        if (tokens.isEmpty()) {
            throw failed("cannot remove the whole document");
        }
        JsonNode parent = get(document, parentPath(path));
        String last = tokens.getLast();
        if (parent instanceof ObjectNode object && object.has(last)) {
            object.remove(last);
        } else if (parent instanceof ArrayNode array) {
            array.remove(index(last, array.size() - 1, path));
        } else {
            throw failed("unable to remove nonexistent key: " + last + ": missing value");
        }
        return document;
    }

    private static String parentPath(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    private static int index(String token, int max, String path) {
        try {
            int index = Integer.parseInt(token);
            if (index < 0 || index > max) {
                throw failed("Unable to access invalid index: " + index);
            }
            return index;
        } catch (NumberFormatException e) {
            throw failed("invalid array index " + token + " in " + path);
        }
    }

    /** Upstream answers a patch that cannot apply with 422 and the patch library's message. */
    private static StatusException failed(String why) {
        return new StatusException(422, "Invalid", why, null);
    }
}
