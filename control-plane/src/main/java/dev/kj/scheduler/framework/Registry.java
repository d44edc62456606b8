package dev.kj.scheduler.framework;

import java.util.Map;
import java.util.function.Function;

/** Plugin name → factory; adding a plugin is one entry here and its own package. */
public record Registry(Map<String, Function<Handle, Plugin>> factories) {
    public Registry {
        factories = Map.copyOf(factories);
    }

    Plugin create(String name, Handle handle) {
        Function<Handle, Plugin> factory = factories.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("plugin \"" + name + "\" does not exist");
        }
        return factory.apply(handle);
    }
}
