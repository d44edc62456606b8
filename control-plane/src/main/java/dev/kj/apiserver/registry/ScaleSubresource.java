package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.errors.StatusException.Cause;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code <resource>/scale}: spec.replicas seen and written as an autoscaling/v1 Scale, through the
 * resource's own store (so preconditions, generation and watches behave as for any update).
 */
public final class ScaleSubresource {
    private static final int CONFLICT_RETRIES = 16;

    private final GenericStore store;

    public ScaleSubresource(GenericStore store) {
        this.store = store;
    }

    public ObjectNode get(String namespace, String name) {
        return toScale(store.get(namespace, name));
    }

    public ObjectNode update(String namespace, String name, ObjectNode scale, boolean dryRun) {
        return update(namespace, name, scale, dryRun, null);
    }

    /** A write recorded in managedFields as an Update by {@code manager} with subresource "scale" (null: none). */
    public ObjectNode update(String namespace, String name, ObjectNode scale, boolean dryRun, String manager) {
        JsonNode replicas = scale.path("spec").path("replicas");
        if (!replicas.isMissingNode() && (!replicas.canConvertToInt() || replicas.asInt() < 0)) {
            throw StatusException.invalid("Scale", "autoscaling", name, List.of(new Cause("FieldValueInvalid",
                    "spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0", "spec.replicas")));
        }
        ObjectNode object = store.get(namespace, name);
        String requested = scale.path("metadata").path("resourceVersion").asText("");
        ((ObjectNode) object.path("metadata")).put("resourceVersion", requested);
        object.with("spec").put("replicas", replicas.asInt(0));
        return toScale(store.updateThroughScale(namespace, name, object, dryRun, manager));
    }

    /** autoscaling/v1 Scale, the kind this subresource reads and writes. */
    public Optional<Type> type() {
        return TypeModel.get().kind("autoscaling/v1", "Scale");
    }

    public ObjectNode patch(String namespace, String name, GenericStore.PatchType type, JsonNode patch, boolean dryRun) {
        return patch(namespace, name, type, patch, dryRun, java.util.function.UnaryOperator.identity());
    }

    /** A patch whose resulting Scale first goes through {@code decode} (typed decoding and field validation). */
    public ObjectNode patch(String namespace, String name, GenericStore.PatchType type, JsonNode patch, boolean dryRun,
                            java.util.function.UnaryOperator<ObjectNode> decode) {
        return patch(namespace, name, type, patch, dryRun, decode, null);
    }

    /** As above, recorded as an Update by {@code manager} with subresource "scale" (null: none). */
    public ObjectNode patch(String namespace, String name, GenericStore.PatchType type, JsonNode patch, boolean dryRun,
                            java.util.function.UnaryOperator<ObjectNode> decode, String manager) {
        for (int attempt = 0; ; attempt++) {
            ObjectNode current = get(namespace, name);
            JsonNode patched = type.apply(current, patch, type());
            if (!(patched instanceof ObjectNode patchedScale)) {
                throw StatusException.badRequest("the patch does not leave an object");
            }
            ObjectNode scale = decode.apply(patchedScale);
            try {
                return update(namespace, name, scale, dryRun, manager);
            } catch (StatusException e) {
                boolean ownPrecondition = !patch.path("metadata").path("resourceVersion").isMissingNode();
                if (e.code() == 409 && !ownPrecondition && attempt < CONFLICT_RETRIES) {
                    continue;
                }
                throw e;
            }
        }
    }

    private static ObjectNode toScale(ObjectNode object) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode scale = nodes.objectNode();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        JsonNode objectMeta = object.path("metadata");
        for (String field : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (objectMeta.has(field)) {
                meta.set(field, objectMeta.get(field));
            }
        }
        scale.putObject("spec").put("replicas", object.path("spec").path("replicas").asInt(0));
        ObjectNode status = scale.putObject("status");
        status.put("replicas", object.path("status").path("replicas").asInt(0));
        String selector = selector(object.path("spec").path("selector"));
        if (!selector.isEmpty()) {
            status.put("selector", selector);
        }
        return scale;
    }

    /**
     * The selector in labels-selector text, requirements sorted by key as upstream prints them: a
     * metav1.LabelSelector (apps) or a plain map (ReplicationController).
     */
    static String selector(JsonNode selector) {
        boolean structured = selector.has("matchLabels") || selector.has("matchExpressions");
        TreeMap<String, List<String>> byKey = new TreeMap<>();
        JsonNode labels = structured ? selector.path("matchLabels") : selector;
        labels.fields().forEachRemaining(e -> byKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                .add(e.getKey() + "=" + e.getValue().asText()));
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText();
            List<String> values = new ArrayList<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            values.sort(null);
            String requirement = switch (expression.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> throw StatusException.badRequest("unsupported label selector operator "
                        + expression.path("operator").asText());
            };
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(requirement);
        }
        List<String> requirements = new ArrayList<>();
        byKey.values().forEach(requirements::addAll);
        return String.join(",", requirements);
    }
}
