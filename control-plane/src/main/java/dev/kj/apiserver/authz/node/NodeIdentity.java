package dev.kj.apiserver.authz.node;

import dev.kj.apiserver.authn.User;
import java.util.Optional;

/** Upstream's nodeidentifier: a kubelet is {@code system:node:<name>} in the {@code system:nodes} group. */
public final class NodeIdentity {
    public static final String NODES_GROUP = "system:nodes";
    private static final String PREFIX = "system:node:";

    private NodeIdentity() {
    }

    /** The node's name, or empty when the user is not a node (or names none). */
    public static Optional<String> nodeName(User user) {
        if (user == null || !user.groups().contains(NODES_GROUP) || !user.name().startsWith(PREFIX)) {
            return Optional.empty();
        }
        String name = user.name().substring(PREFIX.length());
        return name.isEmpty() ? Optional.empty() : Optional.of(name);
    }
}
