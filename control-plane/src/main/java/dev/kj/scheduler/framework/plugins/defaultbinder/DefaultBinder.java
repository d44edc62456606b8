package dev.kj.scheduler.framework.plugins.defaultbinder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.objects.Json;
import dev.kj.scheduler.framework.BindPlugin;
import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.Handle;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;

/** Binds through POST pods/{name}/binding with a v1 Binding naming the pod (uid included) and the node. */
public final class DefaultBinder implements BindPlugin {
    public static final String NAME = "DefaultBinder";
    private final Handle handle;

    public DefaultBinder(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status bind(CycleState state, Pod pod, String nodeName) {
        ObjectNode binding = Json.TREES.createObjectNode();
        binding.put("apiVersion", "v1");
        binding.put("kind", "Binding");
        binding.putObject("metadata")
                .put("name", pod.getMetadata().getName())
                .put("namespace", pod.getMetadata().getNamespace())
                .put("uid", pod.getMetadata().getUid());
        binding.putObject("target").put("kind", "Node").put("name", nodeName);
        try {
            handle.client().generic(Resources.PODS).create(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    "binding", binding);
            return Status.success();
        } catch (ApiException e) {
            return Status.error(e.getMessage());
        }
    }
}
