package dev.kj.controllers.clusterroleaggregation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.controller.Controller;
import dev.kj.api.controller.Requeue;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.ItemExponentialFailureRateLimiter;
import dev.kj.api.workqueue.Ticker;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.ManagedController;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Upstream's ClusterRoleAggregationController: a ClusterRole with an aggregationRule gets, as its
 * rules, the rules of every other ClusterRole its selectors match (in name order, duplicates
 * dropped). Any ClusterRole change requeues every aggregated role.
 */
public final class ClusterRoleAggregationController implements ManagedController {
    public static final String NAME = "clusterrole-aggregation-controller";
    /** Upstream runs five workers. */
    private static final int WORKERS = 5;

    private final SharedInformer<ObjectNode> clusterRoles;
    private final ResourceClient<ObjectNode> client;
    private final Registration registration;
    private final Controller<String> controller;

    public ClusterRoleAggregationController(ControllerContext context) {
        this.clusterRoles = context.informers().generic(Resources.CLUSTER_ROLES);
        this.client = context.client().generic(Resources.CLUSTER_ROLES);
        WorkQueue<String> queue = new WorkQueue<>(new ItemExponentialFailureRateLimiter<>(Duration.ofMillis(5),
                Duration.ofSeconds(1000)), Ticker.SYSTEM);
        this.registration = clusterRoles.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(ObjectNode role, boolean initialList) {
                enqueueAggregated(queue);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode current) {
                enqueueAggregated(queue);
            }

            @Override
            public void onDelete(ObjectNode role, boolean finalStateUnknown) {
                enqueueAggregated(queue);
            }
        });
        this.controller = new Controller<>(NAME, queue, this::sync, WORKERS, List.of(registration::hasSynced));
    }

    private void enqueueAggregated(WorkQueue<String> queue) {
        for (ObjectNode role : clusterRoles.indexer().list()) {
            if (role.path("aggregationRule").isObject()) {
                queue.add(role.path("metadata").path("name").asText());
            }
        }
    }

    private void sync(String name) throws Requeue {
        ObjectNode role = clusterRoles.indexer().get(name).orElse(null);
        if (role == null || !role.path("aggregationRule").isObject()) {
            return;
        }
        List<ObjectNode> candidates = new ArrayList<>(clusterRoles.indexer().list());
        candidates.sort(Comparator.comparing(r -> r.path("metadata").path("name").asText()));
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode selector : role.path("aggregationRule").path("clusterRoleSelectors")) {
            for (ObjectNode candidate : candidates) {
                if (candidate.path("metadata").path("name").asText().equals(name)
                        || !Selectors.matches(selector, candidate.path("metadata").path("labels"))) {
                    continue;
                }
                for (JsonNode rule : candidate.path("rules")) {
                    if (!rules.contains(rule)) {
                        rules.add(rule);
                    }
                }
            }
        }
        List<JsonNode> current = new ArrayList<>();
        role.path("rules").forEach(current::add);
        if (current.equals(rules)) {
            return;
        }
        ObjectNode updated = role.deepCopy();
        ArrayNode array = updated.putArray("rules");
        rules.forEach(array::add);
        try {
            client.update(updated);
        } catch (RuntimeException e) {
            throw Requeue.rateLimited("updating ClusterRole " + name + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run() throws InterruptedException {
        controller.run();
    }

    @Override
    public void close() {
        controller.close();
        registration.remove();
    }
}
