package dev.kj.apiserver.registry.authorization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.authz.Authorizer;
import dev.kj.apiserver.authz.AuthorizerChain;
import dev.kj.apiserver.authz.RequestAttributes;
import dev.kj.apiserver.authz.node.NodeIdentity;
import dev.kj.apiserver.authz.rbac.BootstrapPolicy;
import dev.kj.apiserver.authz.rbac.PolicyRule;
import dev.kj.apiserver.authz.rbac.RbacAuthorizer;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.registry.Verb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The review resources (create only, nothing stored): authorization.k8s.io/v1
 * SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview and
 * SelfSubjectRulesReview, and authentication.k8s.io/v1 SelfSubjectReview — what
 * {@code kubectl auth can-i} and {@code kubectl auth whoami} ask.
 */
public final class AccessReviews {
    public static final String AUTHORIZATION = "authorization.k8s.io";
    public static final String AUTHENTICATION = "authentication.k8s.io";

    private final Authorizer authorizer;
    private final RbacAuthorizer rbac;

    public AccessReviews(Authorizer authorizer, RbacAuthorizer rbac) {
        this.authorizer = authorizer;
        this.rbac = rbac;
    }

    /** What discovery lists for them (upstream serves these versions in 1.33). */
    public static List<ResourceDescription> resources() {
        return List.of(
                review(AUTHORIZATION, "LocalSubjectAccessReview", "localsubjectaccessreviews", true),
                review(AUTHORIZATION, "SelfSubjectAccessReview", "selfsubjectaccessreviews", false),
                review(AUTHORIZATION, "SelfSubjectRulesReview", "selfsubjectrulesreviews", false),
                review(AUTHORIZATION, "SubjectAccessReview", "subjectaccessreviews", false),
                review(AUTHENTICATION, "SelfSubjectReview", "selfsubjectreviews", false));
    }

    private static ResourceDescription review(String group, String kind, String plural, boolean namespaced) {
        return ResourceDescription.of(group, "v1", kind, plural, namespaced, "", List.of()).withVerbs(Set.of(Verb.CREATE));
    }

    public static boolean serves(String group, String version, String plural) {
        return version.equals("v1") && resources().stream().anyMatch(r -> r.group().equals(group) && r.plural().equals(plural));
    }

    /** Answers a create of the review {@code plural} by {@code requester}; the body is the review as sent. */
    public ObjectNode create(String plural, String namespace, ObjectNode body, User requester) {
        ObjectNode review = body.deepCopy();
        String kind = resources().stream().filter(r -> r.plural().equals(plural)).findFirst().orElseThrow().kind();
        String group = plural.equals("selfsubjectreviews") ? AUTHENTICATION : AUTHORIZATION;
        review.put("apiVersion", group + "/v1");
        review.put("kind", kind);
        ObjectNode metadata = review.has("metadata") && review.get("metadata").isObject()
                ? (ObjectNode) review.get("metadata") : review.putObject("metadata");
        if (!metadata.has("creationTimestamp")) {
            metadata.putNull("creationTimestamp");
        }
        ObjectNode spec = review.has("spec") && review.get("spec").isObject() ? (ObjectNode) review.get("spec")
                : review.putObject("spec");
        switch (plural) {
            case "selfsubjectreviews" -> {
                review.remove("spec");
                ObjectNode info = review.putObject("status").putObject("userInfo");
                info.put("username", requester.name());
                if (!requester.uid().isEmpty()) {
                    info.put("uid", requester.uid());
                }
                ArrayNode groups = info.putArray("groups");
                requester.groups().forEach(groups::add);
                if (!requester.extra().isEmpty()) {
                    ObjectNode extra = info.putObject("extra");
                    requester.extra().forEach((key, values) -> values.forEach(extra.withArray(key)::add));
                }
                return review;
            }
            case "selfsubjectrulesreviews" -> {
                return rulesReview(review, spec, requester);
            }
            case "selfsubjectaccessreviews" -> {
                checkAttributes(kind, spec);
                return decide(review, spec, requester);
            }
            case "subjectaccessreviews" -> {
                checkAttributes(kind, spec);
                checkSubject(kind, spec);
                return decide(review, spec, subject(spec));
            }
            case "localsubjectaccessreviews" -> {
                String declared = metadata.path("namespace").asText();
                if (declared.isEmpty()) {
                    metadata.put("namespace", namespace);
                } else if (!declared.equals(namespace)) {
                    throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
                }
                checkAttributes(kind, spec);
                checkSubject(kind, spec);
                List<StatusException.Cause> causes = new ArrayList<>();
                if (spec.has("nonResourceAttributes")) {
                    causes.add(new StatusException.Cause("FieldValueInvalid", "spec.nonResourceAttributes: Invalid value: "
                            + json(spec.get("nonResourceAttributes")) + ": disallowed on this kind of request",
                            "spec.nonResourceAttributes"));
                }
                String attributesNamespace = spec.path("resourceAttributes").path("namespace").asText();
                if (!attributesNamespace.equals(namespace)) {
                    causes.add(new StatusException.Cause("FieldValueInvalid", "spec.resourceAttributes.namespace: Invalid value: \""
                            + attributesNamespace + "\": must match metadata.namespace", "spec.resourceAttributes.namespace"));
                }
                if (!causes.isEmpty()) {
                    throw StatusException.invalid(kind, AUTHORIZATION, metadata.path("name").asText(), causes);
                }
                return decide(review, spec, subject(spec));
            }
            default -> throw StatusException.pathNotFound();
        }
    }

