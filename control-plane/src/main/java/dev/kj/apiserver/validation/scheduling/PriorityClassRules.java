package dev.kj.apiserver.validation.scheduling;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PriorityClasses (scheduling.k8s.io/v1): preemptionPolicy PreemptLowerPriority by default;
 * ValidatePriorityClass's reserved {@code system-} names, the highest user value and the preemption
 * policy; value and preemption policy fixed after creation.
 */
public final class PriorityClassRules implements KindRules {
    private static final String SYSTEM_PREFIX = "system-";
    private static final long HIGHEST_USER_PRIORITY = 1_000_000_000L;
    /** The system classes upstream knows, with their values (neither is the global default). */
    private static final Map<String, Long> SYSTEM_CLASSES = Map.of(
            "system-node-critical", 2_000_001_000L,
            "system-cluster-critical", 2_000_000_000L);
    private static final List<String> POLICIES = List.of("PreemptLowerPriority", "Never");

    @Override
    public void setDefaults(ObjectNode priorityClass) {
        if (!set(priorityClass, "preemptionPolicy")) {
            priorityClass.put("preemptionPolicy", "PreemptLowerPriority");
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode priorityClass) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(priorityClass.path("metadata"), "name");
        long value = priorityClass.path("value").asLong(0);
        if (name.startsWith(SYSTEM_PREFIX)) {
            String problem = systemClassProblem(name, value, priorityClass.path("globalDefault").asBoolean(false));
            if (problem != null) {
                errors.add(FieldError.forbidden(FieldPath.of("metadata", "name"), "priority class names with '"
                        + SYSTEM_PREFIX + "' prefix are reserved for system use only. error: " + problem));
            }
        } else if (value > HIGHEST_USER_PRIORITY) {
            errors.add(FieldError.forbidden(FieldPath.root("value"),
                    "maximum allowed value of a user defined priority is " + HIGHEST_USER_PRIORITY));
        }
        if (set(priorityClass, "preemptionPolicy")) {
            String policy = text(priorityClass, "preemptionPolicy");
            if (policy.isEmpty()) {
                errors.add(FieldError.required(FieldPath.root("preemptionPolicy"), ""));
            } else if (!POLICIES.contains(policy)) {
                errors.add(FieldError.notSupported(FieldPath.root("preemptionPolicy"), policy, POLICIES));
            }
        }
        return errors;
    }

    /** IsKnownSystemPriorityClass's error, or null when the class is one of the system classes as defined. */
    private static String systemClassProblem(String name, long value, boolean globalDefault) {
        Long expected = SYSTEM_CLASSES.get(name);
        if (expected == null) {
            return name + " is not a known system priority class";
        }
        if (value != expected) {
            return "value of " + name + " PriorityClass must be " + expected;
        }
        if (globalDefault) {
            return "globalDefault of " + name + " PriorityClass must be false";
        }
        return null;
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode priorityClass, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        if (priorityClass.path("value").asLong(0) != old.path("value").asLong(0)) {
            errors.add(FieldError.forbidden(FieldPath.root("value"), "may not be changed in an update."));
        }
        errors.addAll(Numbers.immutable(priorityClass.get("preemptionPolicy"), old.get("preemptionPolicy"),
                FieldPath.root("preemptionPolicy")));
        return errors;
    }
}
