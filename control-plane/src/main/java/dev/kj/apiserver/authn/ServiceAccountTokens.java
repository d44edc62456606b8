package dev.kj.apiserver.authn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Service-account JWTs, issued and verified with the sa key pair (RS256, as upstream).
 *
 * <p>Bound tokens (TokenRequest) carry upstream's claims: iss, sub, aud, exp, iat, nbf, jti and a
 * {@code kubernetes.io} claim naming the namespace, the service account and the Pod, Secret or
 * Node they are bound to, each by name and uid. Legacy tokens (those stored in
 * kubernetes.io/service-account-token Secrets) have issuer {@code kubernetes/serviceaccount}, the
 * {@code kubernetes.io/serviceaccount/*} claims and no expiry. Verifying reads the service account
 * and the bound objects from storage: an object deleted (longer ago than the one-minute leeway
 * upstream allows) or recreated under another uid revokes the token.
 */
public final class ServiceAccountTokens implements TokenAuthenticator {
    /** Upstream's default --service-account-issuer as k3s sets it; also the default API audience. */
    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    public static final String LEGACY_ISSUER = "kubernetes/serviceaccount";
    /** go-jose's default leeway for exp, nbf and iat, which upstream's validator uses. */
    static final Duration LEEWAY = Duration.ofMinutes(1);
    public static final String PREFIX = "system:serviceaccount:";
    public static final String ALL_GROUP = "system:serviceaccounts";
    public static final String POD_NAME = "authentication.kubernetes.io/pod-name";
    public static final String POD_UID = "authentication.kubernetes.io/pod-uid";
    public static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    public static final String NODE_UID = "authentication.kubernetes.io/node-uid";
    public static final String CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";
    private static final String LEGACY = "kubernetes.io/serviceaccount/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final KeyPair keys;
    private final String keyId;
    private final ObjectLookup lookup;
    private final Clock clock;

    public ServiceAccountTokens(String issuer, KeyPair keys, ObjectLookup lookup, Clock clock) {
        this.issuer = issuer;
        this.keys = keys;
        this.keyId = Jwt.keyId(keys.getPublic());
        this.lookup = lookup;
        this.clock = clock;
    }

    public String issuer() {
        return issuer;
    }

    /** An object a bound token names: kind Pod, Secret or Node, its name and uid. */
    public record Binding(String kind, String name, String uid) {
    }

    /** A token signed for a TokenRequest. */
    public record Issued(String token, Instant expiration) {
    }

    /**
     * @param bound     the Pod, Secret or Node, or null
     * @param podNode   for a Pod binding, the node it runs on (upstream adds it to the claims), or null
     */
    public Issued issue(String namespace, String name, String uid, List<String> audiences, Duration lifetime,
                        Binding bound, Binding podNode) {
        Instant now = clock.instant();
        Instant expiry = now.plus(lifetime);
        ObjectNode claims = JSON.createObjectNode();
        ArrayNode aud = claims.putArray("aud");
        audiences.forEach(aud::add);
        claims.put("exp", expiry.getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        claims.put("iss", issuer);
        claims.put("jti", UUID.randomUUID().toString());
        ObjectNode kubernetes = claims.putObject("kubernetes.io");
        kubernetes.put("namespace", namespace);
        if (bound != null) {
            ref(kubernetes, bound.kind().toLowerCase(java.util.Locale.ROOT), bound);
        }
        if (podNode != null) {
            ref(kubernetes, "node", podNode);
        }
        ref(kubernetes, "serviceaccount", new Binding("ServiceAccount", name, uid));
        claims.put("nbf", now.getEpochSecond());
        claims.put("sub", PREFIX + namespace + ":" + name);
        return new Issued(Jwt.sign(claims, keys.getPrivate(), keyId), Instant.ofEpochSecond(expiry.getEpochSecond()));
    }

    private static void ref(ObjectNode kubernetes, String field, Binding binding) {
        kubernetes.putObject(field).put("name", binding.name()).put("uid", binding.uid());
    }

    /** The token the legacy token controller stores in a kubernetes.io/service-account-token Secret. */
    public String legacy(String namespace, String name, String uid, String secretName) {
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", LEGACY_ISSUER);
        claims.put(LEGACY + "namespace", namespace);
        claims.put(LEGACY + "secret.name", secretName);
        claims.put(LEGACY + "service-account.name", name);
        claims.put(LEGACY + "service-account.uid", uid);
        claims.put("sub", PREFIX + namespace + ":" + name);
        return Jwt.sign(claims, keys.getPrivate(), keyId);
    }

    @Override
    public Optional<Authenticated> authenticate(String token, List<String> audiences) throws InvalidCredentialsException {
        Optional<Jwt.Parsed> parsed = Jwt.parse(token);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode claims = parsed.get().claims();
        String iss = claims.path("iss").asText("");
        boolean legacy = iss.equals(LEGACY_ISSUER);
        if (!legacy && !iss.equals(issuer)) {
            return Optional.empty(); // another issuer's token: some other authenticator's
        }
        if (!parsed.get().verifies(keys.getPublic())) {
            throw new InvalidCredentialsException("service account token could not be verified: invalid signature");
        }
        List<String> tokenAudiences = new ArrayList<>();
        claims.path("aud").forEach(a -> tokenAudiences.add(a.asText()));
        if (claims.path("aud").isTextual()) {
            tokenAudiences.add(claims.path("aud").asText());
        }
        List<String> apiAudiences = List.of(issuer);
        if (tokenAudiences.isEmpty()) {
            tokenAudiences.addAll(apiAudiences); // only the API server's audiences for tokens without any
        }
        List<String> wanted = audiences.isEmpty() ? apiAudiences : audiences;
        List<String> granted = tokenAudiences.stream().filter(wanted::contains).distinct().toList();
        if (granted.isEmpty()) {
            throw new InvalidCredentialsException("token audiences " + quoted(tokenAudiences)
                    + " is invalid for the target audiences " + quoted(wanted));
        }
        User user = legacy ? legacyUser(token, claims) : boundUser(claims);
        return Optional.of(new Authenticated(user, granted));
    }

    private User boundUser(ObjectNode claims) throws InvalidCredentialsException {
        Instant now = clock.instant();
        if (claims.has("exp") && now.isAfter(Instant.ofEpochSecond(claims.path("exp").asLong()).plus(LEEWAY))) {
            throw new InvalidCredentialsException("service account token has expired");
        }
        if (claims.has("nbf") && now.plus(LEEWAY).isBefore(Instant.ofEpochSecond(claims.path("nbf").asLong()))) {
            throw new InvalidCredentialsException("service account token is not valid yet");
        }
        if (claims.has("iat") && now.plus(LEEWAY).isBefore(Instant.ofEpochSecond(claims.path("iat").asLong()))) {
            throw new InvalidCredentialsException("service account token is issued in the future");
        }
        JsonNode kubernetes = claims.path("kubernetes.io");
        String namespace = kubernetes.path("namespace").asText("");
        String name = kubernetes.path("serviceaccount").path("name").asText("");
        String uid = kubernetes.path("serviceaccount").path("uid").asText("");
        if (namespace.isEmpty() || name.isEmpty()) {
            throw new InvalidCredentialsException("service account token is missing its kubernetes.io claims");
        }
        if (!claims.path("sub").asText().equals(PREFIX + namespace + ":" + name)) {
            throw new InvalidCredentialsException("service account token's subject does not match its claims");
        }
        Instant deletedBefore = now.minus(LEEWAY);
        ObjectNode account = live("serviceaccounts", namespace, name, "service account", deletedBefore);
        check(account, uid, "service account");
        Map<String, List<String>> extra = new LinkedHashMap<>();
        if (kubernetes.has("secret")) {
            ObjectNode secret = live("secrets", namespace, kubernetes.path("secret").path("name").asText(), "secret",
                    deletedBefore);
            check(secret, kubernetes.path("secret").path("uid").asText(), "secret");
        }
        if (kubernetes.has("pod")) {
            String podName = kubernetes.path("pod").path("name").asText();
            ObjectNode pod = live("pods", namespace, podName, "pod", deletedBefore);
            check(pod, kubernetes.path("pod").path("uid").asText(), "pod");
            extra.put(POD_NAME, List.of(podName));
            extra.put(POD_UID, List.of(kubernetes.path("pod").path("uid").asText()));
        }
        if (kubernetes.has("node")) {
            String nodeName = kubernetes.path("node").path("name").asText();
            // a node named beside a pod is informative only (the pod is the binding); bound to a node, it must exist
            if (!kubernetes.has("pod")) {
                ObjectNode node = live("nodes", null, nodeName, "node", deletedBefore);
                check(node, kubernetes.path("node").path("uid").asText(), "node");
            }
            extra.put(NODE_NAME, List.of(nodeName));
            extra.put(NODE_UID, List.of(kubernetes.path("node").path("uid").asText()));
        }
        if (!claims.path("jti").asText("").isEmpty()) {
            extra.put(CREDENTIAL_ID, List.of("JTI=" + claims.path("jti").asText()));
        }
        return new User(PREFIX + namespace + ":" + name, uid, groups(namespace), extra);
    }

    private User legacyUser(String token, ObjectNode claims) throws InvalidCredentialsException {
        String namespace = claims.path(LEGACY + "namespace").asText("");
        String secretName = claims.path(LEGACY + "secret.name").asText("");
        String name = claims.path(LEGACY + "service-account.name").asText("");
        String uid = claims.path(LEGACY + "service-account.uid").asText("");
        if (namespace.isEmpty()) {
            throw new InvalidCredentialsException("namespace claim is missing");
        }
        if (secretName.isEmpty()) {
            throw new InvalidCredentialsException("secretName claim is missing");
        }
        if (name.isEmpty()) {
            throw new InvalidCredentialsException("serviceAccountName claim is missing");
        }
        if (uid.isEmpty()) {
            throw new InvalidCredentialsException("serviceAccountUID claim is missing");
        }
        if (!claims.path("sub").asText().equals(PREFIX + namespace + ":" + name)) {
            throw new InvalidCredentialsException("sub claim does not match the service account");
        }
        Optional<ObjectNode> secret = lookup.get("secrets", namespace, secretName);
        if (secret.isEmpty() || secret.get().path("metadata").has("deletionTimestamp")) {
            throw new InvalidCredentialsException("Token has been invalidated");
        }
        String stored = secret.get().path("data").path("token").asText("");
        byte[] storedToken;
        try {
            storedToken = Base64.getDecoder().decode(stored);
        } catch (IllegalArgumentException e) {
            storedToken = new byte[0];
        }
        if (!MessageDigest.isEqual(storedToken, token.getBytes(StandardCharsets.UTF_8))) {
            throw new InvalidCredentialsException("Token does not match server's copy");
        }
        Optional<ObjectNode> account = lookup.get("serviceaccounts", namespace, name);
        if (account.isEmpty() || account.get().path("metadata").has("deletionTimestamp")) {
            throw new InvalidCredentialsException("Token has been invalidated");
        }
        String liveUid = account.get().path("metadata").path("uid").asText();
        if (!liveUid.equals(uid)) {
            throw new InvalidCredentialsException("ServiceAccount UID (" + liveUid + ") does not match claim (" + uid + ")");
        }
        return new User(PREFIX + namespace + ":" + name, uid, groups(namespace), Map.of());
    }

    private ObjectNode live(String resource, String namespace, String name, String what, Instant deletedBefore)
            throws InvalidCredentialsException {
        Optional<ObjectNode> object = lookup.get(resource, namespace, name);
        String where = namespace == null ? name : namespace + "/" + name;
        if (object.isEmpty()) {
            throw new InvalidCredentialsException(resource + " \"" + name + "\" not found");
        }
        String deletion = object.get().path("metadata").path("deletionTimestamp").asText("");
        if (!deletion.isEmpty() && Instant.parse(deletion).isBefore(deletedBefore)) {
            throw new InvalidCredentialsException(what + " " + where + " has been deleted");
        }
        return object.get();
    }

    private static void check(ObjectNode object, String claimed, String what) throws InvalidCredentialsException {
        String uid = object.path("metadata").path("uid").asText();
        if (!uid.equals(claimed)) {
            String label = what.equals("service account") ? "service account" : what;
            throw new InvalidCredentialsException(label + " UID (" + uid + ") does not match claim (" + claimed + ")");
        }
    }

    private static List<String> groups(String namespace) {
        return List.of(ALL_GROUP, ALL_GROUP + ":" + namespace);
    }

    private static String quoted(List<String> values) {
        return "[" + String.join(" ", values.stream().map(v -> "\"" + v + "\"").toList()) + "]";
    }

    /** The key set /openid/v1/jwks serves (RFC 7517). */
    public ObjectNode jwks() {
        RSAPublicKey key = (RSAPublicKey) keys.getPublic();
        ObjectNode set = JSON.createObjectNode();
        set.putArray("keys").addObject()
                .put("use", "sig").put("kty", "RSA").put("kid", keyId).put("alg", "RS256")
                .put("n", Jwt.base64Url(unsigned(key.getModulus().toByteArray())))
                .put("e", Jwt.base64Url(unsigned(key.getPublicExponent().toByteArray())));
        return set;
    }

    /** /.well-known/openid-configuration for this issuer, its keys at {@code jwksUri}. */
    public ObjectNode openIdConfiguration(String jwksUri) {
        ObjectNode document = JSON.createObjectNode();
        document.put("issuer", issuer);
        document.put("jwks_uri", jwksUri);
        document.putArray("response_types_supported").add("id_token");
        document.putArray("subject_types_supported").add("public");
        document.putArray("id_token_signing_alg_values_supported").add("RS256");
        return document;
    }

    private static byte[] unsigned(byte[] twosComplement) {
        return twosComplement.length > 1 && twosComplement[0] == 0
                ? java.util.Arrays.copyOfRange(twosComplement, 1, twosComplement.length) : twosComplement;
    }
}
