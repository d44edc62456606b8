package dev.kj.apiserver.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.registry.DeleteOptions;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.Strategy;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A resource tests register ({@code widgets.test.kj.dev/v1}) to exercise graceful deletion, which no
 * built-in resource uses yet. Its strategy takes the grace the way upstream's pod strategy does:
 * the request's gracePeriodSeconds, else spec.graceSeconds (0 when unset), and 0 for a widget whose
 * status says it is finished. It records the options every delete brought.
 */
public final class Widgets implements Strategy {
    private final List<DeleteOptions> asked = new CopyOnWriteArrayList<>();

    public static ResourceDescription resource(Widgets strategy) {
        return ResourceDescription.of("test.kj.dev", "v1", "Widget", "widgets", true, "widgets.test.kj.dev", List.of("wd"))
                .withStrategy(strategy);
    }

    /** The options of every delete that reached the strategy, oldest first. */
    public List<DeleteOptions> asked() {
        return List.copyOf(asked);
    }

    @Override
    public OptionalLong checkGracefulDelete(ObjectNode object, DeleteOptions options) {
        asked.add(options);
        long period = options.gracePeriodSeconds().orElse(object.path("spec").path("graceSeconds").asLong(0));
        if (object.path("status").path("finished").asBoolean()) {
            period = 0;
        }
        return OptionalLong.of(period);
    }

    @Override
    public boolean returnsDeletedObject() {
        return true;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }
}
