package dev.kj.apiserver.authn;

import java.util.List;

/**
 * The identity of a request without credentials (upstream's anonymous authenticator). RBAC grants
 * it what upstream's bootstrap policy grants system:unauthenticated; without authorization the
 * router still answers such requests 401 outside the health and version endpoints.
 */
public final class Anonymous {
    public static final String USER_NAME = "system:anonymous";
    public static final String GROUP = "system:unauthenticated";
    public static final User USER = new User(USER_NAME, List.of(GROUP));

    private Anonymous() {
    }
}
