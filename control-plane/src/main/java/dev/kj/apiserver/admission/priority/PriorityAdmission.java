package dev.kj.apiserver.admission.priority;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.admission.Attributes;
import dev.kj.apiserver.admission.MutatingAdmission;
import dev.kj.apiserver.admission.ValidatingAdmission;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Upstream's Priority admission plugin (plugin/pkg/admission/priority): a pod created with a
 * priorityClassName gets that class's value as spec.priority and its preemptionPolicy; without one
 * it gets the global default class (the lowest-valued one marked globalDefault) or priority 0. A
 * pod naming an unknown class, or carrying a priority or preemptionPolicy that differs from the
 * computed one, is refused (403). A PriorityClass may be created globalDefault only when no other is.
 * (kj's store runs admission on creates only, so upstream's update branches are absent.)
 */
public final class PriorityAdmission implements MutatingAdmission, ValidatingAdmission {
    public static final String NAME = "Priority";
    private static final String SCHEDULING = "scheduling.k8s.io";

    /** Reads PriorityClasses from storage. */
    public interface PriorityClasses {
        Optional<ObjectNode> get(String name);

        List<ObjectNode> list();
    }

    private final PriorityClasses classes;

    public PriorityAdmission(PriorityClasses classes) {
        this.classes = classes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Attributes.Operation> operations() {
        return Set.of(Attributes.Operation.CREATE);
    }

    @Override
    public void admit(Attributes attributes) {
        if (!attributes.isResource("", "pods") || attributes.object() == null) {
            return;
        }
        ObjectNode spec = attributes.object().with("spec");
        String className = spec.path("priorityClassName").asText("");
        long priority;
        String preemptionPolicy;
        if (className.isEmpty()) {
            Optional<ObjectNode> global = globalDefault();
            priority = global.map(c -> c.path("value").asLong(0)).orElse(0L);
            preemptionPolicy = global.map(c -> c.path("preemptionPolicy").asText("PreemptLowerPriority"))
                    .orElse("PreemptLowerPriority");
            global.ifPresent(c -> spec.put("priorityClassName", c.path("metadata").path("name").asText()));
        } else {
            ObjectNode found = classes.get(className).orElseThrow(
                    () -> attributes.forbidden("no PriorityClass with name " + className + " was found"));
            priority = found.path("value").asLong(0);
            preemptionPolicy = found.path("preemptionPolicy").asText("PreemptLowerPriority");
        }
        if (spec.hasNonNull("priority") && spec.get("priority").asLong() != priority) {
            throw attributes.forbidden("the integer value of priority (" + spec.get("priority").asLong()
                    + ") must not be provided in pod spec; priority admission controller computed " + priority
                    + " from the given PriorityClass name");
        }
        spec.put("priority", (int) priority);
        if (spec.hasNonNull("preemptionPolicy") && !spec.get("preemptionPolicy").asText().equals(preemptionPolicy)) {
            throw attributes.forbidden("the string value of PreemptionPolicy (" + spec.get("preemptionPolicy").asText()
                    + ") must not be provided in pod spec; priority admission controller computed " + preemptionPolicy
                    + " from the given PriorityClass name");
        }
        spec.put("preemptionPolicy", preemptionPolicy);
    }

    @Override
    public void validate(Attributes attributes) {
        if (!attributes.isResource(SCHEDULING, "priorityclasses") || attributes.object() == null) {
            return;
        }
        if (!attributes.object().path("globalDefault").asBoolean(false)) {
            return;
        }
        String name = attributes.object().path("metadata").path("name").asText();
        for (ObjectNode other : classes.list()) {
            String otherName = other.path("metadata").path("name").asText();
            if (other.path("globalDefault").asBoolean(false) && !otherName.equals(name)) {
                throw attributes.forbidden("PriorityClass " + otherName + " is already marked as default. Only one default can exist");
            }
        }
    }

    /** The default class: of those marked globalDefault, the one with the lowest value (as upstream). */
    private Optional<ObjectNode> globalDefault() {
        return classes.list().stream().filter(c -> c.path("globalDefault").asBoolean(false))
                .min(Comparator.comparingLong(c -> c.path("value").asLong(0)));
    }
}
