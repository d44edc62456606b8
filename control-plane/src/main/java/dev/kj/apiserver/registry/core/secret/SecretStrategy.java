package dev.kj.apiserver.registry.core.secret;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;

/** Secrets default to type Opaque (core/v1 defaulting). */
public final class SecretStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode secret) {
        if (secret.path("type").asText("").isEmpty()) {
            secret.put("type", "Opaque");
        }
    }

    @Override
    public void prepareForUpdate(ObjectNode secret, ObjectNode old) {
        if (secret.path("type").asText("").isEmpty()) {
            secret.put("type", "Opaque");
        }
    }
}
