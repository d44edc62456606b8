package dev.kj.controllers;

import dev.kj.controllers.garbagecollector.GarbageCollector;
import dev.kj.controllers.namespace.NamespaceController;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The controllers kj has, by upstream's names (kube-controller-manager's, with its older aliases). */
public final class KnownControllers {
    private KnownControllers() {
    }

    public static final String GARBAGE_COLLECTOR = GarbageCollector.NAME;
    public static final String NAMESPACE = NamespaceController.NAME;

    /** One controller: its name, the names it was known by before 1.28, and how to build it. */
    record Descriptor(String name, List<String> aliases, boolean disabledByDefault,
                      Function<ControllerContext, ManagedController> factory) {
    }

    static final List<Descriptor> ALL = List.of(
            new Descriptor(GARBAGE_COLLECTOR, List.of("garbagecollector"), false, GarbageCollector::new),
            new Descriptor(NAMESPACE, List.of("namespace"), false, NamespaceController::new));

    /** Alias or name → canonical name. */
    static Map<String, String> names() {
        java.util.Map<String, String> names = new java.util.HashMap<>();
        for (Descriptor descriptor : ALL) {
            names.put(descriptor.name(), descriptor.name());
            descriptor.aliases().forEach(alias -> names.put(alias, descriptor.name()));
        }
        return names;
    }
}
