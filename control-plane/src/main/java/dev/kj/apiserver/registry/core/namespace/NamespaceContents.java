package dev.kj.apiserver.registry.core.namespace;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ListOptions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Deleting a namespace deletes what is in it first, and refuses new content meanwhile.
 *
 * <p>Upstream marks the namespace Terminating and leaves the emptying to the namespace controller,
 * which then removes the {@code kubernetes} finalizer. kj has no controllers yet, so the API server
 * empties the namespace within the delete call; the Terminating state is held in memory for that
 * time (one API server per store until the controller takes over).
 */
public final class NamespaceContents implements GenericStore.DeleteHook {
    private final Supplier<List<GenericStore>> namespacedStores;
    private final Set<String> terminating = ConcurrentHashMap.newKeySet();

    public NamespaceContents(Supplier<List<GenericStore>> namespacedStores) {
        this.namespacedStores = namespacedStores;
    }

    public boolean isTerminating(String namespace) {
        return terminating.contains(namespace);
    }

    @Override
    public void beforeDelete(ObjectNode namespace) {
        String name = namespace.path("metadata").path("name").asText();
        terminating.add(name);
        for (GenericStore store : namespacedStores.get()) {
            store.deleteCollection(name, ListOptions.EVERYTHING, DeleteOptions.NONE);
        }
    }

    @Override
    public void afterDelete(ObjectNode namespace) {
        terminating.remove(namespace.path("metadata").path("name").asText());
    }
}
