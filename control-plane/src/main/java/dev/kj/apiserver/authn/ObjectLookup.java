package dev.kj.apiserver.authn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Reads the objects a token is bound to from the API's storage (upstream's ServiceAccountTokenGetter
 * over the registry), so a deleted or recreated object revokes its tokens at once.
 */
@FunctionalInterface
public interface ObjectLookup {
    /**
     * @param resource  a core/v1 plural: serviceaccounts, secrets, pods, nodes
     * @param namespace null for nodes
     */
    Optional<ObjectNode> get(String resource, String namespace, String name);
}
