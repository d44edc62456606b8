package dev.kj.apiserver.registry.core.namespace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.Strategy;

/**
 * Namespaces start Active with the {@code kubernetes} finalizer (pkg/registry/core/namespace);
 * status and spec.finalizers only change through their subresources, so updates keep them.
 */
public final class NamespaceStrategy implements Strategy {
    @Override
    public void prepareForCreate(ObjectNode namespace) {
        ObjectNode spec = namespace.with("spec");
        JsonNode finalizers = spec.get("finalizers");
        if (finalizers == null || !finalizers.isArray()) {
            spec.putArray("finalizers").add("kubernetes");
        }
        namespace.putObject("status").put("phase", "Active");
    }

    @Override
    public void prepareForUpdate(ObjectNode namespace, ObjectNode old) {
        namespace.set("status", old.path("status").deepCopy());
        JsonNode oldFinalizers = old.path("spec").path("finalizers");
        ObjectNode spec = namespace.with("spec");
        spec.remove("finalizers");
        if (!oldFinalizers.isMissingNode()) {
            spec.set("finalizers", oldFinalizers.deepCopy());
        }
    }
}
