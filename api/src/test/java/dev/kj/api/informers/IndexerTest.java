package dev.kj.api.informers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.objects.ObjectCodec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IndexerTest {
    private final Indexer<ConfigMap> indexer = new Indexer<>(ObjectCodec.typed(ConfigMap.class));

    private static ConfigMap cm(String namespace, String name, String owner) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("owner", owner).endMetadata().build();
    }

    private static Set<String> names(List<ConfigMap> objects) {
        return objects.stream().map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
    }

    @Test
    void keysNamespacesAndCustomIndexesFollowChanges() {
        indexer.put(cm("a", "one", "x"));
        indexer.put(cm("a", "two", "y"));
        indexer.put(cm("b", "one", "x"));
        indexer.addIndex("owner", c -> List.of(c.getMetadata().getLabels().get("owner")));
        assertEquals(Set.of("a/one", "a/two", "b/one"), Set.copyOf(indexer.keys()));
        assertEquals(Set.of("one", "two"), names(indexer.byNamespace("a")));
        assertEquals(2, indexer.byIndex("owner", "x").size(), "an index added later covers what is cached");

        ConfigMap old = indexer.put(cm("a", "one", "y"));
        assertEquals("x", old.getMetadata().getLabels().get("owner"));
        assertEquals(Set.of("one"), names(indexer.byIndex("owner", "x")));
        assertEquals(2, indexer.byIndex("owner", "y").size());

        indexer.remove("a/two");
        assertEquals(Set.of("one"), names(indexer.byIndex("owner", "y")));
        assertEquals(List.of(), indexer.byNamespace("c"));
        assertTrue(indexer.get("a", "two").isEmpty());
        assertEquals("one", indexer.get("b/one").orElseThrow().getMetadata().getName());
        assertThrows(IllegalArgumentException.class, () -> indexer.byIndex("nope", "x"));
        assertThrows(IllegalArgumentException.class, () -> indexer.addIndex("owner", c -> List.of()));
    }

    @Test
    void clusterScopedObjectsHaveNoNamespaceEntry() {
        indexer.put(new ConfigMapBuilder().withNewMetadata().withName("global").endMetadata().build());
        assertEquals(List.of("global"), indexer.keys());
        assertEquals(List.of(), indexer.byNamespace(""));
    }
}
