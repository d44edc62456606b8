package dev.kj.apiserver.authn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.apiserver.testing.TestServer;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication against a live server over HTTPS: service-account tokens from TokenRequest (bound
 * and not), legacy Secret tokens, the server's bootstrap join token, TokenReview, the issuer's
 * OpenID documents, and every kind of bad credential answered 401 with upstream's Status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNAUTHORIZED = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";

    private TestServer server;
    private HttpClient admin;
    private HttpClient bare;
    private Path pki;
    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logged) {
                logged.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Logger.getLogger("").addHandler(capture);
        Logger.getLogger("dev.kj.apiserver.authn").setLevel(java.util.logging.Level.ALL);
        server = TestServer.start(dir);
        admin = server.admin();
        bare = server.anonymous();
        pki = dir.resolve("data/pki");
        for (String body : List.of(
                "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"team\"}}")) {
            send(admin, "POST", "/api/v1/namespaces", body, null);
        }
    }

    @AfterAll
    void stop() {
        Logger.getLogger("").removeHandler(capture);
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(HttpClient client, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode created(HttpResponse<String> response) throws Exception {
        assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response::body);
        return JSON.readTree(response.body());
    }

    private JsonNode serviceAccount(String namespace, String name) throws Exception {
        return created(send(admin, "POST", "/api/v1/namespaces/" + namespace + "/serviceaccounts",
                "{\"metadata\":{\"name\":\"" + name + "\"}}", null));
    }

    private String tokenFor(String namespace, String name, String spec) throws Exception {
        JsonNode request = created(send(admin, "POST", "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + name + "/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":" + spec + "}", null));
        return request.path("status").path("token").asText();
    }

    private JsonNode review(String token, String audiences) throws Exception {
        HttpResponse<String> response = send(admin, "POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\""
                        + (audiences == null ? "" : ",\"audiences\":" + audiences) + "}}", null);
        assertEquals(201, response.statusCode(), response.body());
        return JSON.readTree(response.body()).path("status");
    }

    /** Who the server takes the token's bearer for (SelfSubjectReview, which RBAC grants every authenticated user). */
    private String whoami(String token) throws Exception {
        HttpResponse<String> response = send(bare, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}", token);
        assertEquals(201, response.statusCode(), response.body());
        return JSON.readTree(response.body()).path("status").path("userInfo").path("username").asText();
    }

    private void assertUnauthorized(String token) throws Exception {
        HttpResponse<String> response = send(bare, "GET", "/api/v1/namespaces/team/configmaps", null, token);
        assertEquals(401, response.statusCode(), response.body());
        assertEquals(UNAUTHORIZED, response.body());
    }

    @Test
    void aTokenRequestTokenAuthenticatesAsItsServiceAccountWithUpstreamsClaims() throws Exception {
        JsonNode account = serviceAccount("team", "builder");
        HttpResponse<String> issued = send(admin, "POST", "/api/v1/namespaces/team/serviceaccounts/builder/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}", null);
        assertEquals(201, issued.statusCode(), issued.body());
        JsonNode request = JSON.readTree(issued.body());
        assertEquals("TokenRequest", request.path("kind").asText());
        assertEquals(List.of("https://kubernetes.default.svc.cluster.local"),
                JSON.convertValue(request.path("spec").path("audiences"), List.class));
        assertEquals(3600, request.path("spec").path("expirationSeconds").asLong());
        Instant expiry = Instant.parse(request.path("status").path("expirationTimestamp").asText());
        assertTrue(expiry.isAfter(Instant.now().plusSeconds(3500)) && expiry.isBefore(Instant.now().plusSeconds(3700)), expiry::toString);
        String token = request.path("status").path("token").asText();

        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
        assertEquals("RS256", header.path("alg").asText());
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertEquals("https://kubernetes.default.svc.cluster.local", claims.path("iss").asText());
        assertEquals("system:serviceaccount:team:builder", claims.path("sub").asText());
        assertEquals(account.path("metadata").path("uid").asText(),
                claims.path("kubernetes.io").path("serviceaccount").path("uid").asText());
        assertEquals(claims.path("iat").asLong() + 3600, claims.path("exp").asLong());

        assertEquals("system:serviceaccount:team:builder", whoami(token));

        JsonNode status = review(token, null);
        assertTrue(status.path("authenticated").asBoolean(), status::toString);
        assertEquals("system:serviceaccount:team:builder", status.path("user").path("username").asText());
        assertEquals(account.path("metadata").path("uid").asText(), status.path("user").path("uid").asText());
        assertEquals(List.of("system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"),
                JSON.convertValue(status.path("user").path("groups"), List.class));
        assertEquals("JTI=" + claims.path("jti").asText(),
                status.path("user").path("extra").path("authentication.kubernetes.io/credential-id").get(0).asText());
        assertEquals(List.of("https://kubernetes.default.svc.cluster.local"), JSON.convertValue(status.path("audiences"), List.class));
    }

    @Test
    void audiencesAreChecked() throws Exception {
        serviceAccount("team", "vault");
        String token = tokenFor("team", "vault", "{\"audiences\":[\"vault\"]}");
        JsonNode forVault = review(token, "[\"vault\",\"other\"]");
        assertTrue(forVault.path("authenticated").asBoolean(), forVault::toString);
        assertEquals(List.of("vault"), JSON.convertValue(forVault.path("audiences"), List.class));
        JsonNode forApi = review(token, null);
        assertFalse(forApi.path("authenticated").asBoolean());
        assertEquals("token audiences [\"vault\"] is invalid for the target audiences [\"https://kubernetes.default.svc.cluster.local\"]",
                forApi.path("error").asText());
        assertUnauthorized(token); // not a credential for the API server
    }

    @Test
    void aPodBoundTokenNamesThePodAndDiesWithIt() throws Exception {
        serviceAccount("team", "runner");
        JsonNode pod = created(send(admin, "POST", "/api/v1/namespaces/team/pods", """
                {"metadata":{"name":"job"},"spec":{"serviceAccountName":"runner","containers":[{"name":"c","image":"busybox"}]}}
                """, null));
        String token = tokenFor("team", "runner", "{\"boundObjectRef\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"job\"}}");
        JsonNode status = review(token, null);
        assertTrue(status.path("authenticated").asBoolean(), status::toString);
        assertEquals("job", status.path("user").path("extra").path("authentication.kubernetes.io/pod-name").get(0).asText());
        assertEquals(pod.path("metadata").path("uid").asText(),
                status.path("user").path("extra").path("authentication.kubernetes.io/pod-uid").get(0).asText());

        HttpResponse<String> otherAccount = send(admin, "POST", "/api/v1/namespaces/team/serviceaccounts/builder2/token",
                "{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"job\"}}}", null);
        assertEquals(404, otherAccount.statusCode(), otherAccount.body());
        HttpResponse<String> wrongUid = send(admin, "POST", "/api/v1/namespaces/team/serviceaccounts/runner/token",
                "{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"job\",\"uid\":\"nope\"}}}", null);
        assertEquals(409, wrongUid.statusCode(), wrongUid.body());
        HttpResponse<String> configMap = send(admin, "POST", "/api/v1/namespaces/team/serviceaccounts/runner/token",
                "{\"spec\":{\"boundObjectRef\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"name\":\"job\"}}}", null);
        assertEquals(400, configMap.statusCode(), configMap.body());
        assertEquals("cannot bind token to object of type /v1, Kind=ConfigMap", JSON.readTree(configMap.body()).path("message").asText());

        HttpResponse<String> deleted = send(admin, "DELETE", "/api/v1/namespaces/team/pods/job?gracePeriodSeconds=0", null, null);
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertUnauthorized(token);
        assertEquals("pods \"job\" not found", review(token, null).path("error").asText());
    }

    @Test
    void deletingTheServiceAccountRevokesItsTokens() throws Exception {
        serviceAccount("team", "temp");
        String token = tokenFor("team", "temp", "{}");
        assertEquals("system:serviceaccount:team:temp", whoami(token));
        assertEquals(200, send(admin, "DELETE", "/api/v1/namespaces/team/serviceaccounts/temp", null, null).statusCode());
        assertUnauthorized(token);
        serviceAccount("team", "temp"); // the same name again, another uid
        assertUnauthorized(token);
        assertTrue(review(token, null).path("error").asText().startsWith("service account UID ("));
    }

    @Test
    void expiredForgedAndTamperedTokensAreRefused() throws Exception {
        JsonNode account = serviceAccount("team", "victim");
        String uid = account.path("metadata").path("uid").asText();
        KeyPair serverKeys = ClusterPki.ensure(pki).serviceAccountKeys();
        // issued two hours ago for one hour: past exp plus upstream's one-minute leeway
        ServiceAccountTokens past = new ServiceAccountTokens(ServiceAccountTokens.ISSUER, serverKeys, (r, n, m) -> Optional.empty(),
                Clock.fixed(Instant.now().minusSeconds(7200), ZoneOffset.UTC));
        String expired = past.issue("team", "victim", uid, List.of(ServiceAccountTokens.ISSUER), java.time.Duration.ofHours(1),
                null, null).token();
        assertUnauthorized(expired);
        assertEquals("service account token has expired", review(expired, null).path("error").asText());

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        ServiceAccountTokens forger = new ServiceAccountTokens(ServiceAccountTokens.ISSUER, rsa.generateKeyPair(),
                (r, n, m) -> Optional.empty(), Clock.systemUTC());
        String forged = forger.issue("team", "victim", uid, List.of(ServiceAccountTokens.ISSUER), java.time.Duration.ofHours(1),
                null, null).token();
        assertUnauthorized(forged);

        String genuine = tokenFor("team", "victim", "{}");
        String[] parts = genuine.split("\\.");
        ObjectNode claims = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        claims.put("sub", "system:serviceaccount:kube-system:admin");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(claims))
                + "." + parts[2];
        assertUnauthorized(tampered);
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".";
        assertUnauthorized(none);
        assertUnauthorized("not-a-token-at-all");

        // a bad credential is refused even where anonymous requests are welcome, as upstream
        HttpResponse<String> health = send(bare, "GET", "/healthz", null, forged);
        assertEquals(401, health.statusCode());
        assertEquals(200, send(bare, "GET", "/healthz", null, null).statusCode());
        // no credentials at all: system:anonymous, which RBAC refuses here (403, not 401)
        HttpResponse<String> anonymous = send(bare, "GET", "/api/v1/namespaces", null, null);
        assertEquals(403, anonymous.statusCode(), anonymous.body());
        assertTrue(anonymous.body().contains("User \\\"system:anonymous\\\" cannot list resource"), anonymous.body());

        synchronized (logged) {
            assertTrue(logged.stream().anyMatch(l -> l.contains("Unable to authenticate the request")), logged::toString);
            for (String token : List.of(expired, forged, tampered, genuine)) {
                for (String part : token.split("\\.")) {
                    assertTrue(logged.stream().noneMatch(l -> l.contains(part)), "a log line holds token material");
                }
            }
        }
    }

    @Test
    void legacySecretTokensNeedTheirSecretAndServiceAccount() throws Exception {
        JsonNode account = serviceAccount("team", "old");
        KeyPair serverKeys = ClusterPki.ensure(pki).serviceAccountKeys();
        ServiceAccountTokens signer = new ServiceAccountTokens(ServiceAccountTokens.ISSUER, serverKeys,
                (r, n, m) -> Optional.empty(), Clock.systemUTC());
        String token = signer.legacy("team", "old", account.path("metadata").path("uid").asText(), "old-token");
        created(send(admin, "POST", "/api/v1/namespaces/team/secrets", JSON.writeValueAsString(Map.of(
                "metadata", Map.of("name", "old-token", "annotations", Map.of("kubernetes.io/service-account.name", "old",
                        "kubernetes.io/service-account.uid", account.path("metadata").path("uid").asText())),
                "type", "kubernetes.io/service-account-token",
                "data", Map.of("token", Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))))), null));
        assertEquals("system:serviceaccount:team:old", whoami(token));
        JsonNode status = review(token, null);
        assertEquals("system:serviceaccount:team:old", status.path("user").path("username").asText(), status::toString);
        assertEquals(200, send(admin, "DELETE", "/api/v1/namespaces/team/secrets/old-token", null, null).statusCode());
        assertUnauthorized(token);
        assertEquals("Token has been invalidated", review(token, null).path("error").asText());
    }

    @Test
    void theJoinTokenIsABootstrapTokenInItsSecret() throws Exception {
        String file = Files.readString(pki.resolveSibling("token")).strip();
        assertTrue(file.matches("K10[0-9a-f]{64}::[a-z0-9]{6}\\.[a-z0-9]{16}"), "DIR/token holds K10<hash>::<id>.<secret>");
        String bootstrap = file.substring(file.indexOf("::") + 2);
        String id = bootstrap.substring(0, 6);
        JsonNode secret = JSON.readTree(send(admin, "GET", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + id,
                null, null).body());
        assertEquals("bootstrap.kubernetes.io/token", secret.path("type").asText());
        JsonNode status = review(bootstrap, null);
        assertTrue(status.path("authenticated").asBoolean(), status::toString);
        assertEquals("system:bootstrap:" + id, status.path("user").path("username").asText());
        assertEquals(List.of("system:bootstrappers", "system:bootstrappers:kj:default-node-token", "system:authenticated"),
                JSON.convertValue(status.path("user").path("groups"), List.class));
        assertEquals("system:bootstrap:" + id, whoami(bootstrap));
        assertUnauthorized(id + ".0000000000000000");

        // an expired bootstrap token is no credential
        String expiredSecret = Base64.getEncoder().encodeToString("abcdefabcdefabcd".getBytes(StandardCharsets.UTF_8));
        created(send(admin, "POST", "/api/v1/namespaces/kube-system/secrets", JSON.writeValueAsString(Map.of(
                "metadata", Map.of("name", "bootstrap-token-zzzzzz"), "type", "bootstrap.kubernetes.io/token",
                "data", Map.of("token-id", b64("zzzzzz"), "token-secret", expiredSecret,
                        "usage-bootstrap-authentication", b64("true"), "expiration", b64("2020-01-01T00:00:00Z")))), null));
        assertUnauthorized("zzzzzz.abcdefabcdefabcd");
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tokenRequestAndTokenReviewValidateLikeUpstream() throws Exception {
        serviceAccount("team", "short");
        HttpResponse<String> tooShort = send(admin, "POST", "/api/v1/namespaces/team/serviceaccounts/short/token",
                "{\"spec\":{\"expirationSeconds\":60}}", null);
        assertEquals(422, tooShort.statusCode(), tooShort.body());
        assertEquals("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 60:"
                + " may not specify a duration less than 10 minutes", JSON.readTree(tooShort.body()).path("message").asText());
        HttpResponse<String> missing = send(admin, "POST", "/api/v1/namespaces/team/serviceaccounts/nobody/token", "{\"spec\":{}}", null);
        assertEquals(404, missing.statusCode());
        assertEquals("serviceaccounts \"nobody\" not found", JSON.readTree(missing.body()).path("message").asText());
        HttpResponse<String> noToken = send(admin, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", "{\"spec\":{}}", null);
        assertEquals(400, noToken.statusCode());
        assertEquals(405, send(admin, "GET", "/apis/authentication.k8s.io/v1/tokenreviews", null, null).statusCode());
        JsonNode unknown = review("nobody-knows-this", null);
        assertFalse(unknown.has("authenticated"));
        assertEquals("invalid bearer token", unknown.path("error").asText());
        // discovery lists the subresource and the review resource
        JsonNode core = JSON.readTree(send(admin, "GET", "/api/v1", null, null).body());
        List<String> names = new ArrayList<>();
        core.path("resources").forEach(r -> names.add(r.path("name").asText()));
        assertTrue(names.contains("serviceaccounts/token"), names::toString);
        JsonNode group = JSON.readTree(send(admin, "GET", "/apis/authentication.k8s.io/v1", null, null).body());
        List<String> reviews = new ArrayList<>();
        group.path("resources").forEach(r -> reviews.add(r.path("name").asText()));
        assertTrue(reviews.contains("tokenreviews"), reviews::toString);
    }

    @Test
    void theIssuersDiscoveryDocumentsAreServedToServiceAccountsAndVerifyItsTokens() throws Exception {
        serviceAccount("team", "oidc");
        String token = tokenFor("team", "oidc", "{}");
        // upstream's bootstrap policy: system:service-account-issuer-discovery for system:serviceaccounts only
        assertEquals(403, send(bare, "GET", "/.well-known/openid-configuration", null, null).statusCode());
        HttpResponse<String> configuration = send(bare, "GET", "/.well-known/openid-configuration", null, token);
        assertEquals(200, configuration.statusCode(), configuration.body());
        JsonNode document = JSON.readTree(configuration.body());
        assertEquals("https://kubernetes.default.svc.cluster.local", document.path("issuer").asText());
        assertEquals(server.uri("/openid/v1/jwks").toString(), document.path("jwks_uri").asText());
        assertEquals(List.of("id_token"), JSON.convertValue(document.path("response_types_supported"), List.class));
        assertEquals(List.of("public"), JSON.convertValue(document.path("subject_types_supported"), List.class));
        assertEquals(List.of("RS256"), JSON.convertValue(document.path("id_token_signing_alg_values_supported"), List.class));
        HttpResponse<String> jwks = send(bare, "GET", "/openid/v1/jwks", null, token);
        assertEquals(200, jwks.statusCode());
        assertEquals("application/jwk-set+json", jwks.headers().firstValue("content-type").orElseThrow());
        JsonNode key = JSON.readTree(jwks.body()).path("keys").get(0);
        assertEquals("RSA", key.path("kty").asText());
        assertEquals("sig", key.path("use").asText());

        assertEquals(key.path("kid").asText(), JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0])).path("kid").asText());
        RSAPublicKey published = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(key.path("n").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(key.path("e").asText()))));
        assertTrue(Jwt.parse(token).orElseThrow().verifies(published), "the published key verifies issued tokens");
    }
}
