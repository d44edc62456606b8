package dev.kj.apiserver.authz;

import java.util.ArrayList;
import java.util.List;

/**
 * Upstream's union authorizer behind its privileged-group shortcut: members of
 * {@code system:masters} are always allowed; otherwise each authorizer in turn (Node, then RBAC)
 * until one allows or denies. The reasons of those without an opinion are joined for the 403.
 */
public final class AuthorizerChain implements Authorizer {
    public static final String PRIVILEGED_GROUP = "system:masters";

    private final List<Authorizer> authorizers;

    public AuthorizerChain(List<Authorizer> authorizers) {
        this.authorizers = List.copyOf(authorizers);
    }

    @Override
    public Decision authorize(RequestAttributes attributes) {
        if (attributes.user().groups().contains(PRIVILEGED_GROUP)) {
            return Decision.ALLOW;
        }
        List<String> reasons = new ArrayList<>();
        for (Authorizer authorizer : authorizers) {
            Decision decision = authorizer.authorize(attributes);
            if (decision.kind() != Decision.Kind.NO_OPINION) {
                return decision;
            }
            if (!decision.reason().isEmpty()) {
                reasons.add(decision.reason());
            }
        }
        return Decision.noOpinion(String.join(", ", reasons));
    }
}
