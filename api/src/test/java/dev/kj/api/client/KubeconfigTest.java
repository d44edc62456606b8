package dev.kj.api.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Kubeconfig files as kj, kubeadm and hand-written configs lay them out, and the key formats openssl writes. */
class KubeconfigTest {
    @TempDir
    Path dir;

    @Test
    void embeddedDataAsKjServerWritesIt() throws IOException {
        String ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        Path file = write("config", """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kj
                  cluster:
                    server: https://127.0.0.1:6443
                    certificate-authority-data: %s
                users:
                - name: kubernetes-admin
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: kubernetes-admin@kj
                  context:
                    cluster: kj
                    user: kubernetes-admin
                current-context: kubernetes-admin@kj
                """.formatted(b64(ca), b64("cert"), b64("key")));
        Kubeconfig.Connection connection = Kubeconfig.load(file).current();
        assertEquals("kubernetes-admin@kj", connection.context());
        assertEquals(URI.create("https://127.0.0.1:6443"), connection.cluster().server());
        assertArrayEquals(ca.getBytes(StandardCharsets.UTF_8), connection.cluster().certificateAuthority());
        assertArrayEquals("cert".getBytes(StandardCharsets.UTF_8), connection.user().clientCertificate());
        assertArrayEquals("key".getBytes(StandardCharsets.UTF_8), connection.user().clientKey());
        assertNull(connection.user().token());
        assertNull(connection.namespace());
    }

    @Test
    void filePathsAreRelativeToTheKubeconfigAndDataWinsOverPaths() throws IOException {
        Files.createDirectories(dir.resolve("pki"));
        Files.writeString(dir.resolve("pki/ca.crt"), "ca-from-file");
        Files.writeString(dir.resolve("pki/admin.crt"), "cert-from-file");
        Files.writeString(dir.resolve("pki/admin.key"), "key-from-file");
        Files.writeString(dir.resolve("token"), "  s3cret-token\n");
        Path file = write("nested/../config", """
                clusters:
                - name: a
                  cluster: {server: "https://a.example:6443", certificate-authority: pki/ca.crt}
                - name: b
                  cluster: {server: "https://b.example", certificate-authority: pki/ca.crt, certificate-authority-data: %s}
                users:
                - name: files
                  user: {client-certificate: pki/admin.crt, client-key: %s}
                - name: bearer
                  user: {tokenFile: token}
                contexts:
                - name: one
                  context: {cluster: a, user: files, namespace: team-a}
                - name: two
                  context: {cluster: b, user: bearer}
                current-context: one
                """.formatted(b64("ca-inline"), dir.resolve("pki/admin.key")));
        Kubeconfig config = Kubeconfig.load(file);
        Kubeconfig.Connection one = config.current();
        assertEquals("ca-from-file", new String(one.cluster().certificateAuthority(), StandardCharsets.UTF_8));
        assertEquals("cert-from-file", new String(one.user().clientCertificate(), StandardCharsets.UTF_8));
        assertEquals("key-from-file", new String(one.user().clientKey(), StandardCharsets.UTF_8));
        assertEquals("team-a", one.namespace());
        Kubeconfig.Connection two = config.connection("two");
        assertEquals("ca-inline", new String(two.cluster().certificateAuthority(), StandardCharsets.UTF_8));
        assertEquals(dir.resolve("token"), two.user().tokenFile());
    }

    @Test
    void missingPiecesAreNamed() throws IOException {
        Kubeconfig config = Kubeconfig.load(write("broken", """
                clusters:
                - name: noserver
                  cluster: {}
                contexts:
                - name: a
                  context: {cluster: noserver}
                - name: b
                  context: {cluster: nowhere}
                """));
        assertEquals("invalid configuration: no current-context is set",
                assertThrows(IOException.class, config::current).getMessage());
        assertEquals("context was not found for specified context: c",
                assertThrows(IOException.class, () -> config.connection("c")).getMessage());
        assertEquals("invalid configuration: no server found for cluster \"noserver\"",
                assertThrows(IOException.class, () -> config.connection("a")).getMessage());
        assertTrue(assertThrows(IOException.class, () -> config.connection("b")).getMessage().contains("nowhere"));
    }

    record KeyCase(String name, List<String> command, String pemHeader) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<KeyCase> keys() {
        return Stream.of(
                new KeyCase("PKCS#8 EC (kj, openssl 3 default)", List.of("genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256"), "-----BEGIN PRIVATE KEY-----"),
                new KeyCase("PKCS#1 RSA (kubeadm)", List.of("genrsa", "-traditional", "2048"), "-----BEGIN RSA PRIVATE KEY-----"),
                new KeyCase("SEC 1 EC after EC PARAMETERS", List.of("ecparam", "-name", "prime256v1", "-genkey"),
                        "-----BEGIN EC PRIVATE KEY-----"));
    }

    /** The key read from each PEM form is the one openssl's own PKCS#8 conversion holds. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void privateKeysInTheFormsOpensslWrites(KeyCase key) throws Exception {
        Path pem = dir.resolve("key.pem");
        List<String> generate = new ArrayList<>(List.of("openssl", key.command().getFirst(), "-out", pem.toString()));
        generate.addAll(key.command().subList(1, key.command().size()));
        openssl(generate);
        assertTrue(Files.readString(pem).contains(key.pemHeader()), Files.readString(pem));
        Path der = dir.resolve("key.der");
        openssl(List.of("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", pem.toString(), "-outform", "DER", "-out", der.toString()));
        java.security.PrivateKey read = TlsMaterial.privateKey(Files.readAllBytes(pem));
        java.security.PrivateKey reference = java.security.KeyFactory.getInstance(read.getAlgorithm())
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Files.readAllBytes(der)));
        switch (read) {
            case java.security.interfaces.ECPrivateKey ec -> assertEquals(((java.security.interfaces.ECPrivateKey) reference).getS(), ec.getS());
            case java.security.interfaces.RSAPrivateKey rsa -> {
                assertEquals(((java.security.interfaces.RSAPrivateKey) reference).getModulus(), rsa.getModulus());
                assertEquals(((java.security.interfaces.RSAPrivateKey) reference).getPrivateExponent(), rsa.getPrivateExponent());
            }
            default -> throw new AssertionError("unexpected key type " + read.getAlgorithm());
        }
    }

    private static void openssl(List<String> command) throws Exception {
        boolean present = Stream.of(System.getenv("PATH").split(":")).anyMatch(p -> Files.isExecutable(Path.of(p, "openssl")));
        if (!present && "true".equals(System.getenv("KJ_TEST_CI"))) {
            throw new AssertionError("openssl is not installed");
        }
        Assumptions.assumeTrue(present, "openssl is not installed: skipping the key format checks");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name).normalize();
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
