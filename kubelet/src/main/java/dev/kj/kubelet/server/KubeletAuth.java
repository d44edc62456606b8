package dev.kj.kubelet.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.client.Transport;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The kubelet API's authentication and authorization, as upstream's server/auth.go: a client
 * certificate verified against the client CA names the user (CN) and groups (O); every request is
 * then put to the API server as a SubjectAccessReview on {@code nodes/<subresource>} of this node,
 * the verb taken from the HTTP method.
 */
public final class KubeletAuth {
    /** Who asked. */
    public record User(String name, List<String> groups) {
    }

    /** The outcome; {@code reason} explains a denial. */
    public record Decision(boolean allowed, String reason) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Transport api;
    private final String nodeName;

    /** @param api the kubelet's own connection to the API server (system:node:NAME may create SubjectAccessReviews) */
    public KubeletAuth(Transport api, String nodeName) {
        this.api = api;
        this.nodeName = nodeName;
    }

    /** The user a verified client certificate names; empty without one. */
    public static Optional<User> authenticate(java.security.cert.Certificate[] chain) {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        try {
            String name = null;
            List<String> groups = new ArrayList<>();
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    name = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    groups.add(rdn.getValue().toString());
                }
            }
            if (name == null) {
                return Optional.empty();
            }
            groups.add("system:authenticated");
            return Optional.of(new User(name, List.copyOf(groups)));
        } catch (javax.naming.InvalidNameException e) {
            return Optional.empty();
        }
    }

    /** Upstream's verb for the request method. */
    public static String verb(String method) {
        return switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
        };
    }

    /** Upstream's subresource for the request path: stats, metrics, log, or proxy for everything else. */
    public static String subresource(String path) {
        if (path.equals("/stats") || path.startsWith("/stats/")) {
            return "stats";
        }
        if (path.equals("/metrics") || path.startsWith("/metrics/")) {
            return "metrics";
        }
        if (path.equals("/logs") || path.startsWith("/logs/")) {
            return "log";
        }
        return "proxy";
    }

    /** Asks the API server whether {@code user} may {@code verb} this node's {@code subresource}. */
    public Decision authorize(User user, String verb, String subresource) throws IOException {
        ObjectNode review = JSON.createObjectNode();
        review.put("apiVersion", "authorization.k8s.io/v1").put("kind", "SubjectAccessReview");
        ObjectNode spec = review.putObject("spec");
        spec.put("user", user.name());
        user.groups().forEach(spec.putArray("groups")::add);
        spec.putObject("resourceAttributes").put("verb", verb).put("resource", "nodes")
                .put("subresource", subresource).put("name", nodeName).put("version", "v1");
        try (Transport.Response response = api.send(new Transport.Request("POST",
                "/apis/authorization.k8s.io/v1/subjectaccessreviews", Map.of(),
                Map.of("content-type", "application/json", "accept", "application/json"), JSON.writeValueAsBytes(review)))) {
            JsonNode answer = JSON.readTree(response.body());
            if (response.status() / 100 != 2) {
                throw new IOException("SubjectAccessReview failed: " + response.status() + " " + answer.path("message").asText());
            }
            JsonNode status = answer.path("status");
            return new Decision(status.path("allowed").asBoolean(false), status.path("reason").asText(""));
        }
    }
}
