package dev.kj.apiserver.registry.core.namespace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException.Cause;
import dev.kj.apiserver.registry.FinalizerNames;
import dev.kj.apiserver.registry.Strategy;
import dev.kj.apiserver.registry.Subresource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Namespaces (pkg/registry/core/namespace): they start Active with the {@code kubernetes} finalizer
 * in spec.finalizers; status changes only through {@code status}, spec.finalizers only through
 * {@code finalize}; a deleted namespace stays, Terminating, until spec.finalizers is empty (see
 * {@link NamespaceDeletion}); deletes answer with the namespace.
 */
public final class NamespaceStrategy implements Strategy {
    /** core.FinalizerKubernetes: the namespace controller's, removed once the namespace is empty. */
    public static final String KUBERNETES_FINALIZER = "kubernetes";
    public static final String ACTIVE = "Active";
    public static final String TERMINATING = "Terminating";

    /** Finalizer names that need no domain prefix (upstream's IsStandardFinalizerName). */
    private static final Set<String> STANDARD_FINALIZERS = Set.of(KUBERNETES_FINALIZER, "orphan", "foregroundDeletion");

    @Override
    public void prepareForCreate(ObjectNode namespace) {
        namespace.putObject("status").put("phase", ACTIVE);
        // the kubernetes finalizer is required on create (and may be removed later, through finalize)
        ObjectNode spec = namespace.with("spec");
        JsonNode finalizers = spec.get("finalizers");
        ArrayNode list = finalizers instanceof ArrayNode array ? array : spec.putArray("finalizers");
        for (JsonNode finalizer : list) {
            if (finalizer.asText().equals(KUBERNETES_FINALIZER)) {
                return;
            }
        }
        list.add(KUBERNETES_FINALIZER);
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

    /** {@code finalize} writes everything but status (upstream's namespaceFinalizeStrategy); {@code status} only status. */
    @Override
    public ObjectNode prepareForSubresourceUpdate(Subresource subresource, ObjectNode written, ObjectNode old) {
        if (subresource != Subresource.FINALIZE) {
            return Strategy.super.prepareForSubresourceUpdate(subresource, written, old);
        }
        ObjectNode namespace = written.deepCopy();
        namespace.set("status", old.path("status").deepCopy());
        return namespace;
    }

    /** spec.finalizers keep a namespace whose deletion was asked for (upstream's ShouldDeleteNamespaceDuringUpdate). */
    @Override
    public boolean holdsDeletion(ObjectNode namespace) {
        JsonNode finalizers = namespace.path("spec").path("finalizers");
        return finalizers.isArray() && !finalizers.isEmpty();
    }

    @Override
    public boolean returnsDeletedObject() {
        return true;
    }

    /**
     * spec.finalizers names (upstream's validateFinalizerName), and the phase a status write may set:
     * Active without a deletionTimestamp, Terminating with one (ValidateNamespaceStatusUpdate; every
     * other write keeps the stored status, which agrees).
     */
    @Override
    public List<Cause> validate(ObjectNode namespace) {
        List<Cause> causes = new ArrayList<>();
        JsonNode finalizers = namespace.path("spec").path("finalizers");
        for (int i = 0; i < finalizers.size(); i++) {
            String field = "spec.finalizers[" + i + "]";
            String value = finalizers.get(i).asText();
            for (String problem : finalizerNameProblems(value)) {
                causes.add(new Cause("FieldValueInvalid", field + ": Invalid value: \"" + value + "\": " + problem, field));
            }
        }
        String phase = namespace.path("status").path("phase").asText("");
        boolean deleting = namespace.path("metadata").hasNonNull("deletionTimestamp");
        if (!deleting && !phase.equals(ACTIVE)) {
            causes.add(new Cause("FieldValueInvalid", "status.Phase: Invalid value: \"" + phase
                    + "\": may only be 'Active' if `deletionTimestamp` is empty", "status.Phase"));
        } else if (deleting && !phase.equals(TERMINATING)) {
            causes.add(new Cause("FieldValueInvalid", "status.Phase: Invalid value: \"" + phase
                    + "\": may only be 'Terminating' if `deletionTimestamp` is not empty", "status.Phase"));
        }
        return causes;
    }

    /** apimachinery's ValidateFinalizerName plus the rule that a name without a prefix be a standard one. */
    static List<String> finalizerNameProblems(String value) {
        List<String> problems = new ArrayList<>(FinalizerNames.problems(value));
        if (!value.contains("/") && !STANDARD_FINALIZERS.contains(value)) {
            problems.add("name is neither a standard finalizer name nor is it fully qualified");
        }
        return problems;
    }
}
