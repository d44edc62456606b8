package dev.kj.apiserver.authz.node;

import dev.kj.apiserver.authz.Authorizer;
import dev.kj.apiserver.authz.RequestAttributes;
import dev.kj.apiserver.authz.rbac.BootstrapPolicy;
import dev.kj.apiserver.authz.rbac.PolicyRule;
import dev.kj.apiserver.selection.FieldSelector;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's Node authorizer: a kubelet ({@code system:node:<name>}, group {@code system:nodes})
 * reads only the secrets, config maps, claims and volumes its pods use, creates tokens only for
 * their service accounts, touches only its own Lease and Node and reads only pods bound to it;
 * anything else is checked against the {@code system:node} role's rules. Other users: no opinion.
 */
public final class NodeAuthorizer implements Authorizer {
    private final NodeGraph graph;
    private final List<PolicyRule> nodeRules;

    public NodeAuthorizer(NodeGraph graph) {
        this.graph = graph;
        this.nodeRules = BootstrapPolicy.clusterRoles().stream().filter(role -> role.name().equals("system:node"))
                .findFirst().orElseThrow().rules();
    }

    @Override
    public Decision authorize(RequestAttributes attributes) {
        Optional<String> node = NodeIdentity.nodeName(attributes.user());
        if (node.isEmpty() || !attributes.resourceRequest()) {
            return Decision.NO_OPINION;
        }
        String nodeName = node.get();
        String group = attributes.apiGroup();
        String resource = attributes.resource();
        if (group.isEmpty()) {
            switch (resource) {
                case "secrets" -> {
                    return readNamespaced(nodeName, "secret", attributes);
                }
                case "configmaps" -> {
                    return readNamespaced(nodeName, "configmap", attributes);
                }
                case "persistentvolumeclaims" -> {
                    if (attributes.subresource().equals("status")) {
                        if (!attributes.verb().equals("update") && !attributes.verb().equals("patch")) {
                            return Decision.noOpinion("can only get or update persistentvolumeclaim status");
                        }
                        return related(nodeName, "pvc", attributes.namespace(), attributes.name());
                    }
                    return get(nodeName, "pvc", attributes);
                }
                case "persistentvolumes" -> {
                    return get(nodeName, "pv", attributes);
                }
                case "serviceaccounts" -> {
                    if (!attributes.verb().equals("create") || attributes.name().isEmpty()) {
                        return Decision.noOpinion("can only create tokens for individual service accounts");
                    }
                    if (!attributes.subresource().equals("token")) {
                        return Decision.noOpinion("can only create token subresource of serviceaccount");
                    }
                    return related(nodeName, "serviceaccount", attributes.namespace(), attributes.name());
                }
                case "pods" -> {
                    if (attributes.verb().equals("get")) {
                        return get(nodeName, "pod", attributes);
                    }
                    if (attributes.verb().equals("list") || attributes.verb().equals("watch")) {
                        return pinned(attributes, "spec.nodeName").equals(Optional.of(nodeName)) ? Decision.ALLOW
                                : Decision.noOpinion("can only list/watch pods with spec.nodeName field selector");
                    }
                }
                case "nodes" -> {
                    if (attributes.verb().equals("get") && attributes.subresource().isEmpty()) {
                        return attributes.name().equals(nodeName) ? Decision.ALLOW : Decision.noOpinion("node '" + nodeName
                                + "' cannot read '" + attributes.name() + "', only its own Node object");
                    }
                    if (attributes.verb().equals("list") || attributes.verb().equals("watch")) {
                        return attributes.name().equals(nodeName) ? Decision.ALLOW
                                : Decision.noOpinion("node '" + nodeName + "' can only read its own Node object");
                    }
                }
                default -> { }
            }
        } else if (group.equals("storage.k8s.io") && resource.equals("volumeattachments")) {
            return get(nodeName, "volumeattachment", attributes);
        } else if (group.equals("coordination.k8s.io") && resource.equals("leases")) {
            return lease(nodeName, attributes);
        } else if (group.equals("storage.k8s.io") && resource.equals("csinodes")) {
            if (!List.of("get", "create", "update", "patch", "delete").contains(attributes.verb())) {
                return Decision.noOpinion("can only get, create, update, patch, or delete a CSINode");
            }
            if (!attributes.subresource().isEmpty()) {
                return Decision.noOpinion("cannot authorize CSINode subresources");
            }
            return attributes.verb().equals("create") || attributes.name().equals(nodeName) ? Decision.ALLOW
                    : Decision.noOpinion("can only access CSINode with the same name as the requesting node");
        }
        for (PolicyRule rule : nodeRules) {
            if (rule.allows(attributes)) {
                return Decision.ALLOW;
            }
        }
        return Decision.NO_OPINION;
    }

    private static Optional<String> pinned(RequestAttributes attributes, String field) {
        try {
            return FieldSelector.parse(attributes.fieldSelector()).pinned(field);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Decision readNamespaced(String node, String kind, RequestAttributes attributes) {
        if (!List.of("get", "list", "watch").contains(attributes.verb())) {
            return Decision.noOpinion("can only read resources of this type");
        }
        if (!attributes.subresource().isEmpty()) {
            return Decision.noOpinion("cannot read subresource");
        }
        if (attributes.namespace().isEmpty()) {
            return Decision.noOpinion("can only read namespaced object of this type");
        }
        return related(node, kind, attributes.namespace(), attributes.name());
    }

    private Decision get(String node, String kind, RequestAttributes attributes) {
        if (!attributes.verb().equals("get")) {
            return Decision.noOpinion("can only get individual resources of this type");
        }
        if (!attributes.subresource().isEmpty()) {
            return Decision.noOpinion("cannot get subresource");
        }
        return related(node, kind, attributes.namespace(), attributes.name());
    }

    private Decision related(String node, String kind, String namespace, String name) {
        if (name.isEmpty()) {
            return Decision.noOpinion("No Object name found");
        }
        return graph.reaches(node, kind, namespace, name) ? Decision.ALLOW
                : Decision.noOpinion("no relationship found between node '" + node + "' and this object");
    }

    private static Decision lease(String node, RequestAttributes attributes) {
        if (!List.of("get", "create", "update", "patch", "delete").contains(attributes.verb())) {
            return Decision.noOpinion("can only get, create, update, patch, or delete a node lease");
        }
        if (!attributes.namespace().equals("kube-node-lease")) {
            return Decision.noOpinion("can only access leases in the \"kube-node-lease\" namespace");
        }
        if (!attributes.verb().equals("create") && !attributes.name().equals(node)) {
            return Decision.noOpinion("can only access node lease with the same name as the requesting node");
        }
        return Decision.ALLOW;
    }
}
