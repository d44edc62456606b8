package dev.kj.apiserver.authn;

import java.util.List;
import java.util.Map;

/**
 * Who sent a request, as authentication established it (user.Info upstream): a name, an optional
 * uid, groups, and extra attributes (for service-account tokens, the pod they are bound to).
 */
public record User(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
    public User {
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
        extra = Map.copyOf(extra);
    }

    public User(String name, List<String> groups) {
        this(name, "", groups, Map.of());
    }
}
