package dev.kj.apiserver.authn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authenticators' own rules, without a server: token files, header parsing, the chain, JWS checks. */
class AuthenticatorsTest {
    private static final List<String> API = List.of(ServiceAccountTokens.ISSUER);

    @TempDir
    Path dir;

    private TokenFile tokenFile(String text) throws Exception {
        Path file = dir.resolve("tokens.csv");
        Files.writeString(file, text);
        return TokenFile.read(file);
    }

    @Test
    void tokenFileRowsBecomeUsers() throws Exception {
        TokenFile file = tokenFile("""
                t1,alice,1001,"dev,qa"
                t2,bob,1002
                ,carol,1003
                t1x,"quoted, name",1004,""
                """);
        User alice = file.authenticate("t1", API).orElseThrow().user();
        assertEquals(new User("alice", "1001", List.of("dev", "qa"), java.util.Map.of()), alice);
        assertEquals(List.of(), file.authenticate("t2", API).orElseThrow().user().groups());
        assertEquals("quoted, name", file.authenticate("t1x", API).orElseThrow().user().name());
        assertTrue(file.authenticate("", API).isEmpty(), "an empty token is never a credential");
        assertTrue(file.authenticate("t3", API).isEmpty());
    }

    @Test
    void aTokenFileRowNeedsThreeColumns() {
        var e = assertThrows(java.io.IOException.class, () -> tokenFile("t1,alice\n"));
        assertTrue(e.getMessage().endsWith("must have at least 3 columns (token, user name, user uid), found 2"), e.getMessage());
    }

    @Test
    void bearerHeadersAreReadAsUpstreamReadsThem() {
        assertEquals(Optional.of("abc"), RequestAuthenticator.bearer("Bearer abc"));
        assertEquals(Optional.of("abc"), RequestAuthenticator.bearer("  bearer abc  "));
        assertEquals(Optional.empty(), RequestAuthenticator.bearer("Basic YWxpY2U6cHc="));
        assertEquals(Optional.empty(), RequestAuthenticator.bearer("Bearer"));
        assertEquals(Optional.empty(), RequestAuthenticator.bearer("Bearer  abc"), "the space before the token: empty token");
        assertEquals(Optional.empty(), RequestAuthenticator.bearer(null));
    }

    @Test
    void theChainTellsMissingFromInvalidCredentials() throws Exception {
        RequestAuthenticator chain = new RequestAuthenticator(
                List.of(TokenAuthenticator.audienceAgnostic(API, tokenFile("good,alice,1\n"))), API);
        var ok = assertInstanceOf(RequestAuthenticator.Result.Authenticated.class, chain.authenticate(null, "Bearer good"));
        assertEquals(List.of("system:authenticated"), ok.user().groups());
        assertInstanceOf(RequestAuthenticator.Result.Unauthenticated.class, chain.authenticate(null, null));
        assertInstanceOf(RequestAuthenticator.Result.Unauthenticated.class, chain.authenticate(null, "Basic eDp5"));
        var bad = assertInstanceOf(RequestAuthenticator.Result.Rejected.class, chain.authenticate(null, "Bearer bad"));
        assertEquals("invalid bearer token", bad.reason());
        // audience-agnostic tokens answer only for the API server's audiences
        assertThrows(InvalidCredentialsException.class, () -> chain.authenticateToken("good", List.of("vault")));
        assertEquals(API, chain.authenticateToken("good", List.of("vault", ServiceAccountTokens.ISSUER)).audiences());
    }

    @Test
    void onlyRs256SignaturesByTheKeyVerify() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair key = rsa.generateKeyPair();
        KeyPair other = rsa.generateKeyPair();
        var claims = new ObjectMapper().createObjectNode().put("sub", "x");
        String token = Jwt.sign(claims, key.getPrivate(), Jwt.keyId(key.getPublic()));
        Jwt.Parsed parsed = Jwt.parse(token).orElseThrow();
        assertTrue(parsed.verifies(key.getPublic()));
        assertFalse(parsed.verifies(other.getPublic()));
        assertEquals("RS256", parsed.header().path("alg").asText());
        String[] parts = token.split("\\.");
        String hs256 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"HS256\"}".getBytes());
        assertFalse(Jwt.parse(hs256 + "." + parts[1] + "." + parts[2]).orElseThrow().verifies(key.getPublic()));
        assertTrue(Jwt.parse("a.b").isEmpty());
        assertTrue(Jwt.parse("static-token").isEmpty());
    }

    @Test
    void serviceAccountTokensOfAnotherIssuerAreNotTheirs() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair key = rsa.generateKeyPair();
        ServiceAccountTokens ours = new ServiceAccountTokens(ServiceAccountTokens.ISSUER, key, (r, n, m) -> Optional.empty(),
                java.time.Clock.systemUTC());
        ServiceAccountTokens theirs = new ServiceAccountTokens("https://elsewhere", key, (r, n, m) -> Optional.empty(),
                java.time.Clock.systemUTC());
        String foreign = theirs.issue("ns", "sa", "u", List.of("https://elsewhere"), java.time.Duration.ofHours(1), null, null).token();
        assertTrue(ours.authenticate(foreign, API).isEmpty());
        String own = ours.issue("ns", "sa", "u", API, java.time.Duration.ofHours(1), null, null).token();
        // ours, but its service account is gone
        var e = assertThrows(InvalidCredentialsException.class, () -> ours.authenticate(own, API));
        assertEquals("serviceaccounts \"sa\" not found", e.getMessage());
    }
}
