package dev.kj.apiserver.registry.core.namespace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.StoredValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Whether a namespace takes new content (upstream's NamespaceLifecycle admission): read from the
 * stored namespace at each create, so every API server on one store agrees as soon as a delete
 * has marked it Terminating (upstream consults an informer cache first and, for namespaces it saw
 * deleted lately, storage).
 */
public final class NamespaceLifecycle implements GenericStore.NamespaceLookup {
    private final EtcdStorage storage;
    private final ResourceDescription namespaces;
    private final ObjectMapper json;

    public NamespaceLifecycle(EtcdStorage storage, ResourceDescription namespaces, ObjectMapper json) {
        this.storage = storage;
        this.namespaces = namespaces;
        this.json = json;
    }

    @Override
    public GenericStore.NamespaceState state(String namespace) {
        Optional<StoredValue> stored = storage.get(namespaces.key(null, namespace));
        if (stored.isEmpty()) {
            return GenericStore.NamespaceState.ABSENT;
        }
        try {
            JsonNode phase = json.readTree(stored.get().value()).path("status").path("phase");
            return phase.asText().equals(NamespaceStrategy.TERMINATING) ? GenericStore.NamespaceState.TERMINATING
                    : GenericStore.NamespaceState.ACTIVE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
