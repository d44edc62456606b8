package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.RealEtcd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets encrypted at rest (--encryption-provider-config) through a live server and stock kubectl:
 * the plaintext is absent from the embedded Rhino's SQLite files and from a real etcd, the value
 * carries upstream's {@code k8s:enc:aescbc:v1:key1:} prefix, kubectl reads the plaintext back, and
 * upstream's key rotation procedure works end to end. ConfigMaps, not configured, stay plain.
 */
class EncryptionAtRestTest {
    private static final String KEY1 = Base64.getEncoder().encodeToString("k8s-at-rest-test-key-number-one!".getBytes(StandardCharsets.US_ASCII));
    private static final String KEY2 = Base64.getEncoder().encodeToString("second-key-sixteen-and-sixteen!!".getBytes(StandardCharsets.US_ASCII));
    private static final String PASSWORD = "correct-horse-battery-staple-4711";
    private static final String PASSWORD_B64 = Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8));
    private static final String MARKER = "configmap-value-in-the-clear-0815";

    @TempDir
    Path dir;

    private Path config(String... keys) throws IOException {
        StringBuilder providers = new StringBuilder();
        for (int i = 0; i < keys.length; i += 2) {
            providers.append("            - name: ").append(keys[i]).append("\n              secret: ").append(keys[i + 1]).append('\n');
        }
        Path file = Files.createTempFile(dir, "encryption-config", ".yaml");
        Files.writeString(file, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: [secrets]
                    providers:
                      - aescbc:
                          keys:
                %s      - identity: {}
                """.formatted(providers));
        return file;
    }

    private ApiServer start(Path data, Path encryption) throws IOException {
        return ApiServer.start(new ApiServerConfig(data, List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS).withEncryptionProviderConfig(encryption));
    }

    @Test
    void secretsAreEncryptedInTheSqliteFileAndKeysRotateAsUpstreamDoes() throws Exception {
        Path data = dir.resolve("data");
        byte[] underKey1;
        try (ApiServer server = start(data, config("key1", KEY1))) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            kubectl.run("create", "secret", "generic", "db", "--from-literal=password=" + PASSWORD).ok();
            kubectl.run("create", "configmap", "settings", "--from-literal=note=" + MARKER).ok();
            assertEquals(PASSWORD_B64, kubectl.run("get", "secret", "db", "-o", "jsonpath={.data.password}").ok().stdout());
            // lists come from the watch cache: it holds plain objects
            assertTrue(kubectl.run("get", "secrets", "-o", "yaml").ok().stdout().contains(PASSWORD_B64));
        }
        String files = rawFiles(data.resolve("rhino"));
        assertFalse(files.contains(PASSWORD_B64), "the secret's value is not in the SQLite files");
        assertTrue(files.contains("k8s:enc:aescbc:v1:key1:"), "upstream's prefix is");
        assertTrue(files.contains(MARKER), "configmaps are not encrypted");

        underKey1 = raw(data, "/registry/secrets/default/db");
        assertTrue(new String(underKey1, StandardCharsets.ISO_8859_1).startsWith("k8s:enc:aescbc:v1:key1:"));
        assertTrue(new String(raw(data, "/registry/configmaps/default/settings"), StandardCharsets.UTF_8).startsWith("{"));

        // rotation, step 1: the new key first, the old one still there; step 2: rewrite every secret
        String rv;
        try (ApiServer server = start(data, config("key2", KEY2, "key1", KEY1))) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            assertEquals(PASSWORD_B64, kubectl.run("get", "secret", "db", "-o", "jsonpath={.data.password}").ok().stdout());
            rv = kubectl.run("get", "secret", "db", "-o", "jsonpath={.metadata.resourceVersion}").ok().stdout();
            Path all = dir.resolve("secrets.json");
            Files.writeString(all, kubectl.run("get", "secrets", "-A", "-o", "json").ok().stdout());
            kubectl.run("replace", "-f", all.toString()).ok();
            // unchanged, but read with an older key: written again (upstream's stale read)
            assertNotEquals(rv, kubectl.run("get", "secret", "db", "-o", "jsonpath={.metadata.resourceVersion}").ok().stdout());
            rv = kubectl.run("get", "secret", "db", "-o", "jsonpath={.metadata.resourceVersion}").ok().stdout();
        }
        assertTrue(new String(raw(data, "/registry/secrets/default/db"), StandardCharsets.ISO_8859_1)
                .startsWith("k8s:enc:aescbc:v1:key2:"));
        // a value left under the old key, to show what removing it does
        putRaw(data, "/registry/secrets/default/left-behind", underKey1);

        // step 3: the old key removed
        try (ApiServer server = start(data, config("key2", KEY2))) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            assertEquals(PASSWORD_B64, kubectl.run("get", "secret", "db", "-o", "jsonpath={.data.password}").ok().stdout());
            assertEquals(rv, kubectl.run("get", "secret", "db", "-o", "jsonpath={.metadata.resourceVersion}").ok().stdout());
            Kubectl.Result old = kubectl.run("get", "secret", "left-behind");
            assertEquals(1, old.exitCode());
            assertTrue(old.stderr().contains("Internal error occurred: no matching key was found for the provided AES transformer"),
                    old.stderr());
            assertEquals(MARKER, kubectl.run("get", "configmap", "settings", "-o", "jsonpath={.data.note}").ok().stdout());
        }
    }

    @Test
    void aValueNoConfiguredProviderCanReadFailsTheRead() throws Exception {
        Path data = dir.resolve("data");
        try (ApiServer server = start(data, config("key1", KEY1))) {
            Kubectl.require("kubectl", server.kubeconfig(), dir)
                    .run("create", "secret", "generic", "db", "--from-literal=password=" + PASSWORD).ok();
        }
        // without the flag every resource is identity, which refuses encrypted data (upstream's check)
        try (ApiServer server = start(data, null)) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            Kubectl.Result get = kubectl.run("get", "secret", "db");
            assertEquals(1, get.exitCode());
            assertTrue(get.stderr().contains("Internal error occurred: identity transformer tried to read encrypted data"),
                    get.stderr());
        }
    }

    @Test
    void aBadConfigurationStopsTheServerWithUpstreamsMessage() throws Exception {
        Path bad = config("key1", Base64.getEncoder().encodeToString(new byte[8]));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> start(dir.resolve("data"), bad));
        assertEquals("error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\":"
                + " secret is not of the expected length, got 8, expected one of [16 24 32]", e.getMessage());
        assertFalse(Files.exists(dir.resolve("data").resolve("rhino")), "nothing stored was touched");
    }

    @Test
    void onARealEtcdTheValueEtcdctlSeesIsEncrypted() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(etcd.clientUrl()),
                     "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS).withEncryptionProviderConfig(config("key1", KEY1)))) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            kubectl.run("create", "secret", "generic", "db", "--from-literal=password=" + PASSWORD).ok();
            kubectl.run("create", "configmap", "settings", "--from-literal=note=" + MARKER).ok();
            Etcdctl etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(Map.of("ETCDCTL_API", "3"));
            Etcdctl.Result secret = etcdctl.run("get", "/registry/secrets/default/db", "--print-value-only");
            assertTrue(secret.ok(), secret.stderr());
            assertTrue(secret.stdout().startsWith("k8s:enc:aescbc:v1:key1:"), secret.stdout());
            assertFalse(secret.stdout().contains(PASSWORD_B64));
            Etcdctl.Result configmap = etcdctl.run("get", "/registry/configmaps/default/settings", "--print-value-only");
            assertTrue(configmap.stdout().contains(MARKER), configmap.stdout());
            assertEquals(PASSWORD_B64, kubectl.run("get", "secret", "db", "-o", "jsonpath={.data.password}").ok().stdout());
        }
    }

    @Test
    void everythingEncryptedByWildcardStillWorksForControllersAndWatches() throws Exception {
        String box = Base64.getEncoder().encodeToString("thirty-two-bytes-for-secretbox!!".getBytes(StandardCharsets.US_ASCII));
        String gcm = Base64.getEncoder().encodeToString("sixteen-byte-key".getBytes(StandardCharsets.US_ASCII));
        Path file = dir.resolve("everything.yaml");
        Files.writeString(file, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: ["*.apps"]
                    providers: [{aesgcm: {keys: [{name: g1, secret: "%s"}]}}]
                  - resources: ["*.*"]
                    providers: [{secretbox: {keys: [{name: b1, secret: "%s"}]}}]
                """.formatted(gcm, box));
        Path data = dir.resolve("data");
        try (ApiServer server = start(data, file)) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            kubectl.run("create", "namespace", "doomed").ok();
            kubectl.run("create", "configmap", "owner", "-n", "doomed", "--from-literal=note=" + MARKER).ok();
            kubectl.run("create", "deployment", "web", "-n", "doomed", "--image=nginx").ok();
            String uid = kubectl.run("get", "configmap", "owner", "-n", "doomed", "-o", "jsonpath={.metadata.uid}").ok().stdout();
            Path owned = dir.resolve("owned.yaml");
            Files.writeString(owned, """
                    apiVersion: v1
                    kind: Secret
                    metadata:
                      name: owned
                      namespace: doomed
                      ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: "%s"}]
                    stringData: {password: "%s"}
                    """.formatted(uid, PASSWORD));
            try (Kubectl.Streaming watch = kubectl.stream("get", "secrets", "-n", "doomed", "-w", "-o",
                    "jsonpath={.metadata.name}={.data.password}{\"\\n\"}")) {
                kubectl.run("apply", "-f", owned.toString()).ok();
                assertEquals("owned=" + PASSWORD_B64, watch.nextLine(30), "the watch (from the cache) carries plain objects");
            }
        }
        // the raw values: every object of every resource sealed, apps under aesgcm, the rest secretbox
        String files = rawFiles(data.resolve("rhino"));
        assertFalse(files.contains(MARKER));
        assertFalse(files.contains(PASSWORD_B64));
        try (RhinoServer rhino = rhino(data); EtcdStorage storage = new EtcdStorage(rhino.newInProcessChannel())) {
            List<StoredValue> values = storage.list("/registry/", null, 0, 0).items();
            assertFalse(values.isEmpty());
            for (StoredValue value : values) {
                String text = new String(value.value(), StandardCharsets.ISO_8859_1);
                String expected = value.key().startsWith("/registry/deployments/") || value.key().startsWith("/registry/replicasets/")
                        ? "k8s:enc:aesgcm:v1:g1:" : "k8s:enc:secretbox:v1:b1:";
                assertTrue(text.startsWith(expected), value.key() + " → " + text.substring(0, Math.min(40, text.length())));
            }
        }
        try (ApiServer server = start(data, file)) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            assertEquals(PASSWORD_B64, kubectl.run("get", "secret", "owned", "-n", "doomed", "-o",
                    "jsonpath={.data.password}").ok().stdout());
            // the garbage collector reads owners and dependents through the API: plain objects
            kubectl.run("delete", "configmap", "owner", "-n", "doomed").ok();
            awaitGone(kubectl, "secret", "owned", "-n", "doomed");
            // the namespace controller lists and deletes everything in the namespace
            kubectl.run("delete", "namespace", "doomed", "--wait=false").ok();
            awaitGone(kubectl, "namespace", "doomed");
        }
    }

    private static void awaitGone(Kubectl kubectl, String... what) throws InterruptedException {
        String[] args = Stream.concat(Stream.of("get"), Stream.of(what)).toArray(String[]::new);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Kubectl.Result result = kubectl.run(args);
            if (result.exitCode() != 0 && result.stderr().contains("NotFound")) {
                return;
            }
            Thread.sleep(250);
        }
        org.junit.jupiter.api.Assertions.fail(String.join(" ", what) + " still there after 60 s");
    }

    /** Every byte of every file under the Rhino directory (database, WAL), as Latin-1 text for searching. */
    private static String rawFiles(Path rhino) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(rhino)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                all.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }

    /** The value stored at {@code key}, as etcd holds it (no transformer), read with the server stopped. */
    private static byte[] raw(Path data, String key) {
        try (RhinoServer rhino = rhino(data); EtcdStorage storage = new EtcdStorage(rhino.newInProcessChannel())) {
            return storage.get(key).map(StoredValue::value).orElseThrow();
        }
    }

    private static void putRaw(Path data, String key, byte[] value) {
        try (RhinoServer rhino = rhino(data); EtcdStorage storage = new EtcdStorage(rhino.newInProcessChannel())) {
            storage.create(key, value);
        }
    }

    private static RhinoServer rhino(Path data) {
        try {
            return RhinoServer.start(new RhinoConfig("default", null, data.resolve("rhino"), List.of(), null, null, null, null));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
