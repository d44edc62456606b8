package dev.kj.apiserver.authz;

import dev.kj.apiserver.authn.Anonymous;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.errors.StatusException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Upstream's impersonation filter: {@code Impersonate-User}, {@code -Uid}, {@code -Group} (repeated)
 * and {@code Impersonate-Extra-<key>} turn the request into the named user's, once the requester
 * is allowed the {@code impersonate} verb on each of them (users, groups, serviceaccounts in the
 * core group; uids and userextras/&lt;key&gt; in authentication.k8s.io).
 */
public final class Impersonation {
    private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

    private Impersonation() {
    }

    /** The requested identity, split from the headers (all values of repeated headers, in order). */
    public record Request(Optional<String> user, Optional<String> uid, List<String> groups, Map<String, List<String>> extra) {
        public boolean any() {
            return user.isPresent() || uid.isPresent() || !groups.isEmpty() || !extra.isEmpty();
        }
    }

    /**
     * @param headers lower-cased names; a repeated header's values joined by commas (as the HTTP
     *                layer hands them over), so a group or extra value cannot itself hold a comma
     */
    public static Request parse(Map<String, String> headers) {
        Optional<String> user = Optional.ofNullable(headers.get("impersonate-user")).filter(v -> !v.isEmpty());
        Optional<String> uid = Optional.ofNullable(headers.get("impersonate-uid")).filter(v -> !v.isEmpty());
        List<String> groups = values(headers.get("impersonate-group"));
        Map<String, List<String>> extra = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (name.startsWith("impersonate-extra-")) {
                String key = URLDecoder.decode(name.substring("impersonate-extra-".length()), StandardCharsets.UTF_8)
                        .toLowerCase(Locale.ROOT);
                extra.computeIfAbsent(key, k -> new ArrayList<>()).addAll(values(value));
            }
        });
        return new Request(user, uid, groups, extra);
    }

    private static List<String> values(String joined) {
        if (joined == null || joined.isEmpty()) {
            return List.of();
        }
        return java.util.Arrays.stream(joined.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    /**
     * The user {@code requester} becomes, every part of the request authorized first; a 403 for
     * the first part not allowed, as upstream.
     */
    public static User impersonate(User requester, Request request, Authorizer authorizer) {
        if (request.user().isEmpty()) {
            List<String> references = new ArrayList<>();
            request.groups().forEach(g -> references.add("{Group  " + g + "     }"));
            request.extra().forEach((key, values) -> values.forEach(v -> references.add("{UserExtra  " + v + "     " + key + "}")));
            request.uid().ifPresent(u -> references.add("{UID  " + u + "     }"));
            throw new StatusException(500, "InternalError", "requested [" + String.join(" ", references)
                    + "] without impersonating a user", null);
        }
        String name = request.user().get();
        List<String> groups = new ArrayList<>(request.groups());
        if (name.startsWith(SERVICE_ACCOUNT_PREFIX)) {
            String[] parts = name.substring(SERVICE_ACCOUNT_PREFIX.length()).split(":", 2);
            String namespace = parts[0];
            String account = parts.length > 1 ? parts[1] : "";
            check(authorizer, RequestAttributes.resource(requester, "impersonate", "", "serviceaccounts", "", namespace, account));
            if (request.groups().isEmpty()) {
                groups.add("system:serviceaccounts");
                groups.add("system:serviceaccounts:" + namespace);
            }
        } else {
            check(authorizer, RequestAttributes.resource(requester, "impersonate", "", "users", "", "", name));
        }
        for (String group : request.groups()) {
            check(authorizer, RequestAttributes.resource(requester, "impersonate", "", "groups", "", "", group));
        }
        for (Map.Entry<String, List<String>> entry : request.extra().entrySet()) {
            for (String value : entry.getValue()) {
                check(authorizer, RequestAttributes.resource(requester, "impersonate", "authentication.k8s.io", "userextras",
                        entry.getKey(), "", value));
            }
        }
        if (request.uid().isPresent()) {
            check(authorizer, RequestAttributes.resource(requester, "impersonate", "authentication.k8s.io", "uids", "", "",
                    request.uid().get()));
        }
        if (name.equals(Anonymous.USER_NAME)) {
            if (!groups.contains(Anonymous.GROUP)) {
                groups.add(Anonymous.GROUP);
            }
        } else if (!groups.contains("system:authenticated")) {
            groups.add("system:authenticated");
        }
        return new User(name, request.uid().orElse(""), groups, request.extra());
    }

    private static void check(Authorizer authorizer, RequestAttributes attributes) {
        Authorizer.Decision decision = authorizer.authorize(attributes);
        if (!decision.allowed()) {
            throw Forbidden.of(attributes, decision.reason());
        }
    }
}
