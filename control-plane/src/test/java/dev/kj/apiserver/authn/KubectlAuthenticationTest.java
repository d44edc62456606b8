package dev.kj.apiserver.authn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.apiserver.testing.Kubectl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stock kubectl against a live server: {@code kubectl create token} and the token used with
 * {@code --token}; expired and forged tokens; a kubeconfig trusting the wrong CA; a
 * {@code --token-auth-file} user; the bootstrap join token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlAuthenticationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOGGED_OUT = "error: You must be logged in to the server";

    private Path dir;
    private ApiServer server;
    private Kubectl admin;
    private Path data;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        data = dir.resolve("data");
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, """
                static-secret-token-0123456789,alice,1001,"developers,qa"
                second-token,bob,1002
                """);
        server = ApiServer.start(new ApiServerConfig(data, List.of(), "127.0.0.1", 0).withTokenAuthFile(tokens));
        admin = Kubectl.require("kubectl", server.kubeconfig(), dir);
        admin.run("create", "namespace", "team").ok();
        admin.run("create", "serviceaccount", "builder", "-n", "team").ok();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A kubeconfig with the server and a CA but no user credentials: kubectl --token supplies them. */
    private Kubectl bare(Path ca, String name) throws Exception {
        return bare("kubectl", ca, name);
    }

    private Kubectl bare(String version, Path ca, String name) throws Exception {
        Path kubeconfig = dir.resolve(name + ".kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kj
                  cluster:
                    server: https://127.0.0.1:%d
                    certificate-authority: %s
                users:
                - name: nobody
                  user: {}
                contexts:
                - name: nobody@kj
                  context: {cluster: kj, user: nobody}
                current-context: nobody@kj
                """.formatted(server.address().getPort(), ca));
        return Kubectl.require(version, kubeconfig, dir);
    }

    private boolean viewerBound;

    /** A service account bound to {@code view} in its namespace, once for every kubectl version. */
    private synchronized String viewerToken() throws Exception {
        if (!viewerBound) {
            admin.run("create", "namespace", "viewers").ok();
            admin.run("create", "serviceaccount", "reader", "-n", "viewers").ok();
            admin.run("create", "rolebinding", "reader-view", "-n", "viewers", "--clusterrole", "view",
                    "--serviceaccount", "viewers:reader").ok();
            admin.run("create", "configmap", "settings", "-n", "viewers", "--from-literal=color=blue").ok();
            viewerBound = true;
        }
        return admin.run("create", "token", "reader", "-n", "viewers").ok().stdout().strip();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void aViewBoundServiceAccountTokenReadsButNeitherWritesNorReadsSecretsNorLeavesItsNamespace(String version)
            throws Exception {
        String token = viewerToken();
        Kubectl reader = bare(version, data.resolve("pki/ca.crt"), "reader-" + version);
        // the binding takes effect once the authorizer's watch has it
        Instant deadline = Instant.now().plusSeconds(20);
        Kubectl.Result read = reader.run("--token", token, "get", "configmap", "settings", "-n", "viewers", "-o", "name");
        while (read.exitCode() != 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            read = reader.run("--token", token, "get", "configmap", "settings", "-n", "viewers", "-o", "name");
        }
        assertEquals("configmap/settings", read.ok().stdout().strip());
        String user = "User \"system:serviceaccount:viewers:reader\"";
        Kubectl.Result write = reader.run("--token", token, "create", "configmap", "other", "-n", "viewers");
        assertNotEquals(0, write.exitCode());
        // kubectl create words it "error: failed to create configmap: ...", as against upstream
        assertTrue(write.stderr().contains("configmaps is forbidden: " + user
                + " cannot create resource \"configmaps\" in API group \"\" in the namespace \"viewers\""), write.stderr());
        Kubectl.Result secrets = reader.run("--token", token, "get", "secrets", "-n", "viewers");
        assertNotEquals(0, secrets.exitCode());
        assertTrue(secrets.stderr().contains("Error from server (Forbidden): secrets is forbidden: " + user
                + " cannot list resource \"secrets\" in API group \"\" in the namespace \"viewers\""), secrets.stderr());
        Kubectl.Result elsewhere = reader.run("--token", token, "get", "configmaps", "-n", "default");
        assertNotEquals(0, elsewhere.exitCode());
        assertTrue(elsewhere.stderr().contains("configmaps is forbidden: " + user
                + " cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\""), elsewhere.stderr());
        Kubectl.Result canI = reader.run("--token", token, "auth", "can-i", "delete", "pods", "-n", "viewers");
        assertEquals("no", canI.stdout().strip());
    }

    @Test
    void createTokenThenUseIt() throws Exception {
        String token = admin.run("create", "token", "builder", "-n", "team").ok().stdout().strip();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertEquals(List.of("https://kubernetes.default.svc.cluster.local"), JSON.convertValue(claims.path("aud"), List.class));
        Kubectl user = bare(data.resolve("pki/ca.crt"), "sa");
        assertTrue(user.run("--token", token, "auth", "whoami").ok().stdout().contains("system:serviceaccount:team:builder"));

        String custom = admin.run("create", "token", "builder", "-n", "team", "--audience", "vault", "--duration", "20m")
                .ok().stdout().strip();
        JsonNode customClaims = JSON.readTree(Base64.getUrlDecoder().decode(custom.split("\\.")[1]));
        assertEquals(List.of("vault"), JSON.convertValue(customClaims.path("aud"), List.class));
        assertEquals(1200, customClaims.path("exp").asLong() - customClaims.path("iat").asLong());
        Kubectl.Result wrongAudience = user.run("--token", custom, "get", "configmaps", "-n", "team");
        assertNotEquals(0, wrongAudience.exitCode());
        assertTrue(wrongAudience.stderr().contains(LOGGED_OUT), wrongAudience.stderr());

        Kubectl.Result tooShort = admin.run("create", "token", "builder", "-n", "team", "--duration", "1m");
        assertNotEquals(0, tooShort.exitCode());
        assertTrue(tooShort.stderr().contains("may not specify a duration less than 10 minutes"), tooShort.stderr());
    }

    @Test
    void aPodBoundTokenFromKubectl() throws Exception {
        admin.run("run", "job", "-n", "team", "--image", "busybox", "--overrides",
                "{\"spec\":{\"serviceAccountName\":\"builder\"}}").ok();
        String token = admin.run("create", "token", "builder", "-n", "team", "--bound-object-kind", "Pod",
                "--bound-object-name", "job").ok().stdout().strip();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertEquals("job", claims.path("kubernetes.io").path("pod").path("name").asText());
        Kubectl user = bare(data.resolve("pki/ca.crt"), "pod");
        assertTrue(user.run("--token", token, "auth", "whoami").ok().stdout().contains("system:serviceaccount:team:builder"));
        admin.run("delete", "pod", "job", "-n", "team", "--grace-period=0", "--force").ok();
        Kubectl.Result revoked = user.run("--token", token, "auth", "whoami");
        assertNotEquals(0, revoked.exitCode());
        assertTrue(revoked.stderr().contains(LOGGED_OUT), revoked.stderr());
    }

    @Test
    void expiredAndForgedTokensAreUnauthorized() throws Exception {
        String uid = JSON.readTree(admin.run("get", "serviceaccount", "builder", "-n", "team", "-o", "json").ok().stdout())
                .path("metadata").path("uid").asText();
        ServiceAccountTokens past = new ServiceAccountTokens(ServiceAccountTokens.ISSUER,
                ClusterPki.ensure(data.resolve("pki")).serviceAccountKeys(), (r, n, m) -> Optional.empty(),
                Clock.fixed(Instant.now().minus(Duration.ofHours(3)), ZoneOffset.UTC));
        String expired = past.issue("team", "builder", uid, List.of(ServiceAccountTokens.ISSUER), Duration.ofHours(1), null, null).token();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String forged = new ServiceAccountTokens(ServiceAccountTokens.ISSUER, rsa.generateKeyPair(), (r, n, m) -> Optional.empty(),
                Clock.systemUTC()).issue("team", "builder", uid, List.of(ServiceAccountTokens.ISSUER), Duration.ofHours(1), null, null)
                .token();
        Kubectl user = bare(data.resolve("pki/ca.crt"), "bad");
        for (String token : List.of(expired, forged, "garbage")) {
            Kubectl.Result result = user.run("--token", token, "get", "configmaps", "-n", "team");
            assertNotEquals(0, result.exitCode());
            assertTrue(result.stderr().contains(LOGGED_OUT + " (Unauthorized)")
                    || result.stderr().contains(LOGGED_OUT + " (the server has asked for the client to provide credentials)"),
                    result.stderr());
        }
        Kubectl.Result raw = user.run("--token", forged, "get", "--raw", "/api/v1/namespaces/team/configmaps");
        assertNotEquals(0, raw.exitCode());
        assertTrue(raw.stderr().contains(LOGGED_OUT), raw.stderr());
    }

    @Test
    void aKubeconfigTrustingAnotherCaFailsTls() throws Exception {
        // the front-proxy CA is a real CA of this cluster, but not the one that signed the serving certificate
        Kubectl wrong = bare(data.resolve("pki/front-proxy-ca.crt"), "wrong-ca");
        // with a credential: a kubeconfig without any makes kubectl prompt for a user name on stdin
        String token = admin.run("create", "token", "builder", "-n", "team").ok().stdout().strip();
        Kubectl.Result result = wrong.run("--token", token, "get", "namespaces");
        assertNotEquals(0, result.exitCode());
        assertTrue(result.stderr().contains("x509: certificate signed by unknown authority"), result.stderr());
    }

    @Test
    void aTokenFileUserAndTheJoinToken() throws Exception {
        Kubectl user = bare(data.resolve("pki/ca.crt"), "static");
        String alice = user.run("--token", "static-secret-token-0123456789", "auth", "whoami").ok().stdout();
        assertTrue(alice.contains("alice") && alice.contains("developers"), alice);
        Kubectl.Result wrong = user.run("--token", "static-secret-token-0123456780", "get", "configmaps", "-n", "team");
        assertNotEquals(0, wrong.exitCode());
        assertTrue(wrong.stderr().contains(LOGGED_OUT), wrong.stderr());

        String review = """
                {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"static-secret-token-0123456789"}}
                """;
        Path file = dir.resolve("review.json");
        Files.writeString(file, review);
        JsonNode status = JSON.readTree(admin.run("create", "-f", file.toString(), "-o", "json").ok().stdout()).path("status");
        assertEquals("alice", status.path("user").path("username").asText(), status::toString);
        assertEquals("1001", status.path("user").path("uid").asText());
        assertEquals(List.of("developers", "qa", "system:authenticated"), JSON.convertValue(status.path("user").path("groups"), List.class));

        String join = Files.readString(data.resolve("token"), StandardCharsets.UTF_8).strip();
        String id = join.substring(join.indexOf("::") + 2, join.indexOf("::") + 8);
        assertTrue(user.run("--token", join.substring(join.indexOf("::") + 2), "auth", "whoami").ok().stdout()
                .contains("system:bootstrap:" + id));
    }
}
