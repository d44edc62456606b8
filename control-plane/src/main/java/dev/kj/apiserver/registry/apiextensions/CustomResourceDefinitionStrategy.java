package dev.kj.apiserver.registry.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;

/**
 * Upstream's CRD strategy: generation 1 counting spec changes, status written through
 * {@code /status} only (so a create starts from an empty status), and the version marked
 * {@code storage: true} is recorded in status.storedVersions on create and whenever an update makes
 * a new version the storage version. Defaults and validation are
 * {@code validation.apiextensions.CustomResourceDefinitionRules}. kj stores and serves CRDs;
 * serving their custom resources is a later issue.
 */
public final class CustomResourceDefinitionStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode crd) {
        recordStorageVersion(crd);
    }

    @Override
    public void prepareForUpdate(ObjectNode crd, ObjectNode old) {
        recordStorageVersion(crd);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    private static void recordStorageVersion(ObjectNode crd) {
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (version.path("storage").asBoolean(false)) {
                ObjectNode status = crd.with("status");
                ArrayNode stored = status.path("storedVersions").isArray()
                        ? (ArrayNode) status.get("storedVersions") : status.putArray("storedVersions");
                String name = version.path("name").asText();
                for (JsonNode existing : stored) {
                    if (existing.asText().equals(name)) {
                        return;
                    }
                }
                stored.add(name);
                return;
            }
        }
    }
}
