package dev.kj.apiserver.authn;

import java.util.List;

/**
 * A successful authentication (authenticator.Response upstream): who, and the audiences the
 * credential was accepted for (empty for credentials without audiences, such as certificates).
 */
public record Authenticated(User user, List<String> audiences) {
    public Authenticated {
        audiences = List.copyOf(audiences);
    }
}
