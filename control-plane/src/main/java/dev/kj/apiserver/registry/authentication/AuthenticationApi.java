package dev.kj.apiserver.registry.authentication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.Authenticated;
import dev.kj.apiserver.authn.InvalidCredentialsException;
import dev.kj.apiserver.authn.ObjectLookup;
import dev.kj.apiserver.authn.RequestAuthenticator;
import dev.kj.apiserver.authn.ServiceAccountTokens;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.errors.StatusException.Cause;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * authentication.k8s.io/v1's request-only endpoints, as upstream's registry answers them:
 * {@code serviceaccounts/<name>/token} (TokenRequest: a bound service-account token) and
 * {@code tokenreviews} (is this token valid, and whose is it), plus the service-account issuer's
 * OpenID discovery documents.
 */
public final class AuthenticationApi {
    /** Upstream's default spec.expirationSeconds. */
    static final long DEFAULT_EXPIRATION_SECONDS = 3600;
    static final long MIN_EXPIRATION_SECONDS = 600;
    static final long MAX_EXPIRATION_SECONDS = 1L << 32;
    private static final String GROUP = "authentication.k8s.io";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServiceAccountTokens tokens;
    private final RequestAuthenticator authenticator;
    /** (plural, namespace, name) → the live object or 404 with upstream's status. */
    private final Getter getter;
    private final Clock clock;

    /** Reads an object as the API would answer GET: throws 404 StatusExceptions. */
    @FunctionalInterface
    public interface Getter {
        ObjectNode get(String resource, String namespace, String name);

        /** The same, for authenticators: missing objects are empty. */
        default ObjectLookup lookup() {
            return (resource, namespace, name) -> {
                try {
                    return Optional.of(get(resource, namespace, name));
                } catch (StatusException e) {
                    if (e.code() == 404) {
                        return Optional.empty();
                    }
                    throw e;
                }
            };
        }
    }

    public AuthenticationApi(ServiceAccountTokens tokens, RequestAuthenticator authenticator, Getter getter, Clock clock) {
        this.tokens = tokens;
        this.authenticator = authenticator;
        this.getter = getter;
        this.clock = clock;
    }

