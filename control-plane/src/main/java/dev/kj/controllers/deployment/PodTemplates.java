package dev.kj.controllers.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.objects.Json;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deployment's pod template and the {@code pod-template-hash} that names its ReplicaSet.
 * Upstream hashes the Go struct's printed form with FNV-32a; kj hashes the template's canonical
 * JSON (keys sorted) the same way, then adds the collision count and encodes the number with
 * upstream's SafeEncodeString alphabet. Hash values therefore differ from upstream's, which
 * matters to nobody: the new ReplicaSet is found by comparing templates, never by hash.
 */
final class PodTemplates {
    static final String HASH_LABEL = "pod-template-hash";
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

    private PodTemplates() {
    }

    static String hash(PodTemplateSpec template, Integer collisionCount) {
        int hash = 0x811c9dc5;
        for (byte b : canonical(Json.tree(template)).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x01000193;
        }
        if (collisionCount != null) {
            byte[] count = new byte[8]; // upstream writes the count into 8 bytes, little-endian uint32 first
            int value = collisionCount;
            for (int i = 0; i < 4; i++) {
                count[i] = (byte) (value >>> (8 * i));
            }
            for (byte b : count) {
                hash = (hash ^ (b & 0xff)) * 0x01000193;
            }
        }
        String decimal = Long.toString(Integer.toUnsignedLong(hash));
        StringBuilder encoded = new StringBuilder();
        for (char c : decimal.toCharArray()) {
            encoded.append(ALPHANUMS.charAt(c % ALPHANUMS.length()));
        }
        return encoded.toString();
    }

    private static String canonical(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            object.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            StringBuilder out = new StringBuilder("{");
            sorted.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append('"').append(k).append("\":").append(canonical(v)));
            return out.append('}').toString();
        }
        if (node.isArray()) {
            StringBuilder out = new StringBuilder("[");
            for (JsonNode item : node) {
                out.append(out.length() > 1 ? "," : "").append(canonical(item));
            }
            return out.append(']').toString();
        }
        return node.toString();
    }

    /** Equal once the pod-template-hash label is taken out of both (upstream's EqualIgnoreHash). */
    static boolean equalIgnoringHash(PodTemplateSpec a, PodTemplateSpec b) {
        return withoutHash(Json.tree(a)).equals(withoutHash(Json.tree(b)));
    }

    private static JsonNode withoutHash(JsonNode template) {
        ObjectNode copy = template.isObject() ? ((ObjectNode) template).deepCopy() : Json.TREES.createObjectNode();
        if (copy.path("metadata").path("labels") instanceof ObjectNode labels) {
            labels.remove(HASH_LABEL);
            if (labels.isEmpty()) {
                ((ObjectNode) copy.get("metadata")).remove("labels");
            }
        }
        if (copy.path("metadata") instanceof ObjectNode meta && meta.isEmpty()) {
            copy.remove("metadata");
        }
        return copy;
    }
}