    private static String json(JsonNode value) {
        return value == null || value.isNull() ? "\"null\"" : value.toString();
    }

    /** Upstream's ValidateSelfSubjectAccessReviewSpec: exactly one of the two attribute kinds. */
    private static void checkAttributes(String kind, ObjectNode spec) {
        boolean resource = spec.path("resourceAttributes").isObject();
        boolean nonResource = spec.path("nonResourceAttributes").isObject();
        if (resource && nonResource) {
            throw StatusException.invalid(kind, AUTHORIZATION, "", List.of(new StatusException.Cause("FieldValueInvalid",
                    "spec.nonResourceAttributes: Invalid value: " + json(spec.get("nonResourceAttributes"))
                            + ": cannot be specified in combination with resourceAttributes", "spec.nonResourceAttributes")));
        }
        if (!resource && !nonResource) {
            throw StatusException.invalid(kind, AUTHORIZATION, "", List.of(new StatusException.Cause("FieldValueInvalid",
                    "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                    "spec.resourceAttributes")));
        }
    }

    private static void checkSubject(String kind, ObjectNode spec) {
        if (spec.path("user").asText().isEmpty() && spec.path("groups").isEmpty()) {
            throw StatusException.invalid(kind, AUTHORIZATION, "", List.of(new StatusException.Cause("FieldValueInvalid",
                    "spec.user: Invalid value: \"\": at least one of user or group must be specified", "spec.user")));
        }
    }

    /** The user a SubjectAccessReview asks about. */
    private static User subject(ObjectNode spec) {
        List<String> groups = new ArrayList<>();
        spec.path("groups").forEach(g -> groups.add(g.asText()));
        Map<String, List<String>> extra = new LinkedHashMap<>();
        spec.path("extra").properties().forEach(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asText()));
            extra.put(e.getKey(), values);
        });
        return new User(spec.path("user").asText(), spec.path("uid").asText(), groups, extra);
    }

    private ObjectNode decide(ObjectNode review, ObjectNode spec, User user) {
        RequestAttributes attributes;
        if (spec.path("resourceAttributes").isObject()) {
            JsonNode a = spec.get("resourceAttributes");
            attributes = new RequestAttributes(user, a.path("verb").asText(), true, a.path("group").asText(),
                    a.path("version").asText(), a.path("resource").asText(), a.path("subresource").asText(),
                    a.path("namespace").asText(), a.path("name").asText(), "", "");
        } else {
            JsonNode a = spec.get("nonResourceAttributes");
            attributes = RequestAttributes.nonResource(user, a.path("verb").asText(), a.path("path").asText());
        }
        Authorizer.Decision decision = authorizer.authorize(attributes);
        ObjectNode status = review.putObject("status");
        status.put("allowed", decision.allowed());
        if (decision.kind() == Authorizer.Decision.Kind.DENY) {
            status.put("denied", true);
        }
        if (!decision.reason().isEmpty()) {
            status.put("reason", decision.reason());
        }
        return review;
    }

    /** Every rule the requester holds in spec.namespace (upstream's SelfSubjectRulesReview). */
    private ObjectNode rulesReview(ObjectNode review, ObjectNode spec, User user) {
        String namespace = spec.path("namespace").asText();
        List<PolicyRule> rules = new ArrayList<>();
        if (user.groups().contains(AuthorizerChain.PRIVILEGED_GROUP)) {
            rules.add(new PolicyRule(List.of("*"), List.of("*"), List.of("*"), List.of(), List.of()));
            rules.add(new PolicyRule(List.of("*"), List.of(), List.of(), List.of(), List.of("*")));
        }
        if (NodeIdentity.nodeName(user).isPresent()) {
            BootstrapPolicy.clusterRoles().stream().filter(role -> role.name().equals("system:node"))
                    .forEach(role -> rules.addAll(role.rules()));
        }
        List<String> errors = new ArrayList<>();
        rules.addAll(rbac.rulesFor(user, namespace, errors));
        ObjectNode status = review.putObject("status");
        ArrayNode resourceRules = status.putArray("resourceRules");
        ArrayNode nonResourceRules = status.putArray("nonResourceRules");
        for (PolicyRule rule : rules) {
            if (!rule.resources().isEmpty()) {
                ObjectNode out = resourceRules.addObject();
                strings(out, "verbs", rule.verbs(), true);
                strings(out, "apiGroups", rule.apiGroups(), false);
                strings(out, "resources", rule.resources(), false);
                strings(out, "resourceNames", rule.resourceNames(), false);
            }
            if (!rule.nonResourceURLs().isEmpty()) {
                ObjectNode out = nonResourceRules.addObject();
                strings(out, "verbs", rule.verbs(), true);
                strings(out, "nonResourceURLs", rule.nonResourceURLs(), false);
            }
        }
        status.put("incomplete", !errors.isEmpty());
        if (!errors.isEmpty()) {
            status.put("evaluationError", String.join(", ", errors));
        }
        return review;
    }

    private static void strings(ObjectNode out, String field, List<String> values, boolean always) {
        if (always || !values.isEmpty()) {
            ArrayNode array = out.putArray(field);
            values.forEach(array::add);
        }
    }
}
