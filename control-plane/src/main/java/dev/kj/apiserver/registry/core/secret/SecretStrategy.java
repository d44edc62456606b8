package dev.kj.apiserver.registry.core.secret;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Secrets default to type Opaque (core/v1 defaulting), and {@code stringData} is write-only: as
 * upstream's v1 conversion does, each entry is copied into {@code data} base64-encoded, winning over
 * a {@code data} entry of the same key, and the field itself is never stored or returned.
 */
public final class SecretStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode secret) {
        normalize(secret);
    }

    @Override
    public void prepareForUpdate(ObjectNode secret, ObjectNode old) {
        normalize(secret);
    }

    private static void normalize(ObjectNode secret) {
        if (secret.path("type").asText("").isEmpty()) {
            secret.put("type", "Opaque");
        }
        JsonNode stringData = secret.remove("stringData");
        if (stringData == null || !stringData.isObject() || stringData.isEmpty()) {
            return;
        }
        ObjectNode data = secret.path("data").isObject() ? (ObjectNode) secret.get("data") : secret.putObject("data");
        for (Map.Entry<String, JsonNode> entry : stringData.properties()) {
            byte[] value = entry.getValue().asText().getBytes(StandardCharsets.UTF_8);
            data.put(entry.getKey(), Base64.getEncoder().encodeToString(value));
        }
    }
}
