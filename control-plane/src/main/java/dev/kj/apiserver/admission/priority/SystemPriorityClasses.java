package dev.kj.apiserver.admission.priority;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.registry.ListOptions;
import dev.kj.apiserver.selection.FieldSelector;
import dev.kj.apiserver.selection.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The PriorityClasses every cluster has (upstream's scheduling storage post-start hook):
 * system-node-critical and system-cluster-critical, created when absent, and the store reads the
 * Priority plugin does.
 */
public final class SystemPriorityClasses {
    public static final String NODE_CRITICAL = "system-node-critical";
    public static final String CLUSTER_CRITICAL = "system-cluster-critical";

    private SystemPriorityClasses() {
    }

    public static void create(GenericStore store, ObjectMapper json) {
        make(store, json, NODE_CRITICAL, 2_000_001_000L,
                "Used for system critical pods that must not be moved from their current node.");
        make(store, json, CLUSTER_CRITICAL, 2_000_000_000L,
                "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.");
    }

    private static void make(GenericStore store, ObjectMapper json, String name, long value, String description) {
        ObjectNode priorityClass = json.createObjectNode();
        priorityClass.put("apiVersion", "scheduling.k8s.io/v1");
        priorityClass.put("kind", "PriorityClass");
        priorityClass.putObject("metadata").put("name", name);
        priorityClass.put("value", value);
        priorityClass.put("description", description);
        try {
            store.create(null, priorityClass, false);
        } catch (StatusException e) {
            if (e.code() != 409) {
                throw e; // 409: there already (a restart, or another server on the store)
            }
        }
    }

    /** Reads classes from the store; lists are served by the watch cache (upstream reads an informer's lister). */
    public static PriorityAdmission.PriorityClasses lookup(Supplier<GenericStore> store) {
        return new PriorityAdmission.PriorityClasses() {
            @Override
            public Optional<ObjectNode> get(String name) {
                try {
                    return Optional.of(store.get().get(null, name));
                } catch (StatusException e) {
                    if (e.code() == 404) {
                        return Optional.empty();
                    }
                    throw e;
                }
            }

            @Override
            public List<ObjectNode> list() {
                ObjectNode list = store.get().list(null, new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING,
                        "0", "", 0, ""));
                List<ObjectNode> items = new ArrayList<>();
                for (JsonNode item : list.path("items")) {
                    items.add((ObjectNode) item);
                }
                return items;
            }
        };
    }
}
