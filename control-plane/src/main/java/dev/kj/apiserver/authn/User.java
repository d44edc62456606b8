package dev.kj.apiserver.authn;

import java.util.List;

/** Who sent a request, as authentication established it (user.Info upstream). */
public record User(String name, List<String> groups) {
    public User {
        groups = List.copyOf(groups);
    }
}
