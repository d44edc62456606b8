package dev.kj.controllers.serviceaccounttoken;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serviceaccount-token-controller through stock kubectl: a token Secret a user creates is
 * filled (token, ca.crt, namespace, the uid annotation) and its token authenticates as the
 * service account; the Secret goes with its service account, and the token with it.
 */
class TokensControllerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer server;
    static Kubectl admin;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        admin = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode get(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("get"));
        all.addAll(List.of(args));
        all.addAll(List.of("-o", "json"));
        return JSON.readTree(admin.run(all.toArray(String[]::new)).ok().stdout());
    }

    private static String decoded(JsonNode value) {
        return new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8);
    }

    private static void createTokenSecret(String namespace, String name, String account, String uid) throws Exception {
        Path file = dir.resolve(namespace + "-" + name + ".yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Secret
                type: kubernetes.io/service-account-token
                metadata:
                  name: %s
                  namespace: %s
                  annotations:
                    kubernetes.io/service-account.name: %s
                %s""".formatted(name, namespace, account,
                uid == null ? "" : "    kubernetes.io/service-account.uid: \"" + uid + "\"\n"));
        admin.run("create", "-f", file.toString()).ok();
    }

    /** A kubeconfig with the server and its CA but no credentials: --token supplies them. */
    private static Kubectl bare() throws Exception {
        Path kubeconfig = dir.resolve("bare.kubeconfig");
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
                """.formatted(server.server().address().getPort(), dir.resolve("data/pki/ca.crt")));
        return Kubectl.require("kubectl", kubeconfig, dir);
    }

    @Test
    void aTokenSecretIsFilledAndGoesWithItsServiceAccount() throws Exception {
        admin.run("create", "namespace", "legacy").ok();
        admin.run("create", "serviceaccount", "robot", "-n", "legacy").ok();
        String uid = get("serviceaccount", "robot", "-n", "legacy").path("metadata").path("uid").asText();
        createTokenSecret("legacy", "robot-token", "robot", null);
        until("the token Secret filled", () -> {
            try {
                return get("secret", "robot-token", "-n", "legacy").path("data").size() == 3;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode secret = get("secret", "robot-token", "-n", "legacy");
        assertEquals(Map.of("kubernetes.io/service-account.name", "robot", "kubernetes.io/service-account.uid", uid),
                JSON.convertValue(secret.path("metadata").path("annotations"), Map.class));
        assertEquals("legacy", decoded(secret.path("data").path("namespace")));
        assertEquals(Files.readString(dir.resolve("data/pki/ca.crt")), decoded(secret.path("data").path("ca.crt")));
        String token = decoded(secret.path("data").path("token"));
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
        assertEquals("RS256", header.path("alg").asText());
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertEquals(JSON.readTree("""
                {"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"legacy",
                 "kubernetes.io/serviceaccount/secret.name":"robot-token",
                 "kubernetes.io/serviceaccount/service-account.name":"robot",
                 "kubernetes.io/serviceaccount/service-account.uid":"%s",
                 "sub":"system:serviceaccount:legacy:robot"}""".formatted(uid)), claims);

        Kubectl user = bare();
        JsonNode whoami = JSON.readTree(user.run("--token", token, "auth", "whoami", "-o", "json").ok().stdout());
        assertEquals("system:serviceaccount:legacy:robot", whoami.path("status").path("userInfo").path("username").asText());

        admin.run("delete", "serviceaccount", "robot", "-n", "legacy").ok();
        until("the token Secret deleted with its service account",
                () -> admin.run("get", "secret", "robot-token", "-n", "legacy").exitCode() != 0);
        Kubectl.Result rejected = user.run("--token", token, "auth", "whoami");
        assertNotEquals(0, rejected.exitCode());
        assertTrue(rejected.stderr().contains("You must be logged in to the server"), rejected.stderr());
    }

    @Test
    void aSecretForAMissingOrReplacedAccountIsDeleted() throws Exception {
        admin.run("create", "namespace", "orphans").ok();
        createTokenSecret("orphans", "nobody-token", "nobody", null);
        until("the Secret of a missing account deleted",
                () -> admin.run("get", "secret", "nobody-token", "-n", "orphans").exitCode() != 0);

        admin.run("create", "serviceaccount", "app", "-n", "orphans").ok();
        createTokenSecret("orphans", "stale-token", "app", "00000000-0000-0000-0000-000000000000");
        until("the Secret naming another uid deleted",
                () -> admin.run("get", "secret", "stale-token", "-n", "orphans").exitCode() != 0);

        // an ordinary Secret is none of the controller's business, however annotated
        admin.run("create", "secret", "generic", "plain", "-n", "orphans", "--from-literal=a=b").ok();
        admin.run("annotate", "secret", "plain", "-n", "orphans", "kubernetes.io/service-account.name=nobody").ok();
        createTokenSecret("orphans", "app-token", "app", null);
        until("a later Secret filled",
                () -> admin.run("get", "secret", "app-token", "-n", "orphans", "-o", "jsonpath={.data.token}").stdout()
                        .length() > 0);
        assertEquals(0, admin.run("get", "secret", "plain", "-n", "orphans").exitCode(), "the plain Secret stays");
        assertEquals("b", decoded(get("secret", "plain", "-n", "orphans").path("data").path("a")));
    }

    @Test
    void deletingATokenSecretDropsItFromTheAccountsSecrets() throws Exception {
        admin.run("create", "namespace", "refs").ok();
        admin.run("create", "serviceaccount", "ci", "-n", "refs").ok();
        createTokenSecret("refs", "ci-token", "ci", null);
        until("filled", () -> admin.run("get", "secret", "ci-token", "-n", "refs", "-o", "jsonpath={.data.token}").stdout()
                .length() > 0);
        admin.run("patch", "serviceaccount", "ci", "-n", "refs", "--type=merge", "-p",
                "{\"secrets\":[{\"name\":\"ci-token\"},{\"name\":\"other\"}]}").ok();
        admin.run("delete", "secret", "ci-token", "-n", "refs").ok();
        until("the reference removed", () -> admin.run("get", "serviceaccount", "ci", "-n", "refs", "-o",
                "jsonpath={.secrets[*].name}").stdout().equals("other"));
    }
}
