package dev.kj.kubelet.nodestatus;

import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Registers the node and posts its status through the API (as the node's own identity, so the
 * Node authorizer and NodeRestriction apply): create; when the Node already exists (a restart),
 * keep it and post the fresh status. Status writes are read-modify-write at the read
 * resourceVersion and retried on a conflict, as upstream's tryUpdateNodeStatus.
 */
public final class NodeRegistration {
    private static final int UPDATE_RETRIES = 5;
    private final ResourceClient<Node> nodes;

    public NodeRegistration(ResourceClient<Node> nodes) {
        this.nodes = nodes;
    }

    /** Returns the registered Node (its uid owns the node's Lease). */
    public Node register(Node initial) {
        try {
            nodes.create(null, initial);
        } catch (ApiException e) {
            if (!e.isAlreadyExists()) {
                throw e;
            }
        }
        // Posted through the status subresource either way: a server that drops status on create
        // (kj's does today; upstream keeps a Node's) still gets it at once.
        return postStatus(initial.getMetadata().getName(), initial.getStatus());
    }

    /** Replaces the status with {@code status}, keeping other conditions' transition times where unchanged. */
    public Node postStatus(String nodeName, NodeStatus status) {
        ApiException last = null;
        for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
            Node current = nodes.get(null, nodeName);
            NodeStatus merged = new io.fabric8.kubernetes.api.model.NodeStatusBuilder(status)
                    .withConditions(mergeConditions(current.getStatus() == null ? List.of() : current.getStatus().getConditions(),
                            status.getConditions()))
                    .build();
            current.setStatus(merged);
            try {
                return nodes.updateStatus(current);
            } catch (ApiException e) {
                if (!e.isConflict()) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /**
     * Gives a Node registered without pod CIDRs (or created by an older kj) the node's range;
     * pod CIDRs are immutable once set, so a Node that has other ones keeps them.
     */
    public Node ensurePodCidrs(Node node, List<String> podCidrs) {
        if (podCidrs == null || podCidrs.isEmpty() || (node.getSpec() != null && node.getSpec().getPodCIDRs() != null
                && !node.getSpec().getPodCIDRs().isEmpty())) {
            return node;
        }
        Node current = nodes.get(null, node.getMetadata().getName());
        if (current.getSpec() == null) {
            current.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
        }
        current.getSpec().setPodCIDR(podCidrs.getFirst());
        current.getSpec().setPodCIDRs(podCidrs);
        return nodes.update(current);
    }

    /** Conditions the kubelet does not own (set by controllers, e.g. NetworkUnavailable) stay. */
    static List<NodeCondition> mergeConditions(List<NodeCondition> current, List<NodeCondition> ours) {
        List<NodeCondition> merged = new ArrayList<>();
        for (NodeCondition existing : current == null ? List.<NodeCondition>of() : current) {
            if (ours.stream().noneMatch(c -> c.getType().equals(existing.getType()))) {
                merged.add(existing);
            }
        }
        merged.addAll(ours);
        return merged;
    }

    public static Optional<NodeCondition> condition(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
