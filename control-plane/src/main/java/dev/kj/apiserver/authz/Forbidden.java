package dev.kj.apiserver.authz;

import dev.kj.apiserver.errors.StatusException;

/** The 403 an unauthorized request gets, worded as upstream's responsewriters.Forbidden. */
public final class Forbidden {
    private Forbidden() {
    }

    public static StatusException of(RequestAttributes attributes, String reason) {
        String message = message(attributes);
        if (!reason.isEmpty()) {
            message += ": " + reason;
        }
        return forbidden(attributes.apiGroup(), attributes.resource(), attributes.name(), message);
    }

    /** {@code User "x" cannot VERB resource "R" in API group "G" in the namespace "N"} and its cluster-scope and path forms. */
    public static String message(RequestAttributes attributes) {
        String user = attributes.user() == null ? "" : attributes.user().name();
        if (!attributes.resourceRequest()) {
            return "User " + quote(user) + " cannot " + attributes.verb() + " path " + quote(attributes.path());
        }
        String where = attributes.namespace().isEmpty() ? " at the cluster scope"
                : " in the namespace " + quote(attributes.namespace());
        return "User " + quote(user) + " cannot " + attributes.verb() + " resource " + quote(attributes.combinedResource())
                + " in API group " + quote(attributes.apiGroup()) + where;
    }

    /** errors.NewForbidden: {@code <resource>[.<group>] ["<name>"] is forbidden: <why>}, or {@code forbidden: <why>} for paths. */
    public static StatusException forbidden(String group, String resource, String name, String why) {
        String qualified = resource.isEmpty() ? "" : group.isEmpty() ? resource : resource + "." + group;
        String message = qualified.isEmpty() ? "forbidden: " + why
                : name.isEmpty() ? qualified + " is forbidden: " + why
                : qualified + " " + quote(name) + " is forbidden: " + why;
        return new StatusException(403, "Forbidden", message, new StatusException.Details(
                name.isEmpty() ? null : name, group.isEmpty() ? null : group, resource.isEmpty() ? null : resource, null, null));
    }

    /** Go's %q for the strings these messages hold. */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