    /** POST serviceaccounts/{name}/token: the TokenRequest with spec defaulted and status filled (answered 201). */
    public ObjectNode tokenRequest(String namespace, String name, ObjectNode request, List<String> warnings) {
        ObjectNode metadata = request.with("metadata");
        if (!metadata.path("name").asText("").isEmpty() && !metadata.path("name").asText().equals(name)) {
            throw StatusException.invalid("TokenRequest", GROUP, name, List.of(new Cause("FieldValueInvalid",
                    "metadata.name: Invalid value: \"" + metadata.path("name").asText()
                            + "\": must match the service account name if specified", "metadata.name")));
        }
        if (!metadata.path("namespace").asText("").isEmpty() && !metadata.path("namespace").asText().equals(namespace)) {
            throw StatusException.invalid("TokenRequest", GROUP, name, List.of(new Cause("FieldValueInvalid",
                    "metadata.namespace: Invalid value: \"" + metadata.path("namespace").asText()
                            + "\": must match the service account namespace if specified", "metadata.namespace")));
        }
        ObjectNode account = getter.get("serviceaccounts", namespace, name);
        ObjectNode spec = request.with("spec");
        if (!spec.path("audiences").isArray() || spec.path("audiences").isEmpty()) {
            ArrayNode audiences = spec.putArray("audiences");
            authenticator.apiAudiences().forEach(audiences::add);
        }
        if (!spec.path("expirationSeconds").canConvertToLong()) {
            spec.put("expirationSeconds", DEFAULT_EXPIRATION_SECONDS);
        }
        metadata.put("name", account.path("metadata").path("name").asText());
        metadata.put("namespace", namespace);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        metadata.put("creationTimestamp", DateTimeFormatter.ISO_INSTANT.format(now));
        request.remove("status");
        long seconds = spec.path("expirationSeconds").asLong();
        List<Cause> invalid = new ArrayList<>();
        if (seconds < MIN_EXPIRATION_SECONDS) {
            invalid.add(new Cause("FieldValueInvalid", "spec.expirationSeconds: Invalid value: " + seconds
                    + ": may not specify a duration less than 10 minutes", "spec.expirationSeconds"));
        }
        if (seconds > MAX_EXPIRATION_SECONDS) {
            invalid.add(new Cause("FieldValueInvalid", "spec.expirationSeconds: Invalid value: " + seconds
                    + ": may not specify a duration larger than 2^32 seconds", "spec.expirationSeconds"));
        }
        if (!invalid.isEmpty()) {
            throw StatusException.invalid("TokenRequest", GROUP, "", invalid);
        }
        ServiceAccountTokens.Binding bound = null;
        ServiceAccountTokens.Binding podNode = null;
        JsonNode ref = spec.path("boundObjectRef");
        if (ref.isObject()) {
            String apiVersion = ref.path("apiVersion").asText("");
            String kind = ref.path("kind").asText("");
            String refName = ref.path("name").asText("");
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
            ObjectNode object = switch (group.isEmpty() ? kind : "") {
                case "Pod" -> {
                    ObjectNode pod = getter.get("pods", namespace, refName);
                    if (!pod.path("spec").path("serviceAccountName").asText("").equals(name)) {
                        throw StatusException.badRequest("cannot bind token for serviceaccount \"" + name
                                + "\" to pod running with different serviceaccount name.");
                    }
                    String nodeName = pod.path("spec").path("nodeName").asText("");
                    if (!nodeName.isEmpty()) {
                        // the node is informative here; a pod on a node not (or no longer) registered still gets its token
                        Optional<ObjectNode> node = getter.lookup().get("nodes", null, nodeName);
                        if (node.isPresent()) {
                            podNode = new ServiceAccountTokens.Binding("Node", nodeName,
                                    node.get().path("metadata").path("uid").asText());
                        }
                    }
                    yield pod;
                }
                case "Secret" -> getter.get("secrets", namespace, refName);
                case "Node" -> getter.get("nodes", null, refName);
                default -> throw StatusException.badRequest("cannot bind token to object of type " + group + "/" + version
                        + ", Kind=" + kind);
            };
            String uid = object.path("metadata").path("uid").asText();
            String wanted = ref.path("uid").asText("");
            if (!wanted.isEmpty() && !wanted.equals(uid)) {
                throw StatusException.conflict(kind + (group.isEmpty() ? "" : "." + group), group, kind, refName,
                        "the UID in the bound object reference (" + wanted + ") does not match the UID in record."
                                + " The object might have been deleted and then recreated");
            }
            bound = new ServiceAccountTokens.Binding(kind, refName, uid);
        }
        List<String> audiences = new ArrayList<>();
        spec.path("audiences").forEach(a -> audiences.add(a.asText()));
        ServiceAccountTokens.Issued issued = tokens.issue(namespace, name, account.path("metadata").path("uid").asText(),
                audiences, Duration.ofSeconds(seconds), bound, podNode);
        ObjectNode status = request.putObject("status");
        status.put("token", issued.token());
        status.put("expirationTimestamp", DateTimeFormatter.ISO_INSTANT.format(now.plusSeconds(seconds)));
        request.put("kind", "TokenRequest");
        request.put("apiVersion", GROUP + "/v1");
        return request;
    }

    /** POST tokenreviews: the review with its status (answered 201). */
    public ObjectNode tokenReview(ObjectNode review) {
        String token = review.path("spec").path("token").asText("");
        if (token.isEmpty()) {
            throw StatusException.badRequest("token is required for TokenReview in authentication");
        }
        List<String> audiences = new ArrayList<>();
        review.path("spec").path("audiences").forEach(a -> audiences.add(a.asText()));
        List<String> wanted = audiences.isEmpty() ? authenticator.apiAudiences() : audiences;
        ObjectNode status = JSON.createObjectNode();
        ObjectNode user = status.putObject("user");
        try {
            Authenticated result = authenticator.authenticateToken(token, wanted);
            if (result.audiences().stream().noneMatch(wanted::contains)) {
                throw StatusException.internal("token audiences don't match the wanted audiences");
            }
            status.put("authenticated", true);
            user.put("username", result.user().name());
            if (!result.user().uid().isEmpty()) {
                user.put("uid", result.user().uid());
            }
            ArrayNode groups = user.putArray("groups");
            result.user().groups().forEach(groups::add);
            if (!result.user().extra().isEmpty()) {
                ObjectNode extra = user.putObject("extra");
                for (Map.Entry<String, List<String>> entry : new java.util.TreeMap<>(result.user().extra()).entrySet()) {
                    ArrayNode values = extra.putArray(entry.getKey());
                    entry.getValue().forEach(values::add);
                }
            }
            ArrayNode granted = status.putArray("audiences");
            result.audiences().forEach(granted::add);
        } catch (InvalidCredentialsException e) {
            status.put("error", e.getMessage());
        }
        review.put("kind", "TokenReview");
        review.put("apiVersion", GROUP + "/v1");
        review.with("metadata").putNull("creationTimestamp");
        review.set("status", status);
        return review;
    }

    public ObjectNode jwks() {
        return tokens.jwks();
    }

    /** @param externalAddress host:port this server is reached at */
    public ObjectNode openIdConfiguration(String externalAddress) {
        return tokens.openIdConfiguration("https://" + externalAddress + "/openid/v1/jwks");
    }
}
